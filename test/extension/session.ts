// What both browser tests stand up: the test page bundled, a jupyter server serving it
// with the gradlab kernel installed, and chromium with one page that records page errors.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { bundlePage, ROOT } from "./bundle";
import { chromiumMissing, launch } from "./browser";
import { serverMissing, startServer, type Server } from "./server";

export interface BrowserSession {
  server: Server;
  page: Page;
  /** errors thrown in the page so far. */
  pageErrors: string[];
  /** the page URL that opens `notebook` (a path in server.dir). */
  urlOf(notebook: string): string;
  close(): Promise<void>;
}

/** Where the browser tests save their screenshots. */
export const ARTIFACTS = path.join(ROOT, "dist", "test-artifacts", "extension");

/** Skips the suite, saying why, where chromium or jupyter server is not installed. */
export function skipWithoutBrowser(ctx: Mocha.Context): void {
  const why = chromiumMissing() ?? serverMissing();
  if (!why) return;
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

export async function openBrowserSession(timeoutMs: number): Promise<BrowserSession> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const pageDir = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-page-"));
  const ms = await bundlePage(pageDir);
  console.log(`      test page bundled in ${ms} ms`);
  const server = await startServer(pageDir);
  const browser = await launch();
  const page = await browser.context.newPage();
  page.setDefaultTimeout(timeoutMs);
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => { pageErrors.push(String(e)); });
  return {
    server, page, pageErrors,
    urlOf: (notebook) => `${server.url}/static/index.html?token=${server.token}&path=${encodeURIComponent(notebook)}`,
    async close() {
      const t0 = Date.now();
      await browser.close();
      await server.stop();
      fs.rmSync(pageDir, { recursive: true, force: true });
      console.log(`      browser and server stopped in ${Date.now() - t0} ms`);
    },
  };
}
