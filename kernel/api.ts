// What a notebook cell has in scope besides gradlab itself: display, updateDisplay,
// clearOutput, input and prompt. Inside the kernel they send Jupyter messages; in plain Node,
// display prints and input reads nothing.
import type { KernelHooks } from "./session";

function hooks(): KernelHooks | undefined {
  return (globalThis as any).__gradlab_kernel__;
}

/** Shows a value in the cell's output; with a displayId, later updateDisplay calls replace it in place. */
export function display(value: unknown, opts: { displayId?: string } = {}): Promise<void> {
  const h = hooks();
  if (h) return h.display(value, opts);
  console.log(value);
  return Promise.resolve();
}

/** Replaces what display(…, { displayId }) showed, in place. */
export function updateDisplay(displayId: string, value: unknown): Promise<void> {
  const h = hooks();
  if (h) return h.updateDisplay(displayId, value);
  console.log(value);
  return Promise.resolve();
}

/**
 * Clears this cell's output, as IPython's clear_output: at once, or with `wait: true`
 * just before the next output replaces it (no flicker when a cell redraws in a loop).
 */
export function clearOutput(opts: { wait?: boolean } = {}): void {
  hooks()?.clearOutput(opts.wait ?? false);
}

/** Asks the person at the notebook for a line of text (await it). */
export function input(prompt = "", opts: { password?: boolean } = {}): Promise<string> {
  const h = hooks();
  if (!h) return Promise.reject(new Error("input: no notebook front end to ask"));
  return h.input(prompt, opts);
}

/** The browser's name for input. */
export const prompt = input;
