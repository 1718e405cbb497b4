#!/usr/bin/env node
// Builds gradlab's JupyterLab extension as a prebuilt extension: tsc (extension/src →
// extension/lib), then @jupyterlab/builder's build-labextension (webpack, module
// federation) into extension/labextension/, which `gradlab install` copies. No Python.
// Skips the webpack step when the output is newer than its inputs. Run by `npm install`
// (a failure only warns, as for the native addon), `npm run build` and `npm test`
// (with --strict, a failure is fatal).
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const ext = path.join(root, "extension");
const out = path.join(ext, "labextension");
const strict = process.argv.includes("--strict");

function fail(message) {
  if (strict) {
    console.error(`gradlab: the JupyterLab extension did not build: ${message}`);
    process.exit(1);
  }
  console.warn(`gradlab: the JupyterLab extension did not build (${message}); the kernel works without it, JupyterLab then shows the static images`);
  process.exit(0);
}

/** The newest modification time under p (a file or a folder). */
function newest(p) {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newest(path.join(p, f))));
}

function run(args, what) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) fail(`${what} exited with ${r.status ?? r.signal}`);
}

// An installed gradlab package ships the built extension and no sources: nothing to do.
if (!fs.existsSync(path.join(ext, "src"))) {
  if (fs.existsSync(path.join(out, "package.json"))) process.exit(0);
  fail("extension/src is missing and no prebuilt extension/labextension is shipped");
}

let tsc, builder;
try {
  tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
  builder = require.resolve("@jupyterlab/builder/lib/build-labextension.js", { paths: [ext, root] });
} catch (e) {
  fail(`a build tool is not installed (${e.message.split("\n")[0]}); run npm install`);
}

run([tsc, "-b", path.join(ext, "tsconfig.json")], "tsc -b extension");
const built = path.join(out, "package.json");
// The renderers bundle core's payload schemas from dist/core/viz (extension/src/payload.ts).
const inputs = ["lib", "style", "package.json", "core-meta", "../dist/core/viz"].map((f) => newest(path.join(ext, f)));
if (fs.existsSync(built) && newest(built) > Math.max(...inputs) && !process.argv.includes("--force")) {
  console.log("gradlab: the JupyterLab extension is up to date in extension/labextension");
  process.exit(0);
}
const t0 = Date.now();
run([builder, "--core-path", path.join(ext, "core-meta"), ext], "build-labextension");
const meta = JSON.parse(fs.readFileSync(built, "utf8"));
if (!meta.jupyterlab?._build?.load) fail("build-labextension wrote no jupyterlab._build into labextension/package.json");
console.log(`gradlab: built the JupyterLab extension in ${((Date.now() - t0) / 1000).toFixed(1)} s (${meta.jupyterlab._build.load})`);
