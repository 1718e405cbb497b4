// `gradlab kernel -f CONNECTION`: the Jupyter kernel. Shell, iopub and stdin live on the
// main thread; control and heartbeat on a worker (control.ts). Executions run one at a
// time in order; every other shell request (completion, inspection, comms such as the
// notebook's stop button) is answered at once, even while a cell is awaiting.
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import * as zmq from "zeromq";
import { readConnection, address, type ConnectionInfo } from "./protocol/connection";
import { decode, encode, reply, Signer, PROTOCOL_VERSION, type Message } from "./protocol/wire";
import { Session, type Sink } from "./session";
import { buildSnapshotLater } from "./snapshot";
import type { Bundle } from "./display";
import { requestStop } from "../core";
import { fitsRunning } from "../core/train";
import { kernelInfo } from "./info";
import { History } from "./history";
import { StreamBuffer } from "./stream_buffer";

/**
 * One socket's sends, in order, and at once when zeromq can take them. Publisher and
 * router sockets usually queue a message as soon as send() is called, and zeromq's own
 * thread puts it on the wire: so what a cell's synchronous code prints, or a progress line
 * it updates, reaches the front end while that code still runs, as IPython's output does.
 * When the socket cannot take a message at once, zeromq.js keeps that send in progress and
 * refuses any other until it completes ("Socket is busy writing"): from then on messages
 * wait in a queue here and go one after another, in order.
 */
class Outbox {
  private last: Promise<void> = Promise.resolve();
  private readonly queue: { frames: ReturnType<typeof encode>; sent: () => void }[] = [];
  private draining = false;
  constructor(private readonly sock: zmq.Writable, private readonly signer: Signer) {}

  send(msg: Message): Promise<void> {
    const frames = encode(msg, this.signer);
    if (!this.draining) {
      try {
        this.last = this.sock.send(frames).catch(() => undefined);
        return this.last;
      } catch {
        // A send still in progress: this one waits for it (below), and so does every later one.
      }
    }
    return new Promise<void>((sent) => {
      this.queue.push({ frames, sent });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        await this.last;
        const { frames, sent } = this.queue.shift()!;
        try {
          this.last = this.sock.send(frames).catch(() => undefined);
        } catch {
          this.last = Promise.resolve(); // a closed socket: the message is dropped, as before
        }
        await this.last;
        sent();
      }
    } finally {
      this.draining = false;
    }
  }
}

export async function runKernel(connectionFile: string): Promise<void> {
  const c: ConnectionInfo = readConnection(connectionFile);
  const signer = new Signer(c.key, c.signature_scheme);
  const session = `gradlab-${process.pid}-${Date.now()}`;
  // Sends never wait: zeromq.js otherwise delays every send after 512 in a row until the
  // event loop turns (refusing others meanwhile), and a cell's synchronous code holds it.
  // IOPub keeps what it cannot send yet rather than drop it at a high-water mark.
  const shell = new zmq.Router({ sendTimeout: 0 }), iopub = new zmq.Publisher({ sendTimeout: 0, sendHighWaterMark: 0 }), stdin = new zmq.Router({ sendTimeout: 0 });
  await shell.bind(address(c, c.shell_port));
  await iopub.bind(address(c, c.iopub_port));
  await stdin.bind(address(c, c.stdin_port));
  const shellOut = new Outbox(shell, signer), iopubOut = new Outbox(iopub, signer), stdinOut = new Outbox(stdin, signer);
  const info = kernelInfo();
  const control = new Worker(path.join(__dirname, "control.js"), { workerData: { connection: c, session, kernelInfo: info } });

  const state = new Session(process.cwd());
  state.captureOutput();
  state.reportAsyncErrors();
  let interrupted = false;
  process.on("SIGINT", () => {
    if (executing) interrupted = true;
    state.interrupt();
  });
  const publish = (parent: Message | null, type: string, content: unknown) => iopubOut.send({ ...reply(parent, type, content, session, [Buffer.from(type)]) });
  const status = (parent: Message | null, s: string) => publish(parent, "status", { execution_state: s });
  // The converter is made while the client connects (within zeromq's 100 ms reconnect
  // interval), the preload and the first program once kernel_info is answered (or 150 ms
  // after start): so they overlap with what a client does before its first request
  // (Jupyter's client listens to IOPub for 0.2 s). Cells, completion and inspection wait.
  let infoAnswered: () => void = () => undefined;
  const asked = new Promise<void>((r) => { infoAnswered = r; });
  const ready = new Promise<void>((r) => setImmediate(r))
    .then(() => state.prepareConverter())
    .then(() => Promise.race([asked, new Promise<void>((r) => setTimeout(r, 150))]))
    .then(() => state.preload())
    .then(() => {
      state.trackProvenance();
      // A kernel that started without its startup snapshot has it written (niced, in the background).
      if (state.preloadConversion) buildSnapshotLater(state.preloadConversion);
      state.warmUp();
    });
  ready.catch((e) => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exit(1);
  });
  await status(null, "starting");

  const shutdown = async (restart: boolean) => {
    // The control thread closes its sockets before it may end (see control.ts); it is
    // given a second to say so.
    const closed = new Promise<void>((resolve) => {
      control.on("message", (m) => { if (m?.type === "closed") resolve(); });
      setTimeout(resolve, 1000).unref();
    });
    control.postMessage({ type: "close" });
    state.close();
    shell.close(); iopub.close(); stdin.close();
    await closed;
    await control.terminate();
    process.exit(0); // a restart is the client's to do: it starts a fresh kernel
  };
  control.on("message", (m) => {
    if (m?.type === "shutdown") void shutdown(!!m.restart);
    if (m?.type === "error") process.stderr.write(`gradlab kernel: control thread: ${m.message}\n`);
  });

  // stdin: replies to our input_request, matched in order.
  const pendingInput: ((v: string) => void)[] = [];
  (async () => {
    for await (const frames of stdin) {
      const { msg } = decode(frames, signer);
      if (msg?.header.msg_type === "input_reply") pendingInput.shift()?.(String(msg.content.value ?? ""));
    }
  })().catch(() => undefined);

  let count = 0;
  let executing: Message | null = null;
  // stop_on_error: a failed or interrupted cell aborts the cells queued behind it (what
  // "Run All" sent), as ipykernel does; requests sent after the failure run again. A cell
  // that computes synchronously keeps this thread from reading the requests queued behind
  // it, so "queued" is judged by when the front end sent them (header.date) as well as by
  // arrival.
  let received = 0, abortThrough = 0, failedAt = 0;
  const sentBefore = (msg: Message, t: number) => {
    const sent = Date.parse(String(msg.header.date ?? ""));
    return Number.isFinite(sent) && sent < t;
  };
  const comms = new Map<string, string>();
  const history = new History();
  let queue: Promise<void> = ready;

  const abort = async (msg: Message) => {
    await status(msg, "busy");
    await shellOut.send(reply(msg, "execute_reply", { status: "aborted" }, session));
    await status(msg, "idle");
  };

  const execute = async (msg: Message, seq: number) => {
    if (seq <= abortThrough || sentBefore(msg, failedAt)) return abort(msg);
    const { code = "", silent = false, store_history = true, allow_stdin = false, stop_on_error = true } = msg.content ?? {};
    const remember = !silent && store_history;
    if (remember) {
      count++;
      history.record(count, String(code));
    }
    executing = msg;
    interrupted = false;
    await status(msg, "busy");
    await publish(msg, "execute_input", { code, execution_count: count });
    const streams = new StreamBuffer((name, text) => void publish(msg, "stream", { name, text }));
    // Any other output first sends the text gathered before it, so the order stays.
    const sink: Sink = {
      stream: (name, text) => { if (!silent) streams.write(name, text); },
      display: (b: Bundle, id, update) => {
        streams.flush();
        void publish(msg, update ? "update_display_data" : "display_data", { data: b.data, metadata: b.metadata, transient: id ? { display_id: id } : {} });
      },
      result: (b: Bundle) => {
        if (silent) return;
        streams.flush();
        void publish(msg, "execute_result", { execution_count: count, data: b.data, metadata: b.metadata });
        if (remember && typeof b.data["text/plain"] === "string") history.recordOutput(count, b.data["text/plain"]);
      },
      error: (e) => { streams.flush(); void publish(msg, "error", e); },
      clear: (wait) => { streams.flush(); void publish(msg, "clear_output", { wait }); },
    };
    state.inputHandler = (prompt, password) => {
      if (!allow_stdin) return Promise.reject(new Error("input: this front end does not accept input (allow_stdin is false)"));
      return new Promise((resolve) => {
        pendingInput.push(resolve);
        void stdinOut.send(reply(msg, "input_request", { prompt, password }, session, msg.identities));
      });
    };
    const r = await state.execute(String(code), sink, `cell[${count}]`);
    streams.flush();
    // An interrupt stops "Run All" even when the cell itself ended well (fit stops after its
    // batch); the Stop button's graceful stop (a comm, not an interrupt) does not. Marked
    // before the front end can hear of the failure, so what it sends next runs.
    if ((r.status === "error" || interrupted) && stop_on_error && !silent) {
      abortThrough = received;
      failedAt = Date.now();
    }
    if (r.status === "error") await publish(msg, "error", { ename: r.ename, evalue: r.evalue, traceback: r.traceback });
    const content = r.status === "ok"
      ? { status: "ok", execution_count: count, user_expressions: {}, payload: [] }
      : { status: "error", execution_count: count, ename: r.ename, evalue: r.evalue, traceback: r.traceback };
    await shellOut.send(reply(msg, "execute_reply", content, session));
    executing = null;
    await status(msg, "idle");
  };

  const handle = async (msg: Message) => {
    const type = msg.header.msg_type;
    const answer = (t: string, content: unknown) => shellOut.send(reply(msg, t, content, session));
    if (type === "execute_request") {
      const seq = ++received;
      queue = queue.then(() => execute(msg, seq)).catch((e) => { process.stderr.write(`gradlab kernel: ${e?.stack ?? e}\n`); });
      return;
    }
    await status(msg, "busy");
    try {
      switch (type) {
        case "kernel_info_request": await answer("kernel_info_reply", info); infoAnswered(); break;
        case "is_complete_request": await answer("is_complete_reply", state.isComplete(String(msg.content.code ?? ""))); break;
        case "complete_request": {
          await ready;
          const code = String(msg.content.code ?? ""), pos = Number(msg.content.cursor_pos ?? code.length);
          const r = state.complete(code, pos);
          await answer("complete_reply", { status: "ok", matches: r.candidates, cursor_start: r.start, cursor_end: r.end, metadata: {} });
          break;
        }
        case "inspect_request": {
          await ready;
          const code = String(msg.content.code ?? ""), pos = Number(msg.content.cursor_pos ?? code.length);
          const q = state.inspect(code, pos);
          const text = q ? [q.displayParts?.map((p) => p.text).join("") ?? "", q.documentation?.map((p) => p.text).join("") ?? ""].filter(Boolean).join("\n\n") : "";
          await answer("inspect_reply", { status: "ok", found: !!text, data: text ? { "text/plain": text } : {}, metadata: {} });
          break;
        }
        case "comm_info_request": {
          const target = msg.content.target_name;
          const list = Object.fromEntries([...comms].filter(([, t]) => !target || t === target).map(([id, t]) => [id, { target_name: t }]));
          await answer("comm_info_reply", { status: "ok", comms: list });
          break;
        }
        case "comm_open":
          if (msg.content.target_name === "gradlab.control") comms.set(String(msg.content.comm_id), "gradlab.control");
          else await publish(msg, "comm_close", { comm_id: msg.content.comm_id, data: {} });
          break;
        case "comm_msg":
          if (comms.get(String(msg.content.comm_id)) === "gradlab.control" && msg.content.data?.action === "stop") {
            const running = fitsRunning();
            requestStop();
            await publish(msg, "comm_msg", { comm_id: msg.content.comm_id, data: { stopping: running } });
          }
          break;
        case "comm_close": comms.delete(String(msg.content.comm_id)); break;
        case "history_request": await answer("history_reply", { status: "ok", history: history.answer(msg.content ?? {}) }); break;
        case "shutdown_request":
          await answer("shutdown_reply", { status: "ok", restart: !!msg.content.restart });
          await shutdown(!!msg.content.restart);
          break;
        default:
          if (type.endsWith("_request")) await answer(type.replace(/_request$/, "_reply"), { status: "error", ename: "NotImplemented", evalue: `gradlab does not handle ${type}`, traceback: [] });
      }
    } finally {
      await status(msg, executing ? "busy" : "idle");
    }
  };

  for await (const frames of shell) {
    const { msg, error } = decode(frames, signer);
    if (!msg) {
      process.stderr.write(`gradlab kernel: ignored a shell message: ${error}\n`);
      continue;
    }
    void handle(msg).catch((e) => process.stderr.write(`gradlab kernel: ${e?.stack ?? e}\n`));
  }
}

export { PROTOCOL_VERSION };
