// The names every cell can use without an import: gradlab's own and the kernel API's. The
// session imports them before the first cell; gradlab assign refuses an answer that would
// declare one of them (the tests would call gradlab's, not the student's).
import * as path from "node:path";

export const CORE = path.join(__dirname, "..", "core", "index");
export const API = path.join(__dirname, "api");
/** What a cell has of the kernel API (kernel/api.ts). */
export const API_NAMES = ["display", "updateDisplay", "clearOutput", "input", "prompt", "submission"];
// Exports that cannot be variable names (gradlab's `var`, PyTorch's name) stay reachable as methods.
const RESERVED = new Set(["var", "delete", "in", "new", "function", "default", "class", "const", "let", "import", "export"]);

/** gradlab's exports that a cell has as names. */
export function coreNames(): string[] {
  return Object.keys(require(CORE)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && !RESERVED.has(n));
}

export function preloadedNames(): string[] {
  return [...coreNames(), ...API_NAMES];
}

/** The cell the kernel runs first: gradlab's exports and the kernel API, imported. */
export function preloadSource(): string {
  return `import { ${coreNames().join(", ")} } from ${JSON.stringify(CORE)};\n` +
    `import { ${API_NAMES.join(", ")} } from ${JSON.stringify(API)};`;
}
