// `npm start`: install the kernel for this user and open the course notebooks in JupyterLab:
// an installed JupyterLab ≥ 4 with the prebuilt extension where there is one, else
// `gradlab lab` (Debian's jupyter_server and jupyterlab_server, installed here when run as
// root, as `npm test` installs its packages). Only where nothing can be installed does the
// tour notebook run headless, into tour.html, with the line that would install the lab.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { install } from "./install";
import { lab, labMissing } from "./lab";

const ROOT = path.join(__dirname, "..", "..");
const NOTEBOOKS = path.join(ROOT, "notebooks");

/** The major version of an installed `jupyter lab`, or null without one. */
function jupyterLabMajor(): number | null {
  const r = spawnSync("jupyter", ["lab", "--version"], { encoding: "utf8" });
  const m = r.status === 0 ? /^(\d+)\./m.exec(r.stdout) : null;
  return m ? Number(m[1]) : null;
}

/** Opens dir (the course's notebooks unless given: `npm start -- DIR`). */
export async function start(dir = NOTEBOOKS): Promise<number> {
  const major = jupyterLabMajor();
  if (major !== null && major >= 4) {
    for (const line of install({ user: true })) console.log(`gradlab: ${line}`);
    console.log(`gradlab: opening ${dir} in the installed JupyterLab ${major} (Ctrl+C to stop)`);
    const child = spawn("jupyter", ["lab", dir], { stdio: "inherit" });
    return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 0)));
  }
  // As root this installs Debian's packages; otherwise it prints the sudo line and goes on.
  spawnSync(process.execPath, [path.join(ROOT, "scripts", "system-deps.js"), "lab", "--optional"], { stdio: "inherit" });
  if (!labMissing()) {
    console.log(`gradlab: opening ${dir} in gradlab lab (JupyterLab with gradlab's renderers; Ctrl+C to stop)`);
    return lab({ dir, browser: true });
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
  console.log(`gradlab: JupyterLab could not be installed here, so the tour ran headless (${r.cells} cells, ${r.errors} errors): open ${out}`);
  console.log(`gradlab: ${labMissing()}; once it is, npm start opens the notebooks in JupyterLab`);
  return r.errors ? 1 : 0;
}
