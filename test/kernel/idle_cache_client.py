"""Fills the caching allocator of the installed gradlab kernel (100 tensors of 4 MB made and
dropped), waits while the kernel is idle, and prints the kernel's resident size before and
after and its memory() as one JSON object; idle_cache.test.ts checks it."""
import json
import signal
import sys
import time

from jupyter_client.manager import start_new_kernel

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
            return r["content"]


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
    kc.stop_channels()
    km.shutdown_kernel(now=True)
json.dump(obs, sys.stdout)
