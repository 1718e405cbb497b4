#!/usr/bin/env node
// Strips outputs from the course notebooks in place, so the repository holds them clean:
// every code cell gets outputs [] and execution_count null, execution-time metadata goes,
// and the notebook's metadata names the gradlab kernel. With no arguments it cleans
// notebooks/[0-9][0-9]-*.ipynb; otherwise the notebooks named.
//   node scripts/clean-notebooks.js [NOTEBOOK.ipynb ...] [--check]
// --check changes nothing and exits 1 if any notebook is not clean.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const KERNELSPEC = { display_name: "TypeScript (gradlab)", language: "typescript", name: "gradlab" };
const LANGUAGE_INFO = { file_extension: ".ts", mimetype: "text/typescript", name: "typescript" };

/** Splits text into notebook lines, as nbformat stores them. */
const lines = (text) => (text === "" ? [] : text.split(/(?<=\n)/));
const joined = (v) => (Array.isArray(v) ? v.join("") : String(v ?? ""));

function clean(nb) {
  nb.metadata = { ...(nb.metadata ?? {}), kernelspec: KERNELSPEC, language_info: { ...(nb.metadata?.language_info ?? {}), ...LANGUAGE_INFO } };
  for (const cell of nb.cells ?? []) {
    cell.source = lines(joined(cell.source));
    if (cell.metadata) {
      delete cell.metadata.execution;
      delete cell.metadata.collapsed;
      delete cell.metadata.scrolled;
    } else cell.metadata = {};
    if (cell.cell_type === "code") {
      cell.execution_count = null;
      cell.outputs = [];
    } else {
      delete cell.execution_count;
      delete cell.outputs;
    }
  }
  return nb;
}

function main(argv) {
  const check = argv.includes("--check");
  let files = argv.filter((a) => !a.startsWith("--"));
  if (files.length === 0) {
    const dir = path.join(__dirname, "..", "notebooks");
    files = fs.readdirSync(dir).filter((f) => /^[0-9][0-9]-.*\.ipynb$/.test(f)).sort().map((f) => path.join(dir, f));
  }
  let dirty = 0;
  for (const file of files) {
    const before = fs.readFileSync(file, "utf8");
    const after = JSON.stringify(clean(JSON.parse(before)), null, 1) + "\n";
    if (after === before) continue;
    dirty++;
    if (check) console.log(`not clean: ${file}`);
    else {
      fs.writeFileSync(file, after);
      console.log(`cleaned: ${file}`);
    }
  }
  return check && dirty ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
