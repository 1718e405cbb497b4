"""Drives the installed gradlab kernel through Jupyter's own client for the progress of
long work: fit's line per epoch updated in place through its display id, verbose 0 and 2,
a live loss plot instead of the line, evaluate's progress past a second, the Stop button
(an interrupt) during a fit, and output of synchronous code reaching the client while
that code still runs. Prints what it observed as one JSON object (progress.test.ts);
each output carries the seconds from the request to its arrival."""
import json
import sys
import threading
import time

from jupyter_client.manager import start_new_kernel

from driver import execute

obs = {}
km, kc = start_new_kernel(kernel_name="gradlab", startup_timeout=60)


def run(code, timeout=180):
    """Executes code; returns (reply, [[msg_type, content, seconds since the request]], seconds to idle)."""
    t0 = time.monotonic()
    arrivals = []
    reply, outs = execute(kc, code, timeout, on_msg=lambda t, c: arrivals.append(time.monotonic() - t0))
    return reply, [o + [a] for o, a in zip(outs, arrivals)], time.monotonic() - t0


MODEL = ("manualSeed(0);\nconst d = data.fashionMnist({ limit: 3000, shape: 'flat' });\n"
         "const part = (n: number) => [d.x.slice(0, 0, n), d.y.slice(0, 0, n)] as [Tensor, Tensor];\n"
         "const net = () => new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Linear(64, 10));")

try:
    run(MODEL)
    obs["fit3"] = run("const h3 = await fit(net(), part(3000), { epochs: 3, batchSize: 32, metrics: ['accuracy'], validationData: part(500) });\nh3.history.loss.length")
    obs["verbose0"] = run("const h0 = await fit(net(), part(1000), { epochs: 3, verbose: 0 });\nh0.history.loss.length")
    obs["verbose2"] = run("const h2 = await fit(net(), part(1000), { epochs: 3, verbose: 2, metrics: ['accuracy'] });\nh2.history.loss.length")
    obs["lossplot"] = run("const hp = await fit(net(), part(1000), { epochs: 2, callbacks: [viz.lossPlot()] });\nhp.history.loss.length")
    # evaluate past a second: a model whose forward takes 0.4 s per batch of 100, six batches.
    obs["evaluate_slow"] = run(
        "class Slow extends nn.Module {\n  inner = net();\n  forward(x: Tensor): Tensor {\n"
        "    const t = Date.now();\n    while (Date.now() - t < 400) {}\n    return this.inner.forward(x);\n  }\n}\n"
        "const e = evaluate(new Slow(), part(600), { batchSize: 100, metrics: ['accuracy'] });\nObject.keys(e).join(',')")
    obs["evaluate_fast"] = run("Object.keys(evaluate(net(), part(600), { batchSize: 100 })).join(',')")
    # Synchronous code's output leaves as it is written.
    obs["sync_print"] = run("console.log('first');\nconst t0 = Date.now();\nwhile (Date.now() - t0 < 1500) {}\nconsole.log('second');")
    # A flood: 20,000 lines from a synchronous loop, a display in the middle; all arrive, in order.
    obs["flood"] = run("for (let i = 0; i < 20000; i++) {\n  console.log(`line ${i}`);\n  if (i === 9999) await display('the middle');\n}\n'done'")
    obs["after_flood"] = run("1 + 1")
    # The Stop button (an interrupt) during a long fit ends it after the batch, with its line.
    threading.Timer(2.0, km.interrupt_kernel).start()
    obs["interrupted"] = run("const hi = await fit(net(), part(3000), { epochs: 500, batchSize: 16 });\n[hi.history.loss.length, hi.stopped?.kind].join(' ')")
    obs["bad_verbose"] = run("await fit(net(), part(100), { verbose: 3 as any })")
    kc.stop_channels()
    km.shutdown_kernel(now=False)
except Exception as e:  # report what was seen so far, and where it stopped
    obs["failure"] = repr(e)
    km.shutdown_kernel(now=True)
json.dump(obs, sys.stdout)
