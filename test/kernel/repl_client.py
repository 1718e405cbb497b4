"""Drives the installed gradlab kernel through Jupyter's own client, as a console or a
notebook would, for what makes it a REPL people trust: state kept through errors, rich
values, history across restarts, is_complete, clear_output, interrupts after an await,
tracebacks and completion. Prints what it observed as one JSON object (repl.test.ts).
JUPYTER_PATH must point at the spec; JUPYTER_DATA_DIR at a fresh folder (the history)."""
import json
import sys
import threading

from jupyter_client.manager import start_new_kernel

from driver import OUTPUTS, execute, shell_reply as reply_to

obs = {}
km, kc = start_new_kernel(kernel_name="gradlab", startup_timeout=60)


def run(code, timeout=120):
    """Executes code; returns (reply content, [[msg_type, content]] of its iopub output, clear_output included)."""
    return execute(kc, code, timeout, outputs=OUTPUTS + ("clear_output",))


def shell_reply(msg_id, timeout=30):
    return reply_to(kc, msg_id, timeout)


try:
    # Declarations before a throw stay, with their types; what never ran does not exist.
    run("let model = 'old model';\nconst other = 'untouched';")
    obs["throws"] = run("const ds = [1, 2, 3];\nlet model = ds.length * 10;\nconst [first, second] = ds;\n"
                        "JSON.parse('not json');\nconst neverRan = 5;\nlet after = 1;",)
    obs["kept_values"] = run("[ds.join(','), model, first, second, other].join(' ')")
    obs["kept_type"] = run("const s: string = model;")  # model is a number now: a type error
    obs["never_ran"] = run("neverRan")
    obs["redeclare"] = run("const ds = 'again';\nds")
    # A name the preload imported can be declared by the user, and stays so in later cells.
    run("const split = (n: number) => n * 2;")
    obs["shadow_preloaded"] = run("split(4)")

    # Rich values.
    obs["tensor_small"] = run("tensor([[1, 2], [3, 4]])")
    obs["tensor_big"] = run("manualSeed(0);\nrandn([1000, 1000])")
    obs["module"] = run("new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3))")
    obs["history"] = run("manualSeed(1);\nconst hist = await fit(new nn.Linear(4, 3), [randn([64, 4]), randint(0, 3, [64])], { epochs: 3 });\nhist")

    # is_complete as a console asks it.
    samples = {
        "complete": ["1 + 1", "const a = [1, 2];", "for (let i = 0; i < 3; i++) {}"],
        "incomplete": ["for (let i = 0; i < 3; i++) {", "const s = `open", "foo(1,", "if (a) {\n  b();", "/* still"],
        "invalid": ["const = 7q;", "1 +* 2", "}", "let x: = 3", "const s = 'open"],
    }
    obs["is_complete"] = {k: [shell_reply(kc.is_complete(c)) for c in v] for k, v in samples.items()}

    # clear_output, now and on the next output.
    obs["clear"] = run("console.log('first');\nclearOutput();\nconsole.log('second');\nclearOutput({ wait: true });\nconsole.log('third');")

    # An interrupt stops a synchronous loop that started after an await; the state is kept.
    run("let counter = 7;")
    threading.Timer(2.0, km.interrupt_kernel).start()
    obs["after_await_loop"] = run("await new Promise((r) => setTimeout(r, 100));\ncounter++;\nwhile (true) {}")
    threading.Timer(2.0, km.interrupt_kernel).start()
    obs["nested_async_loop"] = run("async function spin(): Promise<number> {\n  await null;\n  let n = 0;\n  for (;;) n++;\n}\nawait spin();")
    obs["after_interrupts"] = run("[counter, model, ds].join(' ')")

    # Tracebacks and completion in the user's terms.
    obs["traceback"] = run("const a2 = randn([2, 3]);\nconst b2 = randn([4, 5]);\nconst c2 = a2.matmul(b2);")
    obs["complete_viz"] = kc.complete("viz.", 4, reply=True, timeout=30)["content"]

    # History: this session's cells, then again after a restart (a new session).
    obs["tail_before"] = kc.history(hist_access_type="tail", n=3, reply=True, timeout=30)["content"]
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=60)
    run("const afterRestart = 1;")
    run("afterRestart + 1")
    obs["tail_after"] = kc.history(hist_access_type="tail", n=4, reply=True, timeout=30)["content"]
    obs["tail_output"] = kc.history(hist_access_type="tail", n=1, output=True, reply=True, timeout=30)["content"]
    obs["range_previous"] = kc.history(hist_access_type="range", session=-1, start=1, stop=3, reply=True, timeout=30)["content"]
    obs["range_current"] = kc.history(hist_access_type="range", session=0, start=1, stop=None, reply=True, timeout=30)["content"]
    obs["search"] = kc.history(hist_access_type="search", pattern="*model*", unique=True, n=10, reply=True, timeout=30)["content"]

    kc.stop_channels()
    km.shutdown_kernel(now=False)
except Exception as e:  # report what was seen so far, and where it stopped
    obs["failure"] = repr(e)
    km.shutdown_kernel(now=True)
json.dump(obs, sys.stdout)
