// JupyterLab's theme, for what CSS cannot colour: plotly layouts and canvas drawing read
// the theme's variables when they draw, and draw again when the theme changes.

/** The value of a JupyterLab theme variable (--jp-…) now, or fallback outside JupyterLab. */
export function themeColour(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** Calls redraw whenever JupyterLab switches theme; returns the function that stops watching. */
export function onThemeChange(redraw: () => void): () => void {
  const watch = new MutationObserver(() => redraw());
  watch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"] });
  return () => watch.disconnect();
}
