// The "Stop training" toolbar button: it opens a comm to the kernel's `gradlab.control`
// target and sends {action: "stop"}; the kernel then ends a running `await fit(...)`
// after the current batch, keeping the model and the history (an interrupt would throw).
import type { ISessionContext } from "@jupyterlab/apputils";
import { ToolbarButton } from "@jupyterlab/apputils";
import type { DocumentRegistry } from "@jupyterlab/docregistry";
import type { INotebookModel, NotebookPanel } from "@jupyterlab/notebook";
import { stopIcon } from "@jupyterlab/ui-components";
import type { IDisposable } from "@lumino/disposable";

/** The comm target the gradlab kernel listens on. */
export const CONTROL_TARGET = "gradlab.control";

/**
 * Asks the session's kernel to stop training; resolves with the kernel's answer
 * (`{stopping: n}`, n the number of fits that were running) or null without a kernel
 * or an answer within timeoutMs.
 */
export async function stopTraining(session: ISessionContext, timeoutMs = 5000): Promise<{ stopping: number } | null> {
  const kernel = session.session?.kernel;
  if (!kernel) return null;
  const comm = kernel.createComm(CONTROL_TARGET);
  try {
    const answer = new Promise<{ stopping: number } | null>((resolve) => {
      comm.onMsg = (msg) => resolve(msg.content.data as { stopping: number });
      setTimeout(() => resolve(null), timeoutMs);
    });
    // Not awaiting the futures' `done`: a busy kernel (the point of the button) reports
    // no idle for these messages until the cell ends. The kernel's comm_msg answers.
    comm.open();
    comm.send({ action: "stop" });
    return await answer;
  } finally {
    if (!comm.isDisposed) comm.close();
  }
}

/** Adds the button to every notebook's toolbar (a document widget extension). */
export class StopTrainingButton implements DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel> {
  createNew(panel: NotebookPanel): IDisposable {
    const button = new ToolbarButton({
      className: "jp-gradlab-stop",
      icon: stopIcon,
      label: "Stop training",
      tooltip: "End the running fit() after the current batch (gradlab kernel); the model and history are kept",
      onClick: () => {
        button.enabled = false;
        void stopTraining(panel.sessionContext)
          .then((answer) => {
            // Says what happened where the user looks: the button's tooltip.
            button.node.title = answer === null ? "The kernel did not answer (is it a gradlab kernel?)"
              : answer.stopping > 0 ? `Stopping: training ends after the current batch` : "No training was running";
          })
          .finally(() => { button.enabled = true; });
      },
    });
    button.node.dataset.gradlab = "stop-training";
    panel.toolbar.insertItem(10, "gradlabStopTraining", button);
    return button;
  }
}
