"""`gradlab lab`'s server: jupyter_server running jupyterlab_server's LabServerApp on the
front end scripts/build-lab.js built into lab/build, as JupyterLab's examples/app runs it.

Debian 12 packages jupyter_server 1.23 and jupyterlab_server 2.16; the JupyterLab 4 front
end also asks for routes of jupyter_server 2 (who the user is, the event bus) and of the
jupyterlab Python package (plugin locks) and of jupyter_lsp (its status). Those are provided
here when the server lacks them, so the page makes no failing request and no reconnect loop.

Run by `gradlab lab` with jupyter_server's own options (--port, --no-browser, ...).
"""
import getpass
import json
import os
import sys

from jupyter_core.paths import jupyter_config_dir
from jupyter_server import version_info as server_version
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyterlab_server import LabServerApp
from jupyterlab_server.config import get_static_page_config, write_page_config
from tornado import web, websocket

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build")


def _version():
    with open(os.path.join(BUILD, "static", "build.json"), encoding="utf-8") as f:
        return json.load(f)["jupyterlab"]


class MeHandler(APIHandler):
    """GET /api/me (jupyter_server 2's identity API): the one local user, allowed what it asks."""

    @web.authenticated
    def get(self):
        name = getpass.getuser()
        asked = json.loads(self.get_argument("permissions", "{}") or "{}")
        identity = {"username": name, "name": name, "display_name": name,
                    "initials": name[:1].upper(), "avatar_url": None, "color": None}
        self.finish(json.dumps({"identity": identity, "permissions": asked}))


class EventsHandler(APIHandler):
    """POST /api/events (jupyter_server 2's event bus): passes the event to every subscriber."""

    @web.authenticated
    def post(self):
        event = self.get_json_body()
        if not isinstance(event, dict) or not {"schema_id", "version", "data"} <= event.keys():
            raise web.HTTPError(400, "an event needs schema_id, version and data")
        EventsSocket.emit(event)
        self.set_status(204)
        self.finish()


class EventsSocket(JupyterHandler, websocket.WebSocketHandler):
    """/api/events/subscribe: a socket that stays open and carries the events posted."""

    sockets = set()

    @classmethod
    def emit(cls, event):
        for s in list(cls.sockets):
            s.write_message(json.dumps(event))

    async def get(self, *args, **kwargs):
        if self.current_user is None:
            raise web.HTTPError(403)
        await super().get(*args, **kwargs)

    def open(self):
        EventsSocket.sockets.add(self)

    def on_close(self):
        EventsSocket.sockets.discard(self)


class LspStatusHandler(APIHandler):
    """GET /lsp/status (the jupyter_lsp server extension): no language servers."""

    @web.authenticated
    def get(self):
        self.finish(json.dumps({"version": 2, "sessions": {}, "specs": {}}))


class PluginsHandler(APIHandler):
    """/lab/api/plugins (the jupyterlab package's plugin manager API): the plugin manager turns
    plugins off and on in the user's labconfig/page_config.json, as JupyterLab's does (the
    page takes it on its next load); what lab/app.json turns off stays locked."""

    def initialize(self, locked):
        self.locked = locked

    @web.authenticated
    def get(self):
        self.finish(json.dumps({"allLocked": False, "lockRules": self.locked}))

    @web.authenticated
    def post(self):
        body = self.get_json_body() or {}
        cmd, name = body.get("cmd"), body.get("plugin_name")
        if cmd not in ("enable", "disable") or not isinstance(name, str) or not name:
            raise web.HTTPError(400, "expected {cmd: enable|disable, plugin_name}")
        if any(name == rule or name.startswith(rule + ":") for rule in self.locked):
            raise web.HTTPError(403, f"{name} is turned off by gradlab lab (lab/app.json)")
        config = get_static_page_config(level="user") or {}
        disabled = config.get("disabledExtensions") or {}
        if isinstance(disabled, list):
            disabled = {key: True for key in disabled}
        disabled[name] = cmd == "disable"
        config["disabledExtensions"] = disabled
        write_page_config(config, level="user")
        self.finish(json.dumps({"status": "ok", "needs_restart": ["frontend"]}))


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": GradlabLab}]


class GradlabLab(LabServerApp):
    name = "gradlab_lab"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False
    app_name = "JupyterLab"
    app_namespace = "gradlab-lab"
    app_version = _version()
    static_dir = os.path.join(BUILD, "static")
    templates_dir = os.path.join(HERE, "templates")
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    app_settings_dir = os.path.join(BUILD, "settings")
    # The user's own settings and workspaces, where JupyterLab keeps them.
    user_settings_dir = os.path.join(jupyter_config_dir(), "lab", "user-settings")
    workspaces_dir = os.path.join(jupyter_config_dir(), "lab", "workspaces")

    def initialize_handlers(self):
        super().initialize_handlers()
        if server_version[0] < 2:
            self.handlers[:0] = [
                (r"/api/me", MeHandler),
                (r"/api/events", EventsHandler),
                (r"/api/events/subscribe", EventsSocket),
            ]
        with open(os.path.join(self.app_settings_dir, "page_config.json"), encoding="utf-8") as f:
            locked = json.load(f).get("disabledExtensions", [])
        self.handlers[:0] = [(r"/lab/api/plugins", PluginsHandler, {"locked": locked})]
        try:
            import jupyter_lsp  # noqa: F401
        except ImportError:
            self.handlers[:0] = [(r"/lsp/status", LspStatusHandler)]

    def initialize_settings(self):
        super().initialize_settings()
        # New notebooks and consoles get gradlab's kernel where the default one (python3) is absent.
        kernels = self.serverapp.kernel_manager
        specs = self.serverapp.kernel_spec_manager.find_kernel_specs()
        if kernels.default_kernel_name not in specs and "gradlab" in specs:
            kernels.default_kernel_name = "gradlab"


if __name__ == "__main__":
    sys.exit(GradlabLab.launch_instance())
