// The routes `gradlab lab` adds to Debian's jupyter_server 1.23 / jupyterlab_server 2.16
// for the JupyterLab 4 front end, over real HTTP and a real websocket: who the user is,
// the event bus, language servers (none), and the plugin manager's API, which writes the
// user's labconfig and keeps what lab/app.json turns off locked. And what jupyterlab_server
// serves from lab/build: settings schemas, theme CSS, the page with its config.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { labMissing } from "../../kernel/lab";
import { ROOT, startLab, type LabServer } from "./session";

/** ws, the websocket client @jupyterlab/services depends on (Node 20 has no WebSocket of its own). */
type Socket = { on(event: string, f: (data: unknown) => void): void; close(): void };
const WebSocket = require(require.resolve("ws", { paths: [path.join(ROOT, "node_modules", "@jupyterlab", "services")] })) as new (url: string) => Socket;

describe("gradlab lab: the server's routes for JupyterLab 4", function () {
  this.timeout(120000);
  let lab: LabServer | undefined;
  const api = (p: string, init: RequestInit = {}) =>
    fetch(new URL(p, lab!.url), { ...init, headers: { Authorization: `token ${lab!.token}`, "Content-Type": "application/json", ...init.headers } });

  before(async function () {
    const why = labMissing();
    if (why) { console.log(`      skipped: ${why}`); this.skip(); }
    lab = await startLab([]);
  });

  after(async () => { await lab?.stop(); });

  it("answers only with the token", async () => {
    assert.equal((await fetch(new URL("/api/me", lab!.url))).status, 403);
    assert.equal((await fetch(new URL("/lab/api/plugins", lab!.url))).status, 403);
  });

  it("says who the user is (/api/me), with the permissions asked for", async () => {
    const r = await api(`/api/me?permissions=${encodeURIComponent(JSON.stringify({ contents: ["read", "write"] }))}`);
    assert.equal(r.status, 200);
    const me = await r.json() as { identity: { username: string; initials: string }; permissions: Record<string, string[]> };
    assert.ok(me.identity.username.length > 0);
    assert.equal(me.identity.initials, me.identity.username[0].toUpperCase());
    assert.deepEqual(me.permissions, { contents: ["read", "write"] });
  });

  it("passes an event posted to /api/events to a subscriber's socket, and refuses one without a schema", async () => {
    const ws = new WebSocket(`${lab!.url.replace(/^http/, "ws").replace(/\/lab\?.*$/, "")}/api/events/subscribe?token=${lab!.token}`);
    const got = new Promise<unknown>((resolve, reject) => {
      ws.on("message", (data) => resolve(JSON.parse(String(data))));
      ws.on("error", reject);
    });
    await new Promise<void>((resolve, reject) => { ws.on("open", () => resolve()); ws.on("error", reject); });
    const event = { schema_id: "https://gradlab.dev/events/test", version: "1", data: { n: 42 } };
    assert.equal((await api("/api/events", { method: "POST", body: JSON.stringify(event) })).status, 204);
    assert.deepEqual(await got, event);
    ws.close();
    assert.equal((await api("/api/events", { method: "POST", body: JSON.stringify({ data: {} }) })).status, 400);
  });

  it("reports no language servers (/lsp/status)", async () => {
    const r = await api("/lsp/status");
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { version: 2, sessions: {}, specs: {} });
  });

  it("turns a plugin off and on for the page's next load, and keeps lab/app.json's choices locked", async () => {
    const status = await (await api("/lab/api/plugins")).json() as { allLocked: boolean; lockRules: string[] };
    const app = JSON.parse(fs.readFileSync(path.join(ROOT, "lab", "app.json"), "utf8")) as { disabled: Record<string, string> };
    assert.deepEqual(status, { allLocked: false, lockRules: Object.keys(app.disabled) });
    const plugin = "@jupyterlab/toc-extension:registry";
    const pageConfig = async () => {
      const html = await (await api("/lab")).text();
      return JSON.parse(/<script id="jupyter-config-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]) as { disabledExtensions: string[] };
    };
    assert.ok(!(await pageConfig()).disabledExtensions.includes(plugin));
    assert.equal((await api("/lab/api/plugins", { method: "POST", body: JSON.stringify({ cmd: "disable", plugin_name: plugin }) })).status, 200);
    assert.ok((await pageConfig()).disabledExtensions.includes(plugin), "disabled on the next load");
    const saved = JSON.parse(fs.readFileSync(path.join(lab!.configDir, "labconfig", "page_config.json"), "utf8"));
    assert.equal(saved.disabledExtensions[plugin], true, "in the user's labconfig, as JupyterLab keeps it");
    assert.equal((await api("/lab/api/plugins", { method: "POST", body: JSON.stringify({ cmd: "enable", plugin_name: plugin }) })).status, 200);
    assert.ok(!(await pageConfig()).disabledExtensions.includes(plugin), "enabled again");
    const locked = await api("/lab/api/plugins", { method: "POST", body: JSON.stringify({ cmd: "enable", plugin_name: "@jupyterlab/debugger-extension:main" }) });
    assert.equal(locked.status, 403);
    assert.equal((await api("/lab/api/plugins", { method: "POST", body: JSON.stringify({ cmd: "remove" }) })).status, 400);
  });

  it("serves the plugins' settings schemas, the dark theme's CSS and gradlab's prebuilt extension", async () => {
    const settings = await (await api("/lab/api/settings")).json() as { settings: { id: string }[] };
    const ids = settings.settings.map((s) => s.id);
    for (const id of ["@jupyterlab/notebook-extension:tracker", "@jupyterlab/apputils-extension:themes", "@jupyterlab/shortcuts-extension:shortcuts"]) assert.ok(ids.includes(id), `${id} in ${ids.length} settings`);
    const css = await api("/lab/api/themes/@jupyterlab/theme-dark-extension/index.css");
    assert.equal(css.status, 200);
    assert.match(await css.text(), /--jp-layout-color0/);
    const config = JSON.parse(/<script id="jupyter-config-data" type="application\/json">(.*?)<\/script>/s.exec(await (await api("/lab")).text())![1]);
    const gradlab = (config.federated_extensions as { name: string; load: string }[]).find((e) => e.name === "@gradlab/jupyterlab-extension");
    assert.ok(gradlab, "the page config lists gradlab's prebuilt extension");
    assert.equal((await api(`/lab/extensions/@gradlab/jupyterlab-extension/${gradlab!.load}`)).status, 200);
    assert.equal(config.appVersion, JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "@jupyterlab", "application", "package.json"), "utf8")).version);
  });
});
