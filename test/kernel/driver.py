"""What the kernel tests' Jupyter clients share: running one cell and collecting what it
sent, as a front end sees it."""

OUTPUTS = ("execute_result", "display_data", "update_display_data", "stream", "error")


def execute(kc, code, timeout=60, allow_stdin=False, on_msg=None, outputs=OUTPUTS):
    """Executes code; returns (reply content, [[msg_type, content]] of its iopub output)."""
    msg_id = kc.execute(code, allow_stdin=allow_stdin)
    outs = []
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        t = m["msg_type"]
        if t == "status" and m["content"]["execution_state"] == "idle":
            break
        if t in outputs:
            outs.append([t, m["content"]])
            if on_msg:
                on_msg(t, m["content"])
    return shell_reply(kc, msg_id, timeout), outs


def shell_reply(kc, msg_id, timeout=30):
    """The shell reply to the request msg_id (other replies are skipped)."""
    while True:
        r = kc.get_shell_msg(timeout=timeout)
        if r["parent_header"].get("msg_id") == msg_id:
            return r["content"]
