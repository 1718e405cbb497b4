"""The installed gradlab kernel started through Jupyter's own client, as the memory clients
use it: its resident size read from /proc, and cells run one at a time."""
import signal
import sys

from jupyter_client.manager import start_new_kernel


class KernelProcess:
    def __init__(self):
        # A test's timeout ends its client with SIGTERM: the kernel goes with it (close()).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        self.km, self.kc = start_new_kernel(kernel_name="gradlab", startup_timeout=60)
        self.pid = self.km.provisioner.process.pid

    def rss_mb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0

    def run(self, code):
        """Runs a cell; returns its execute_reply content."""
        msg_id = self.kc.execute(code)
        while True:
            r = self.kc.get_shell_msg(timeout=120)
            if r["parent_header"].get("msg_id") == msg_id:
                return r["content"]

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
