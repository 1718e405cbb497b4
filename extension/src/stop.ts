// The "Stop training" toolbar button: it opens a comm to the kernel's `gradlab.control`
// target and sends {action: "stop"}; the kernel then ends a running `await fit(...)`
// after the current batch, keeping the model and the history (an interrupt would throw).
// It is shown only on notebooks whose kernel is gradlab's, and follows kernel changes.
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

/** Whether the session's kernel is gradlab's (its kernel_info names the implementation), whatever its kernelspec is called. */
export async function isGradlabKernel(session: ISessionContext): Promise<boolean> {
  const kernel = session.session?.kernel;
  if (!kernel) return false;
  try {
    return (await kernel.info).implementation === "gradlab";
  } catch {
    return false; // a kernel that died before answering
  }
}

/** Adds the button to every notebook's toolbar (a document widget extension); it shows only while the kernel is gradlab's. */
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
    // Hidden until the kernel says it is gradlab's; asked again whenever the kernel changes.
    button.hide();
    const session = panel.sessionContext;
    const follow = () => {
      const kernel = session.session?.kernel;
      void isGradlabKernel(session).then((yes) => {
        if (button.isDisposed || session.session?.kernel !== kernel) return; // a later change answers
        button.setHidden(!yes);
      });
    };
    session.kernelChanged.connect(follow);
    button.disposed.connect(() => session.kernelChanged.disconnect(follow));
    follow();
    return button;
  }
}
