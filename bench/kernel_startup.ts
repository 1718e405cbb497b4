// Time from starting a gradlab kernel to the first cell's result, as a notebook user
// waits for it: Jupyter's own client starts the installed kernelspec and runs `1 + 1`.
//   node dist/bench/kernel_startup.js [runs] [--against OTHER_CHECKOUT]
// This checkout's kernel is timed from its startup snapshot and without it
// (GRADLAB_SNAPSHOT=0, as kernels started before there was one), alternating, and the
// ratio printed: the way to compare on a machine whose load varies. With --against, the
// other checkout's kernel (built) is timed in the same run too.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const CLI = path.join(__dirname, "..", "kernel", "cli.js");
const CLIENT = `
import time, json
from jupyter_client.manager import start_new_kernel
t0 = time.time()
km, kc = start_new_kernel(kernel_name="gradlab", startup_timeout=60)
ready = time.time() - t0
msg_id = kc.execute("1 + 1")
while True:
    m = kc.get_iopub_msg(timeout=60)
    if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_result":
        break
first = time.time() - t0
kc.stop_channels(); km.shutdown_kernel(now=True)
print(json.dumps({"ready": ready, "first": first}))
`;

interface Times { ready: number; first: number }

function installed(cli: string): { env: NodeJS.ProcessEnv; tmp: string } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-startup-"));
  spawnSync(process.execPath, [cli, "install", "--prefix", tmp], { stdio: "ignore" });
  // The notebook's folder: this checkout's notebooks/, as `npm start` opens them.
  return { env: { ...process.env, JUPYTER_PATH: path.join(tmp, "share", "jupyter"), JUPYTER_DATA_DIR: path.join(tmp, "data") }, tmp };
}

function once(env: NodeJS.ProcessEnv, cwd: string): Times {
  const r = spawnSync("/usr/bin/python3", ["-c", CLIENT], { encoding: "utf8", env, cwd });
  if (r.status !== 0) throw new Error(`the Jupyter client failed (is jupyter-client installed?):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim());
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const runs = Number(process.argv[2] ?? 3) || 3;
  const at = process.argv.indexOf("--against");
  const other = at > 0 ? path.resolve(process.argv[at + 1]) : null;
  const root = path.join(__dirname, "..", "..");
  const kernels = [
    { name: "this checkout, from its snapshot", root, cli: CLI, extra: {} },
    { name: "this checkout, without it", root, cli: CLI, extra: { GRADLAB_SNAPSHOT: "0" } },
  ];
  if (other) kernels.push({ name: other, root: other, cli: path.join(other, "dist", "kernel", "cli.js"), extra: {} });
  const setups = kernels.map((k) => {
    const inst = installed(k.cli);
    return { ...k, ...inst, env: { ...inst.env, ...k.extra }, times: [] as Times[] };
  });
  // The first starts write the code cache and the snapshot (the install wrote it already).
  for (const s of setups) once(s.env, path.join(s.root, "notebooks"));
  for (let i = 0; i < runs; i++) for (const s of setups) s.times.push(once(s.env, path.join(s.root, "notebooks")));
  const first = (s: (typeof setups)[number]) => median(s.times.map((t) => t.first));
  for (const s of setups) {
    fs.rmSync(s.tmp, { recursive: true, force: true });
    console.log(`${s.name}: kernel start to kernel_info reply ${median(s.times.map((t) => t.ready)).toFixed(2)} s, ` +
      `to the first cell's result ${first(s).toFixed(2)} s (median of ${runs})`);
  }
  console.log(`first result: from the snapshot / without it = ${(first(setups[0]) / first(setups[1])).toFixed(2)}`);
  if (other) console.log(`first result: this checkout from its snapshot / ${other} = ${(first(setups[0]) / first(setups[2])).toFixed(2)}`);
}

main();
