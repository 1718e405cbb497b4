// What a person does in JupyterLab, as playwright steps on the real application's DOM:
// menus, the file browser, toolbar buttons, typing into cells. Shared by the lab tests.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Locator, Page } from "playwright-core";

/** The notebook panel in front. */
export const panel = (page: Page): Locator => page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)");

/** Clicks a top menu, then the items of its submenus in turn (e.g. "Settings", "Theme", "JupyterLab Dark"). */
export async function menu(page: Page, top: string, ...items: string[]): Promise<void> {
  await page.locator(".lm-MenuBar-itemLabel", { hasText: new RegExp(`^${top}$`) }).click();
  for (const [i, item] of items.entries()) {
    const entry = page.locator(".lm-Menu:visible .lm-Menu-itemLabel", { hasText: new RegExp(`^${item}$`) }).last();
    if (i < items.length - 1) await entry.hover(); else await entry.click();
  }
}

/** Opens a file by double-clicking it in the file browser; resolves when its notebook's kernel is idle. */
export async function openFromFileBrowser(page: Page, name: string): Promise<void> {
  await page.locator(".jp-DirListing-itemText", { hasText: new RegExp(`^${name.replace(".", "\\.")}$`) }).dblclick();
  await panel(page).locator(".jp-Notebook").waitFor();
  // The kernel the notebook's metadata names, started and idle.
  await panel(page).locator(".jp-KernelName", { hasText: "gradlab" }).waitFor();
  await kernelIdle(page);
}

/** Waits for the front notebook's kernel to be idle with no cell queued or running. */
export async function kernelIdle(page: Page, timeout?: number): Promise<void> {
  await panel(page).locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').waitFor({ timeout });
  await page.waitForFunction(() => {
    const p = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
    const prompts = Array.from(p?.querySelectorAll(".jp-CodeCell .jp-InputPrompt") ?? [], (e) => e.textContent ?? "");
    return !prompts.some((t) => t.includes("*"));
  }, undefined, { timeout });
}

/** Adds a code cell below the last one and types code into it (insertText: no auto-closed brackets). */
export async function addCell(page: Page, code: string): Promise<Locator> {
  const cells = panel(page).locator(".jp-Notebook .jp-Cell");
  const n = await cells.count();
  await cells.nth(n - 1).locator(".jp-InputPrompt").click();
  await page.keyboard.press("Escape");
  await page.keyboard.press("b");
  const cell = cells.nth(n);
  await cell.locator(".cm-content").click();
  await page.keyboard.insertText(code);
  return cell;
}

/** Clicks a notebook toolbar button by its item name (interrupt, restart, save, …). */
export async function toolbar(page: Page, item: string): Promise<void> {
  await panel(page).locator(`.jp-NotebookPanel-toolbar [data-jp-item-name="${item}"] button, .jp-NotebookPanel-toolbar [data-jp-item-name="${item}"] jp-button`).first().click();
}

/** The gradlab outputs in a saved notebook: those whose bundle has a gradlab mime type. */
export function savedGradlabOutputs(file: string): number {
  const nb = JSON.parse(fs.readFileSync(file, "utf8"));
  return nb.cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? [])
    .filter((o: { data?: Record<string, unknown> }) => Object.keys(o.data ?? {}).some((k) => k.startsWith("application/vnd.gradlab."))).length;
}

/** What the front notebook shows of gradlab's outputs: how many, drawn by a renderer, and SVG fallbacks shown. */
export async function shownOutputs(page: Page): Promise<{ gradlab: number; drawn: number; fallbacks: number }> {
  return panel(page).evaluate((p) => {
    const outs = Array.from(p.querySelectorAll('.jp-OutputArea-output[data-mime-type^="application/vnd.gradlab."]'));
    return {
      gradlab: outs.length,
      drawn: outs.filter((o) => o.matches(".jp-gradlab-tensor, .jp-gradlab-images, .jp-gradlab-histograms, .jp-gradlab-lossplot, .jp-gradlab-chart")).length,
      fallbacks: p.querySelectorAll('.jp-OutputArea-output[data-mime-type="image/svg+xml"], .jp-OutputArea-output img[src^="data:image/svg+xml"]').length,
    };
  });
}

/** A screenshot of the whole window made as tall as the front notebook's content. */
export async function fullHeightShot(page: Page, file: string): Promise<void> {
  const size = page.viewportSize()!;
  const overflow = () => panel(page).evaluate((p) => {
    const scroller = p.querySelector(".jp-WindowedPanel-outer") as HTMLElement;
    scroller.scrollTop = 0;
    return scroller.scrollHeight - scroller.clientHeight;
  });
  // Cells not yet laid out are estimated; grow the window until the notebook fits.
  for (let i = 0, extra = await overflow(); i < 5 && extra > 0; i++, extra = await overflow()) {
    const height = Math.min(page.viewportSize()!.height + extra + 20, 16000);
    await page.setViewportSize({ width: size.width, height });
    await page.waitForTimeout(500);
    if (height === 16000) break;
  }
  // Estimates can overshoot: end the window just below the last cell, above the status bar.
  const bottom = await panel(page).evaluate((p) => {
    const cells = p.querySelectorAll(".jp-Notebook .jp-Cell");
    return cells[cells.length - 1].getBoundingClientRect().bottom;
  });
  const below = await page.evaluate(() => document.querySelector("#jp-main-statusbar")?.getBoundingClientRect().height ?? 0);
  await page.setViewportSize({ width: size.width, height: Math.max(size.height, Math.min(Math.ceil(bottom + below + 40), 16000)) });
  await page.waitForTimeout(500);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
  await page.setViewportSize(size);
}

/** The relative luminance (0 dark … 1 light) of a CSS rgb()/rgba() colour. */
export function luminance(css: string): number {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}
