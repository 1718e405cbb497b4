"""Fills the caching allocator of the installed gradlab kernel (100 tensors of 4 MB made and
dropped), waits while the kernel is idle, and prints the kernel's resident size before and
after and its memory() as one JSON object; idle_cache.test.ts checks it."""
import json
import sys
import time

from kernel_process import KernelProcess

kernel = KernelProcess()
rss_mb, run, kc = kernel.rss_mb, kernel.run, kernel.kc


obs = {}
try:
    run("let keep = []; for (let i = 0; i < 100; i++) keep.push(randn([1000, 1000])); keep = null;")
    obs["busy_rss"] = round(rss_mb())
    time.sleep(5)
    obs["idle_rss"] = round(rss_mb())
    reply = run("console.log(JSON.stringify(memory()))")
    obs["status"] = reply["status"]
    while True:
        msg = kc.get_iopub_msg(timeout=10)
        if msg["msg_type"] == "stream" and msg["content"]["text"].startswith("{"):
            obs["memory"] = json.loads(msg["content"]["text"])
            break
finally:
    kernel.close()
json.dump(obs, sys.stdout)
