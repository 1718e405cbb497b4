// The gradlab CLI as the assignment tests run it: a child process whose output is collected.
import { spawn } from "node:child_process";
import { sourcePath } from "../helpers";

export const CLI = sourcePath("dist", "kernel", "cli.js");

/** Runs the CLI; env adds to (or, with undefined, removes from) this process's environment. */
export function gradlab(args: string[], env: Record<string, string | undefined> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let stdout = "", stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
