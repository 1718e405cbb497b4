// Time from starting a gradlab kernel to the first cell's result, as a notebook user
// waits for it: Jupyter's own client starts the installed kernelspec and runs `1 + 1`.
//   node dist/bench/kernel_startup.js [runs]
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

function main(): void {
  const runs = Number(process.argv[2] ?? 3);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-startup-"));
  spawnSync(process.execPath, [CLI, "install", "--prefix", tmp], { stdio: "ignore" });
  const env = { ...process.env, JUPYTER_PATH: path.join(tmp, "share", "jupyter") };
  const times: { ready: number; first: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync("/usr/bin/python3", ["-c", CLIENT], { encoding: "utf8", env });
    if (r.status !== 0) throw new Error(`the Jupyter client failed (is jupyter-client installed?):\n${r.stderr}`);
    times.push(JSON.parse(r.stdout.trim()));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`kernel start to kernel_info reply: ${med(times.map((t) => t.ready)).toFixed(2)} s (median of ${runs})`);
  console.log(`kernel start to the first cell's result: ${med(times.map((t) => t.first)).toFixed(2)} s (median of ${runs})`);
}

main();
