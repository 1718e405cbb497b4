// What a notebook cell has in scope besides gradlab itself: display, updateDisplay,
// clearOutput, input and prompt (inside the kernel they send Jupyter messages; in plain Node,
// display prints and input reads nothing), and submission, the code hidden tests check.
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

/** Where the code of a submission's names comes from when gradlab grade runs the tests. */
type SubmissionSource = { source(f: Function | string): string; cells(): { label: string; code: string }[] };
let graded: SubmissionSource | null = null;

/** Set by gradlab grade's judge only: the code as the grader read it from the notebook file. */
export function provideSubmission(s: SubmissionSource): void {
  graded = s;
}

/**
 * The submission's code, for tests that check how something is written (no loops, no
 * autograd). Under gradlab grade it is read from the notebook file, not from the running
 * code (whose toString a student could replace): `source(svmLoss)` is every statement of the
 * student's cells that declares or changes svmLoss, and the code behind the student's names
 * those mention; `cells()` is the text of each of the student's cells run so far. Anywhere
 * else (a notebook run by hand) source is the function's own text and cells() is empty.
 */
export const submission = {
  source(f: Function | string): string {
    if (graded) return graded.source(f);
    if (typeof f === "function") return String(f);
    throw new Error(`submission.source("${String(f).slice(0, 40)}"): outside gradlab grade, pass the function itself`);
  },
  cells(): { label: string; code: string }[] {
    return graded ? graded.cells() : [];
  },
};
