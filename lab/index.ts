// `gradlab lab`'s front end: the JupyterLab application with its standard plugins, started
// as JupyterLab's own entry point starts it (dev_mode/index.js and bootstrap.js), and the
// prebuilt extensions the server lists (gradlab's among them) loaded into it through
// webpack's module federation, with the app's own copies of JupyterLab's singletons.
import "gradlab-lab:styles";
import { JupyterLab, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { JupyterPluginRegistry, PageConfig, URLExt } from "@jupyterlab/coreutils";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { IConnectionStatus, IServiceManager } from "@jupyterlab/services";
import { extensions, mimeExtensions } from "gradlab-lab:plugins";
import { shared } from "gradlab-lab:shared";

/** One prebuilt extension as jupyterlab_server describes it in the page config. */
interface Federated { name: string; load: string; extension?: string; mimeExtension?: string; style?: string }

/** A module-federation container, as a prebuilt extension's remoteEntry defines it. */
interface Container { init(scope: unknown): Promise<void>; get(module: string): Promise<() => Record<string, unknown>> }

type Plugin = JupyterFrontEndPlugin<unknown> & IRenderMime.IExtension;

function loadScript(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.onerror = () => reject(new Error(`could not load ${url}`));
    script.onload = () => resolve();
    script.async = true;
    script.src = url;
    document.head.appendChild(script);
  });
}

/**
 * The share scope every prebuilt extension is initialised with: the app's singletons (they
 * must be the app's instances: tokens, signals, widgets), to which extensions add their own.
 */
function shareScope(): Record<string, Record<string, unknown>> {
  const scope: Record<string, Record<string, unknown>> = {};
  for (const [name, [version, module]] of Object.entries(shared)) {
    scope[name] = { [version]: { get: () => Promise.resolve(() => module), from: "gradlab-lab", eager: true, loaded: 1 } };
  }
  return scope;
}

/** Loads every prebuilt extension's container; resolves with the names that loaded. */
async function loadFederated(list: Federated[]): Promise<Set<string>> {
  const base = PageConfig.getOption("fullLabextensionsUrl");
  const scope = shareScope();
  const loaded = new Set<string>();
  await Promise.all(list.map(async (data) => {
    try {
      await loadScript(URLExt.join(base, data.name, data.load));
      await container(data.name).init(scope);
      loaded.add(data.name);
    } catch (e) {
      console.error(`prebuilt extension ${data.name} did not load:`, e);
    }
  }));
  return loaded;
}

function container(name: string): Container {
  const c = (window as unknown as { _JUPYTERLAB?: Record<string, Container> })._JUPYTERLAB?.[name];
  if (!c) throw new Error(`no container _JUPYTERLAB[${name}]`);
  return c;
}

async function federatedModule(name: string, module: string): Promise<Record<string, unknown>> {
  const m = (await container(name).get(module))();
  return Object.assign(m, { __scope__: name });
}

/** The plugins a module exports: its default export (one plugin or a list) or, CommonJS, itself. */
function pluginsOf(module: Record<string, unknown>): Plugin[] {
  const exported = "__esModule" in module || "default" in module ? module.default : module;
  return (Array.isArray(exported) ? exported : [exported]) as Plugin[];
}

async function main(): Promise<void> {
  const federated = JSON.parse(PageConfig.getOption("federated_extensions") || "[]") as Federated[];
  const loaded = await loadFederated(federated);
  const disabledPatterns = PageConfig.Extension.disabled;
  const deferredPatterns = PageConfig.Extension.deferred;
  const disabled: string[] = [], deferred: string[] = [], ignorePlugins: string[] = [];
  const availablePlugins: JupyterLab.IPluginInfo[] = [];

  /** The enabled plugins of a module; records each in availablePlugins (the plugin manager lists them). */
  function active(module: Record<string, unknown>, scope: string): Plugin[] {
    return pluginsOf(module).filter((plugin) => {
      const off = PageConfig.Extension.isDisabled(plugin.id);
      availablePlugins.push({
        id: plugin.id, description: plugin.description, requires: plugin.requires ?? [], optional: plugin.optional ?? [],
        provides: plugin.provides ?? null, autoStart: plugin.autoStart, enabled: !off, extension: scope,
      });
      if (off) { disabled.push(plugin.id); return false; }
      if (PageConfig.Extension.isDeferred(plugin.id)) { deferred.push(plugin.id); ignorePlugins.push(plugin.id); }
      return true;
    });
  }

  const mimes: Plugin[] = [], register: Plugin[] = [];
  for (const [name, module] of mimeExtensions) mimes.push(...active(module, name));
  for (const [name, module] of extensions) register.push(...active(module, name));
  const pending = federated.filter((d) => loaded.has(d.name)).map(async (d) => {
    try {
      if (d.mimeExtension) mimes.push(...active(await federatedModule(d.name, d.mimeExtension), d.name));
      if (d.extension) register.push(...active(await federatedModule(d.name, d.extension), d.name));
      if (d.style && !PageConfig.Extension.isDisabled(d.name)) await federatedModule(d.name, d.style);
    } catch (e) {
      console.error(`prebuilt extension ${d.name} did not load:`, e);
    }
  });
  await Promise.all(pending);

  const pluginRegistry = new JupyterPluginRegistry();
  pluginRegistry.registerPlugins(register);
  const connectionStatus = await pluginRegistry.resolveOptionalService(IConnectionStatus);
  const serviceManager = await pluginRegistry.resolveRequiredService(IServiceManager);
  const lab = new JupyterLab({
    pluginRegistry, serviceManager, connectionStatus: connectionStatus ?? undefined,
    // The extensions themselves, as JupyterLab's own entry passes them (the app takes modules or extensions).
    mimeExtensions: mimes as unknown as IRenderMime.IExtensionModule[],
    disabled: { matches: disabled, patterns: disabledPatterns },
    deferred: { matches: deferred, patterns: deferredPatterns },
    availablePlugins,
  });
  await lab.start({ ignorePlugins, bubblingKeydown: true });
  if (PageConfig.getOption("exposeAppInBrowser").toLowerCase() === "true") (window as unknown as { jupyterapp: JupyterLab }).jupyterapp = lab;
}

window.addEventListener("load", () => {
  main().catch((e) => {
    console.error("gradlab lab did not start:", e);
    document.body.textContent = `gradlab lab did not start: ${e?.stack ?? e}`;
  });
});
