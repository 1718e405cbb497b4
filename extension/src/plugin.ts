// The notebook plugin: what renderers alone cannot do, here the Stop training button.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { StopTrainingButton } from "./stop";

/** Adds a "Stop training" button to notebook toolbars. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: "@gradlab/jupyterlab-extension:stop-training",
  description: "A notebook toolbar button that ends a running gradlab fit() gracefully.",
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    app.docRegistry.addWidgetExtension("Notebook", new StopTrainingButton());
  },
};

export default plugin;
