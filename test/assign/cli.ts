// The gradlab CLI as the assignment tests run it: a child process whose output is collected.
import { spawn } from "node:child_process";
import { sourcePath } from "../helpers";

export const CLI = sourcePath("dist", "kernel", "cli.js");

export function gradlab(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
