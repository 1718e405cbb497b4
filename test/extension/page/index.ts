// The e2e test's page: a notebook made of JupyterLab's own widgets (after JupyterLab's
// examples/notebook) with gradlab's renderers and Stop training button, taken from the
// prebuilt labextension as JupyterLab loads it, connected to the jupyter server that
// serves the page (?token=…). The test drives it through window.gradlabPage.
import "./style";
import type { IYText } from "@jupyter/ydoc";
import { CodeCell } from "@jupyterlab/cells";
import {
  CodeMirrorEditorFactory, CodeMirrorMimeTypeService, EditorExtensionRegistry, EditorLanguageRegistry, EditorThemeRegistry, ybinding,
} from "@jupyterlab/codemirror";
import { DocumentManager } from "@jupyterlab/docmanager";
import { DocumentRegistry } from "@jupyterlab/docregistry";
import { NotebookModelFactory, NotebookPanel, NotebookWidgetFactory, StaticNotebook } from "@jupyterlab/notebook";
import { RenderMimeRegistry, standardRendererFactories } from "@jupyterlab/rendermime";
import { ServerConnection, ServiceManager } from "@jupyterlab/services";
import { BoxPanel, Widget } from "@lumino/widgets";
import type { JupyterFrontEnd } from "@jupyterlab/application";
import { loadPrebuilt } from "./prebuilt";

/** What a run of a cell reports back to the test. */
export interface RunResult { index: number; status: string; outputs: number; text: string }

/** The page's API for the test. */
export interface GradlabPage {
  /** resolves when the notebook's gradlab kernel is idle and ready. */
  ready: Promise<string>;
  /** appends a code cell with this source, runs it, and resolves when the kernel replied. */
  run(code: string): Promise<RunResult>;
  /** appends an unrun code cell holding these outputs, as a notebook file holds them; resolves with its index. */
  show(outputs: unknown[]): Promise<number>;
}

function editorFactory(languages: EditorLanguageRegistry): CodeMirrorEditorFactory {
  const themes = new EditorThemeRegistry();
  EditorThemeRegistry.getDefaultThemes().forEach((t) => themes.addTheme(t));
  const extensions = new EditorExtensionRegistry();
  EditorExtensionRegistry.getDefaultExtensions({ themes }).forEach((e) => extensions.addExtension(e));
  // Keeps the editor and the cell's shared model in sync, as in JupyterLab.
  extensions.addExtension({
    name: "shared-model-binding",
    factory: (options) => {
      const shared = options.model.sharedModel as IYText;
      return EditorExtensionRegistry.createImmutableExtension(ybinding({ ytext: shared.ysource, undoManager: shared.undoManager ?? undefined }));
    },
  });
  return new CodeMirrorEditorFactory({ extensions, languages });
}

async function main(): Promise<void> {
  const gradlab = await loadPrebuilt("lab");
  const query = new URLSearchParams(location.search);
  const serverSettings = ServerConnection.makeSettings({ baseUrl: `${location.origin}/`, token: query.get("token") ?? "" });
  const manager = new ServiceManager({ serverSettings });

  const rendermime = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
  // gradlab's mime extensions, registered as JupyterLab registers a mimeExtension.
  for (const ext of gradlab.mimeExtensions) rendermime.addFactory(ext.rendererFactory, ext.rank ?? 0);

  const languages = new EditorLanguageRegistry();
  EditorLanguageRegistry.getDefaultLanguages().filter((l) => l.name.toLowerCase() === "typescript" || l.name.toLowerCase() === "javascript").forEach((l) => languages.addLanguage(l));
  const editors = editorFactory(languages);
  const registry = new DocumentRegistry();
  const opener = { open: () => undefined, get opened() { return { connect: () => false, disconnect: () => false }; } };
  const docManager = new DocumentManager({ registry, manager, opener: opener as never });
  registry.addModelFactory(new NotebookModelFactory({}));
  registry.addWidgetFactory(new NotebookWidgetFactory({
    name: "Notebook", modelName: "notebook", fileTypes: ["notebook"], defaultFor: ["notebook"], preferKernel: true, canStartKernel: true,
    rendermime, contentFactory: new NotebookPanel.ContentFactory({ editorFactory: editors.newInlineEditor }),
    mimeTypeService: new CodeMirrorMimeTypeService(languages),
    // Every cell stays in the DOM, so the test sees (and screenshots) all outputs.
    notebookConfig: { ...StaticNotebook.defaultNotebookConfig, windowingMode: "none" },
  }));
  // The extension's notebook plugin, activated with the one part of the app it uses.
  void gradlab.plugin.activate({ docRegistry: registry } as unknown as JupyterFrontEnd);

  const panel = docManager.open(query.get("path") ?? "gradlab.ipynb") as NotebookPanel;
  const box = new BoxPanel();
  box.id = "main";
  box.addClass("jp-ThemedContainer");
  box.addWidget(panel);
  Widget.attach(box, document.body);
  window.addEventListener("resize", () => box.update());

  const ready = (async () => {
    await panel.context.ready;
    await panel.sessionContext.ready;
    const kernel = panel.sessionContext.session?.kernel;
    if (!kernel) throw new Error("the notebook has no kernel");
    const info = await kernel.info;
    return `${kernel.name}: ${info.implementation} ${info.implementation_version}`;
  })();

  const api: GradlabPage = {
    ready,
    async run(code) {
      await ready;
      const nb = panel.content;
      const index = nb.model!.cells.length;
      nb.model!.sharedModel.insertCell(index, { cell_type: "code", source: code });
      const cell = nb.widgets[index] as CodeCell;
      cell.node.dataset.testCell = String(index);
      const reply = await CodeCell.execute(cell, panel.sessionContext);
      const content = reply?.content as { status?: string } | undefined;
      return { index, status: content?.status ?? "none", outputs: cell.outputArea.model.length, text: cell.outputArea.node.textContent ?? "" };
    },
    async show(outputs) {
      await panel.context.ready;
      const nb = panel.content;
      const index = nb.model!.cells.length;
      nb.model!.sharedModel.insertCell(index, { cell_type: "code", source: "// outputs saved in the notebook", outputs: outputs as never, execution_count: null });
      nb.widgets[index].node.dataset.testCell = String(index);
      return index;
    },
  };
  (window as unknown as { gradlabPage: GradlabPage }).gradlabPage = api;
}

window.addEventListener("load", () => {
  main().catch((e) => {
    // The test reads this instead of waiting for a page that will never be ready.
    (window as unknown as { gradlabPage: { ready: Promise<string> } }).gradlabPage = { ready: Promise.reject(e) } as never;
    document.body.textContent = `gradlab test page failed: ${e?.stack ?? e}`;
  });
});
