"""Runs a command on a pseudo-terminal (as a user's terminal would be) and prints, as
JSON, everything it wrote there and its exit status (progress.test.ts). The terminal is
100 columns wide."""
import fcntl
import json
import os
import pty
import struct
import sys
import termios

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
chunks = []
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:  # EIO: the child closed the terminal
        break
    if not data:
        break
    chunks.append(data)
_, status = os.waitpid(pid, 0)
json.dump({"output": b"".join(chunks).decode("utf8", "replace"), "status": os.waitstatus_to_exitcode(status)}, sys.stdout)
