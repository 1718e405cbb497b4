// Loads gradlab's *prebuilt* labextension (extension/labextension, copied to ./lab/) the
// way JupyterLab does: its remoteEntry script defines a module-federation container,
// which is initialised with a share scope holding the page's own JupyterLab packages
// (the singletons extension/core-meta names), and yields ./mimeExtension, ./extension
// and ./style. So the test checks the build output, not just the sources.
import * as application from "@jupyterlab/application";
import * as apputils from "@jupyterlab/apputils";
import * as coreutils from "@jupyterlab/coreutils";
import * as docregistry from "@jupyterlab/docregistry";
import * as notebook from "@jupyterlab/notebook";
import * as rendermime from "@jupyterlab/rendermime";
import * as rendermimeInterfaces from "@jupyterlab/rendermime-interfaces";
import * as services from "@jupyterlab/services";
import * as uiComponents from "@jupyterlab/ui-components";
import * as luminoAlgorithm from "@lumino/algorithm";
import * as luminoCoreutils from "@lumino/coreutils";
import * as luminoDisposable from "@lumino/disposable";
import * as luminoMessaging from "@lumino/messaging";
import * as luminoSignaling from "@lumino/signaling";
import * as luminoWidgets from "@lumino/widgets";
import type { JupyterFrontEndPlugin } from "@jupyterlab/application";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";

/** Installed versions of the shared packages, put in by the bundler (test/extension/bundle.ts). */
declare const SHARED_VERSIONS: Record<string, string>;

const PROVIDED: Record<string, unknown> = {
  "@jupyterlab/application": application, "@jupyterlab/apputils": apputils, "@jupyterlab/coreutils": coreutils,
  "@jupyterlab/docregistry": docregistry, "@jupyterlab/notebook": notebook, "@jupyterlab/rendermime": rendermime,
  "@jupyterlab/rendermime-interfaces": rendermimeInterfaces, "@jupyterlab/services": services, "@jupyterlab/ui-components": uiComponents,
  "@lumino/algorithm": luminoAlgorithm, "@lumino/coreutils": luminoCoreutils, "@lumino/disposable": luminoDisposable,
  "@lumino/messaging": luminoMessaging, "@lumino/signaling": luminoSignaling, "@lumino/widgets": luminoWidgets,
};

interface Container { init(scope: unknown): Promise<void>; get(module: string): Promise<() => { default?: unknown }> }

/** What the prebuilt extension provides. */
export interface Prebuilt { name: string; mimeExtensions: IRenderMime.IExtension[]; plugin: JupyterFrontEndPlugin<void> }

/** Loads the labextension served at base (its package.json, then the remoteEntry it names). */
export async function loadPrebuilt(base: string): Promise<Prebuilt> {
  const meta = await (await fetch(`${base}/package.json`)).json() as { name: string; jupyterlab: { _build: { load: string } } };
  await new Promise<void>((resolve, reject) => {
    const s = document.createElement("script");
    s.src = `${base}/${meta.jupyterlab._build.load}`;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${s.src}`));
    document.head.append(s);
  });
  const container = (window as unknown as { _JUPYTERLAB: Record<string, Container> })._JUPYTERLAB?.[meta.name];
  if (!container) throw new Error(`${meta.jupyterlab._build.load} defined no container _JUPYTERLAB[${meta.name}]`);
  const scope: Record<string, Record<string, unknown>> = {};
  for (const [pkg, mod] of Object.entries(PROVIDED)) {
    scope[pkg] = { [SHARED_VERSIONS[pkg]]: { get: () => Promise.resolve(() => mod), from: "gradlab-test-page", eager: true, loaded: 1 } };
  }
  await container.init(scope);
  const get = async (m: string) => (await container.get(m))();
  const mime = await get("./mimeExtension");
  const plugin = await get("./extension");
  await get("./style");
  return { name: meta.name, mimeExtensions: mime.default as IRenderMime.IExtension[], plugin: plugin.default as JupyterFrontEndPlugin<void> };
}
