"""Runs 2,000 small cells on the installed gradlab kernel through Jupyter's own client,
one after another as "Run All" would, and prints the kernel's resident memory along the
way (and after it has been idle a few seconds) as one JSON object; memory.test.ts checks it."""
import json
import sys
import time

from kernel_process import KernelProcess

CELLS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
kernel = KernelProcess()
rss_mb = kernel.rss_mb


def run(code):
    c = kernel.run(code)
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
    kernel.close()
json.dump(obs, sys.stdout)
