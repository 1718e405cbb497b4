"""Starts the installed gradlab kernel through Jupyter's own client in the current folder
and asks it, in cells, whether it started from its startup snapshot and whether it
works as a kernel should: Node's and gradlab's types, type errors, declarations kept
across cells, documentation on inspection. Prints what it observed as one JSON object
(snapshot.test.ts). JUPYTER_PATH must point at the spec."""
import json

from jupyter_client.manager import start_new_kernel

from driver import execute

obs = {}
km, kc = start_new_kernel(kernel_name="gradlab", startup_timeout=60)


def value(code):
    """The cell's text/plain result, or its error."""
    reply, outs = execute(kc, code, 120)
    if reply["status"] != "ok":
        return {"error": reply["evalue"]}
    return next((c["data"]["text/plain"] for t, c in outs if t == "execute_result"), None)


try:
    obs["snapshot"] = value("const s = (globalThis as any).__gradlabSnapshot;\n"
                            "s ? JSON.stringify({ reused: s.reused, parsed: s.parsed }) : 'none'")
    obs["node_types"] = value("import * as os from 'os';\n`${os.platform()} ${Buffer.from('ab').length}`")
    obs["gradlab"] = value("manualSeed(0);\nconst t = randn([2, 3]).relu();\nt.shape")
    obs["kept"] = value("t.sum().item() >= 0")
    obs["type_error"] = value("const n: number = 'x';")
    reply, _ = execute(kc, "const a = 1;\nthrow new RangeError('too far');")
    obs["traceback"] = reply.get("traceback")
    obs["inspect"] = kc.inspect("randn", 5, reply=True, timeout=30)["content"]
    obs["pid"] = value("process.pid")
    obs["kernel_pid"] = km.provisioner.process.pid if getattr(km, "provisioner", None) else km.kernel.pid
except Exception as e:  # reported, not raised: the test shows what the kernel did
    obs["failure"] = repr(e)
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)

print(json.dumps(obs))
