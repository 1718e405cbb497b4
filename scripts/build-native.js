#!/usr/bin/env node
// Builds the native addon (native/) with node-gyp, linking OpenBLAS when its headers
// and library are installed. Run by `npm install` and by `npm run build`.
// A failed build is not fatal for `npm install` (gradlab then runs on its TypeScript
// backend and says so at load); with --strict (used by `npm test`) it is.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const nativeDir = path.join(root, "native");
const buildDir = path.join(nativeDir, "build");
const strict = process.argv.includes("--strict") || process.env.GRADLAB_STRICT_NATIVE === "1";

/** OpenBLAS counts as present when both its CBLAS header and its shared library are installed. */
function hasOpenBlas() {
  const headers = ["/usr/include/x86_64-linux-gnu/cblas.h", "/usr/include/aarch64-linux-gnu/cblas.h",
    "/usr/include/openblas/cblas.h", "/usr/include/cblas.h"];
  const libs = ["/usr/lib/x86_64-linux-gnu/libopenblas.so", "/usr/lib/aarch64-linux-gnu/libopenblas.so",
    "/usr/lib/libopenblas.so", "/usr/lib64/libopenblas.so"];
  return headers.some((f) => fs.existsSync(f)) && libs.some((f) => fs.existsSync(f));
}

function nodeGyp() {
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const candidates = [
    path.join(path.dirname(process.execPath), "../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
    "/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
    "/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
  ];
  return candidates.find((f) => fs.existsSync(f));
}

/** Node's own headers, so node-gyp never tries to download them (there may be no network). */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  for (const dir of [prefix, "/usr", "/usr/local"]) {
    if (fs.existsSync(path.join(dir, "include", "node", "node_api.h"))) return [`--nodedir=${dir}`];
  }
  return [];
}

function run(args) {
  const gyp = nodeGyp();
  if (!gyp) return { status: 1, why: "node-gyp was not found (it ships with npm)" };
  const [cmd, ...rest] = args;
  const r = spawnSync(process.execPath, [gyp, cmd, ...nodedirArgs(), ...rest], { cwd: nativeDir, stdio: "inherit" });
  return { status: r.status ?? 1, why: `node-gyp ${args[0]} exited with ${r.status}` };
}

function main() {
  if (process.env.GRADLAB_SKIP_NATIVE === "1") {
    console.log("gradlab: GRADLAB_SKIP_NATIVE=1, not building the native addon");
    return 0;
  }
  // As root on Debian, install OpenBLAS first (an optional step: the portable GEMM still works).
  spawnSync(process.execPath, [path.join(__dirname, "system-deps.js"), "build", "--optional"], { stdio: "inherit" });
  const blas = hasOpenBlas() ? 1 : 0;
  // One build for every x86-64 CPU: the vector kernels of each instruction-set path are
  // compiled in, and the addon picks one at load (native/src/isa.h). GRADLAB_PORTABLE,
  // which used to ask for this, is no longer needed. binding.gyp's digest is in the stamp
  // so that a change to it configures again.
  const gyp = require("crypto").createHash("sha1").update(fs.readFileSync(path.join(nativeDir, "binding.gyp"))).digest("hex");
  const stamp = path.join(buildDir, "gradlab-config.json");
  const wanted = JSON.stringify({ blas, gyp, node: process.version });
  const configured = fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === wanted;
  if (!blas) {
    console.log("gradlab: OpenBLAS not found; building the addon with its portable GEMM " +
      "(for full speed: apt-get install libopenblas-dev, then npm run build)");
  }
  let r = { status: 0, why: "" };
  // native/src/opcodes.h from core/backend/opcodes.ts (rewritten only when it changes).
  if (spawnSync(process.execPath, [path.join(__dirname, "gen-opcodes.js")], { stdio: "inherit" }).status !== 0) r = { status: 1, why: "gen-opcodes.js failed" };
  if (r.status === 0 && !configured) r = run(["configure", "--", `-Duse_openblas=${blas}`]);
  if (r.status === 0) r = run(["build", "-j", "max"]);
  if (r.status !== 0) {
    console.error(`gradlab: the native addon did not build (${r.why}); gradlab will run on its TypeScript backend`);
    return strict ? 1 : 0;
  }
  fs.writeFileSync(stamp, wanted);
  return 0;
}

process.exit(main());
