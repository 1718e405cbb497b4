"""Drives the installed gradlab kernel through Jupyter's own client (Debian's
jupyter-client) and prints what it observed as one JSON object; kernel.test.ts checks it.
JUPYTER_PATH must point at the data directory where `gradlab install --prefix` put the spec."""
import json
import sys
import threading
import time

from jupyter_client.manager import start_new_kernel

from driver import execute, shell_reply as reply_to

obs = {}
t0 = time.time()
km, kc = start_new_kernel(kernel_name="gradlab", startup_timeout=60)
obs["startup_seconds"] = time.time() - t0


def run(code, timeout=60, allow_stdin=False, on_msg=None):
    """Executes code; returns (reply content, [[msg_type, content]] of its iopub output)."""
    return execute(kc, code, timeout, allow_stdin, on_msg)


def interrupt_after(seconds):
    threading.Timer(seconds, km.interrupt_kernel).start()


try:
    info = kc.kernel_info(reply=True, timeout=30)["content"]
    obs["kernel_info"] = info

    obs["value"] = run("const x = tensor([[1, 2], [3, 4]]);\nx.matmul(x)")
    obs["rich"] = run(
        'const rich = { [Symbol.for("Jupyter.display")]() { return { data: { "text/html": "<b>bold</b>", '
        '"application/vnd.gradlab.chart+json": { version: 1 } }, metadata: { isolated: true } }; } };\nrich')
    obs["type_error"] = run("const n: number = 'a';")
    obs["runtime_error"] = run("function boom(): number {\n  const a = 1;\n  throw new RangeError('too far');\n}\nboom();")

    # "Run All" after a failing cell: the cells queued behind it are aborted, not run;
    # a cell sent afterwards runs.
    ids = [kc.execute(c) for c in ["await new Promise((r) => setTimeout(r, 500));\nthrow new Error('first');", "(globalThis as any).ranQueued = true;", "2 + 2"]]
    replies = {}
    while len(replies) < 3:
        r = kc.get_shell_msg(timeout=60)
        if r["parent_header"].get("msg_id") in ids:
            replies[r["parent_header"]["msg_id"]] = r["content"]["status"]
    obs["stop_on_error"] = [replies[i] for i in ids]
    obs["after_abort"] = run("String((globalThis as any).ranQueued) + ' ' + (3 + 3)")

    interrupt_after(1.5)
    obs["loop_interrupted"] = run("let spins = 0;\nwhile (true) { spins++; }")
    obs["after_loop"] = run("x.sum().item()")

    interrupt_after(2.0)
    obs["fit_interrupted"] = run(
        "manualSeed(0);\nconst X = randn([512, 4]), Y = randint(0, 3, [512]);\n"
        "const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3));\n"
        "const h = await fit(model, [X, Y], { epochs: 100000, batchSize: 8 });\n'fit returned'")
    obs["after_fit"] = run("[h.stopped?.kind, h.history.loss.length > 0, model.forward(X).shape.join('x')].join(' ')")

    obs["live"] = run(
        'await display(tensor([0]), { displayId: "live" });\n'
        'for (let i = 1; i <= 3; i++) { await new Promise((r) => setTimeout(r, 50)); await updateDisplay("live", tensor([i])); }')

    run("const abcdefg = 1;")
    obs["complete"] = kc.complete("abcd", 4, reply=True, timeout=30)["content"]
    obs["inspect"] = kc.inspect("tensor", 3, reply=True, timeout=30)["content"]


    def shell_reply(msg_id, timeout=30):
        return reply_to(kc, msg_id, timeout)


    obs["is_complete"] = [shell_reply(kc.is_complete(c))["status"] for c in ["for (let i = 0; i < 3; i++) {", "1 + 1"]]

    def stdin_thread():
        m = kc.get_stdin_msg(timeout=30)
        obs["input_request"] = m["content"]
        kc.input("ada")


    th = threading.Thread(target=stdin_thread)
    th.start()
    obs["stdin"] = run('const who = await input("name? ");\nwho.toUpperCase()', allow_stdin=True)
    th.join()

    # The stop button: a comm to gradlab.control, opened and used while fit runs.
    def stop_soon():
        time.sleep(1.5)
        comm_id = "stop-test"
        kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "gradlab.control", "data": {}}))
        time.sleep(0.2)
        kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {"action": "stop"}}))


    threading.Thread(target=stop_soon).start()
    obs["comm_stop"] = run("const h2 = await fit(model, [X, Y], { epochs: 100000, batchSize: 8 });\nh2.stopped?.kind")

    # Errors no one awaited: each is shown, in the cell that started the work, and the
    # kernel lives on with its state.
    run("const kept = 41;")
    obs["unawaited_fit"] = run("fit(new nn.Linear(4, 2), [randn([8, 5]), randint(0, 2, [8])], { epochs: 1 });")
    obs["async_iife"] = run("(async () => { throw new Error('async boom'); })()")
    obs["display_throws"] = run("const bad = { [Symbol.for('Jupyter.display')]() { throw new Error('display boom'); } };\ndisplay(bad);")
    obs["rejection_left"] = run("Promise.reject(new RangeError('left behind'));\n'after'")
    timer_id = kc.execute("setTimeout(() => { throw new Error('timer boom'); }, 300);\n'timer set'")
    late = []
    deadline = time.time() + 10
    while time.time() < deadline and not any(m[0] == "error" for m in late):
        try:
            m = kc.get_iopub_msg(timeout=1)
        except Exception:
            continue
        if m["parent_header"].get("msg_id") == timer_id and m["msg_type"] in ("error", "execute_result"):
            late.append([m["msg_type"], m["content"]])
    obs["timer_throws"] = late
    obs["pending_promise"] = run("fit(model, [X, Y], { epochs: 1, batchSize: 128 })")
    obs["state_kept"] = run("kept + 1")

    # Output of a timer goes to the cell that set it, not to the cell running when it fires.
    a_id = kc.execute("setTimeout(() => { display(tensor([7])); console.log('from the timer'); }, 300);\n'A'")
    b_id = kc.execute("await new Promise((r) => setTimeout(r, 1000));\n'B'")
    seen = []
    deadline = time.time() + 20
    while time.time() < deadline and not (any(m[1] == "B" and m[0] == "idle" for m in seen) and any(m[0] == "display_data" for m in seen)):
        try:
            m = kc.get_iopub_msg(timeout=1)
        except Exception:
            continue
        who = {a_id: "A", b_id: "B"}.get(m["parent_header"].get("msg_id"))
        if who and m["msg_type"] in ("display_data", "stream"):
            seen.append([m["msg_type"], who])
        if who and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            seen.append(["idle", who])
    obs["attribution"] = seen

    # "Run All" stops after a cell that fails late (it computed for a while first, so the
    # cells behind it were queued while it held the thread), and after an interrupt of fit.
    def run_all(cells, interrupt_at=None):
        if interrupt_at:
            interrupt_after(interrupt_at)
        ids = [kc.execute(c) for c in cells]
        got = {}
        while len(got) < len(ids):
            r = kc.get_shell_msg(timeout=120)
            if r["parent_header"].get("msg_id") in ids:
                got[r["parent_header"]["msg_id"]] = r["content"]["status"]
        return [got[i] for i in ids]

    obs["late_failure"] = run_all(["const t0 = Date.now();\nwhile (Date.now() - t0 < 1500) {}\nthrow new Error('late');",
                                   "(globalThis as any).ranAfterLate = true;", "3 + 3"])
    obs["fit_interrupt_queue"] = run_all(["const h3 = await fit(model, [X, Y], { epochs: 100000, batchSize: 8 });",
                                          "(globalThis as any).ranAfterFit = true;",
                                          "await fit(model, [X, Y], { epochs: 100000, batchSize: 8 });"], interrupt_at=2.0)
    obs["after_queues"] = run("[String((globalThis as any).ranAfterLate), String((globalThis as any).ranAfterFit), h3.stopped?.kind].join(' ')")

    # A long native product notices the interrupt between its blocks.
    run("const big = full([8192, 8192], 1);")
    sent = {}
    def interrupt_big():
        time.sleep(1.0)
        sent["at"] = time.time()
        km.interrupt_kernel()
    threading.Thread(target=interrupt_big).start()
    obs["matmul_interrupted"] = run("big.matmul(big).sum().item()", timeout=120)
    obs["matmul_interrupt_seconds"] = time.time() - sent.get("at", time.time())
    obs["after_matmul"] = run("kept + big.shape[0]")

    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=60)
    obs["after_restart"] = run("typeof (globalThis as any).__gradlab_session__?.exports?.x + ' ' + tensor([5]).item()")

    kc.stop_channels()
    km.shutdown_kernel(now=False)
except Exception as e:  # report what was seen so far, and where it stopped
    obs["failure"] = repr(e)
    km.shutdown_kernel(now=True)
json.dump(obs, sys.stdout)
