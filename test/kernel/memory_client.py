"""Runs 2,000 small cells on the installed gradlab kernel through Jupyter's own client,
one after another as "Run All" would, and prints the kernel's resident memory along the
way (and after it has been idle a few seconds) as one JSON object; memory.test.ts checks it."""
import json
import signal
import sys
import time

from jupyter_client.manager import start_new_kernel

CELLS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
# The test's timeout ends this client with SIGTERM: the kernel goes with it (finally, below).
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
km, kc = start_new_kernel(kernel_name="gradlab", startup_timeout=60)
pid = km.provisioner.process.pid


def rss_mb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


def run(code):
    msg_id = kc.execute(code)
    while True:
        r = kc.get_shell_msg(timeout=120)
        if r["parent_header"].get("msg_id") == msg_id:
            c = r["content"]
            return c["status"] if c["status"] == "ok" else f'{c["status"]}: {c.get("ename")}: {c.get("evalue")}'



obs = {"curve": [], "failed": None, "peak": 0}
t0 = time.time()
try:
    # Each cell declares a variable (the declarations every later cell is checked against
    # grow) and computes with tensors.
    for i in range(CELLS):
        status = run(f"const v{i} = tensor([{i}, {i} + 1]).mul(2).sum().item();\nv{i} + 1")
        if status != "ok":
            obs["failed"] = f"cell {i}: {status}"
            break
        # Sampled after every cell, so that the peak between two points of the curve counts.
        rss = rss_mb()
        obs["peak"] = max(obs["peak"], round(rss))
        if i % 250 == 0 or i == CELLS - 1:
            obs["curve"].append([i + 1, round(rss), round(time.time() - t0, 1)])
    obs["first_and_last"] = run(f"if (v0 + v{CELLS - 1} !== {4 * CELLS}) throw new Error('lost a value');")
    time.sleep(5)
    obs["idle_rss"] = round(rss_mb())
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
json.dump(obs, sys.stdout)
