// `npm start`: install the kernel for this user and open the course notebooks in
// JupyterLab (or Jupyter Notebook where only that is installed). With no Jupyter at all,
// run the tour notebook headless, write its HTML, and say how to get Jupyter.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { install } from "./install";

const ROOT = path.join(__dirname, "..", "..");
const NOTEBOOKS = path.join(ROOT, "notebooks");

function has(args: string[]): boolean {
  return spawnSync("jupyter", [...args, "--version"], { stdio: "ignore" }).status === 0;
}

export async function start(): Promise<number> {
  for (const line of install({ user: true })) console.log(`gradlab: ${line}`);
  const front = has(["lab"]) ? "lab" : has(["notebook"]) ? "notebook" : null;
  if (front) {
    console.log(`gradlab: opening ${NOTEBOOKS} in Jupyter ${front === "lab" ? "Lab" : "Notebook"} (Ctrl+C to stop)`);
    const child = spawn("jupyter", [front, NOTEBOOKS], { stdio: "inherit" });
    return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 0)));
  }
  const tour = path.join(NOTEBOOKS, "01-tour.ipynb");
  if (!fs.existsSync(tour)) {
    require("./tour");
    return 0;
  }
  const { readNotebook, runNotebook } = await import("./run");
  const { notebookHtml } = await import("./html");
  const out = path.join(ROOT, "tour.html");
  const cwd = process.cwd();
  process.chdir(NOTEBOOKS);
  const r = await runNotebook(readNotebook(tour), NOTEBOOKS);
  process.chdir(cwd);
  fs.writeFileSync(out, notebookHtml(r.notebook, "gradlab tour"));
  console.log(`gradlab: no Jupyter here, so the tour ran headless (${r.cells} cells, ${r.errors} errors): open ${out}`);
  console.log("gradlab: for the notebooks themselves install JupyterLab (pip install jupyterlab) or, on Debian, apt-get install jupyter-notebook; then npm start again");
  return r.errors ? 1 : 0;
}
