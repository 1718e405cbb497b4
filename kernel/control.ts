// The kernel's control and heartbeat sockets, on their own thread: they must answer
// while a cell's synchronous code holds the main thread (an interrupt_request is turned
// into SIGINT for the main thread, which vm's breakOnSigint turns into an exception).
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { address, type ConnectionInfo } from "./protocol/connection";
import { decode, encode, reply, Signer } from "./protocol/wire";

interface Data { connection: ConnectionInfo; session: string; kernelInfo: Record<string, unknown> }

async function main(): Promise<void> {
  const { connection: c, session, kernelInfo } = workerData as Data;
  const signer = new Signer(c.key, c.signature_scheme);
  const control = new zmq.Router();
  const hb = new zmq.Reply();
  await control.bind(address(c, c.control_port));
  await hb.bind(address(c, c.hb_port));
  (async () => {
    for await (const frames of hb) await hb.send(frames);
  })().catch(() => undefined);
  parentPort!.on("message", (m) => {
    if (m?.type === "close") {
      control.close();
      hb.close();
      // Only now may the thread end: a zeromq socket still open when its thread's
      // environment is torn down throws from its finalizer, which aborts the process.
      parentPort!.postMessage({ type: "closed" });
    }
  });
  for await (const frames of control) {
    const { msg } = decode(frames, signer);
    if (!msg) continue;
    const send = (type: string, content: unknown) => control.send(encode(reply(msg, type, content, session), signer));
    switch (msg.header.msg_type) {
      case "interrupt_request":
        process.kill(process.pid, "SIGINT");
        await send("interrupt_reply", { status: "ok" });
        break;
      case "shutdown_request":
        await send("shutdown_reply", { status: "ok", restart: !!msg.content.restart });
        parentPort!.postMessage({ type: "shutdown", restart: !!msg.content.restart });
        break;
      case "kernel_info_request":
        await send("kernel_info_reply", kernelInfo);
        break;
      default:
        await send(msg.header.msg_type.replace(/_request$/, "_reply"), { status: "error", ename: "NotImplemented", evalue: `gradlab does not handle ${msg.header.msg_type} on control`, traceback: [] });
    }
  }
}

main().catch((e) => parentPort?.postMessage({ type: "error", message: String(e?.stack ?? e) }));
