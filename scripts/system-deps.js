#!/usr/bin/env node
// Installs the Debian packages a task needs, when run as root; otherwise stops at once
// with the exact apt-get line. One list per task, shared by npm install, npm test,
// npm run bench and .ci/run. Set GRADLAB_NO_APT=1 to only check, never install.
"use strict";
const { spawnSync } = require("child_process");

const NEEDS = {
  // OpenBLAS makes the native addon fast; without it the addon uses its portable GEMM.
  build: ["libopenblas-dev"],
  // The kernel tests drive the installed kernel through Jupyter's own client and nbconvert;
  // the extension test drives Chromium against a real jupyter server.
  // The grading tests run each submission in a bubblewrap sandbox (setpriv and prlimit from util-linux).
  // The lab tests drive `gradlab lab` (jupyterlab_server on jupyter_server, terminado for its terminal).
  test: ["libopenblas-dev", "dataset-fashion-mnist", "jupyter-client", "python3-nbclient", "jupyter-nbconvert", "chromium", "jupyter-server", "python3-jupyterlab-server", "python3-terminado", "bubblewrap", "util-linux"],
  // `npm start` and `gradlab lab`: JupyterLab's server side from Debian (the front end is built from npm).
  lab: ["python3-jupyterlab-server", "python3-terminado"],
  // `gradlab grade` refuses to run submissions without a sandbox (unless --unsafe-no-sandbox).
  grade: ["bubblewrap", "util-linux"],
  bench: ["libopenblas-dev", "python3-torch", "dataset-fashion-mnist"],
  fixtures: ["python3-torch"],
};

function installed(pkg) {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

function main() {
  const task = process.argv[2];
  const optional = process.argv.includes("--optional");
  if (!NEEDS[task]) {
    console.error(`system-deps: unknown task "${task}" (known: ${Object.keys(NEEDS).join(", ")})`);
    return 2;
  }
  if (spawnSync("dpkg-query", ["--version"]).status !== 0) {
    console.log(`gradlab: not a Debian system; make sure these are installed: ${NEEDS[task].join(" ")}`);
    return 0;
  }
  const missing = NEEDS[task].filter((p) => !installed(p));
  if (missing.length === 0) return 0;
  const line = `apt-get update && apt-get install -y ${missing.join(" ")}`;
  const isRoot = process.getuid && process.getuid() === 0;
  if (!isRoot || process.env.GRADLAB_NO_APT === "1") {
    const msg = `gradlab: ${task} needs Debian packages that are not installed. Run:\n  sudo ${line}`;
    if (optional) { console.log(msg); return 0; }
    console.error(msg);
    return 1;
  }
  console.log(`gradlab: installing ${missing.join(" ")} for ${task}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-q"], ["install", "-y", "-q", "--no-install-recommends", ...missing]]) {
    const r = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (r.status !== 0) {
      console.error(`gradlab: apt-get ${args[0]} failed (exit ${r.status}); run it yourself:\n  ${line}`);
      return optional ? 0 : 1;
    }
  }
  return 0;
}

process.exit(main());
