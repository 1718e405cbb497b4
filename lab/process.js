// The `process` some of JupyterLab's dependencies read in the browser (webpack's DefinePlugin
// gives JupyterLab's own build the same object).
export const process = { cwd: () => "/", env: { NODE_ENV: "production" }, platform: "browser", browser: true };
