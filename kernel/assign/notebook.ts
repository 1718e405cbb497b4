// Notebooks as the assignment tools see them: cells, their source, and nbgrader's metadata.
import * as fs from "node:fs";
import { createHash } from "node:crypto";

export interface NbgraderMeta {
  grade?: boolean;
  solution?: boolean;
  locked?: boolean;
  points?: number;
  grade_id?: string;
  schema_version?: number;
  task?: boolean;
}

export interface Cell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, any> & { nbgrader?: NbgraderMeta };
  outputs?: any[];
  execution_count?: number | null;
  id?: string;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, any>;
  cells: Cell[];
}

export const KERNELSPEC = { name: "gradlab", display_name: "TypeScript (gradlab)", language: "typescript" };

export function readNotebook(file: string, what = "notebook"): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read the ${what} ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  return parseNotebook(text, file, what);
}

export function parseNotebook(text: string, file: string, what = "notebook"): Notebook {
  let nb: any;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new Error(`the ${what} ${file} is not valid JSON (${(e as Error).message})`);
  }
  if (!nb || nb.nbformat !== 4 || !Array.isArray(nb.cells)) throw new Error(`the ${what} ${file} is not an nbformat 4 notebook`);
  return nb as Notebook;
}

export function writeNotebook(file: string, nb: Notebook): void {
  fs.writeFileSync(file, JSON.stringify(nb, null, 1) + "\n");
}

export function sourceOf(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : String(cell.source ?? "");
}

/** nbformat stores source as lines that keep their newline. */
export function toLines(text: string): string[] {
  return text === "" ? [] : text.split(/(?<=\n)/);
}

export function meta(cell: Cell): NbgraderMeta | undefined {
  const m = cell.metadata?.nbgrader;
  return m && typeof m === "object" ? m : undefined;
}

/** A test cell carries points; a locked cell must not change; a solution cell is the student's. */
export function kindOf(cell: Cell): "test" | "locked" | "solution" | "task" | null {
  const m = meta(cell);
  if (!m) return null;
  if (m.solution) return "solution";
  if (m.grade) return "test";
  if (m.task) return "task";
  if (m.locked) return "locked";
  return null;
}

/** Checksum of what a cell says: its type and its source with line endings and trailing space normalised. */
export function checksum(cell: Cell): string {
  const norm = sourceOf(cell).replace(/\r\n?/g, "\n").replace(/[ \t]+$/gm, "").trimEnd();
  return createHash("sha256").update(cell.cell_type + "\0" + norm).digest("hex");
}

export function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x));
}
