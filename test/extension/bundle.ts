// Bundles the test page (test/extension/page) with esbuild into a folder the jupyter
// server serves: JupyterLab's widgets and CSS, gradlab's renderers from extension/lib.
import * as fs from "node:fs";
import * as path from "node:path";
import { build, stop, type Plugin } from "esbuild";

export const ROOT = path.resolve(__dirname, "..", "..", "..");

/** SVG is a string in JS (JupyterLab's icons) but a file URL inside CSS (icons, fonts). */
const svg: Plugin = {
  name: "svg",
  setup(b) {
    b.onResolve({ filter: /\.svg([?#].*)?$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.replace(/[?#].*$/, "")),
      namespace: args.kind === "url-token" ? "svg-url" : "svg-text",
    }));
    b.onLoad({ filter: /.*/, namespace: "svg-text" }, (args) => ({ contents: fs.readFileSync(args.path, "utf8"), loader: "text" }));
    b.onLoad({ filter: /.*/, namespace: "svg-url" }, (args) => ({ contents: fs.readFileSync(args.path), loader: "file" }));
  },
};

/** `~package/file.css` in CSS means a package in node_modules (webpack's css-loader convention). */
const tilde: Plugin = {
  name: "tilde",
  setup(b) {
    b.onResolve({ filter: /^~/ }, (args) => b.resolve(args.path.slice(1), { kind: args.kind, resolveDir: args.resolveDir }));
  },
};

/** The built labextension, which the page loads from ./lab/. */
export const LABEXTENSION = path.join(ROOT, "extension", "labextension");

/** The installed version of each package the page shares with the extension (extension/core-meta's singletons). */
function sharedVersions(): Record<string, string> {
  const core = JSON.parse(fs.readFileSync(path.join(ROOT, "extension", "core-meta", "package.json"), "utf8")) as { jupyterlab: { singletonPackages: string[] } };
  return Object.fromEntries(core.jupyterlab.singletonPackages.map((p) => [p, JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", p, "package.json"), "utf8")).version]));
}

/** Writes index.html, bundle.js, bundle.css and lab/ (the prebuilt extension) into outDir; returns the bundling's wall time in ms. */
export async function bundlePage(outDir: string): Promise<number> {
  if (!fs.existsSync(path.join(LABEXTENSION, "package.json"))) throw new Error(`${LABEXTENSION} is not built: run \`node scripts/build-extension.js\` (npm test does)`);
  const t0 = Date.now();
  fs.mkdirSync(outDir, { recursive: true });
  fs.cpSync(LABEXTENSION, path.join(outDir, "lab"), { recursive: true });
  await build({
    entryPoints: [path.join(ROOT, "test", "extension", "page", "index.ts")],
    bundle: true,
    outfile: path.join(outDir, "bundle.js"),
    format: "iife",
    target: "es2022",
    platform: "browser",
    sourcemap: false,
    logLevel: "error",
    tsconfig: path.join(ROOT, "test", "extension", "page", "tsconfig.json"),
    define: { "process.env.NODE_ENV": '"production"', "process.env": "{}", global: "globalThis", SHARED_VERSIONS: JSON.stringify(sharedVersions()) },
    loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".png": "file", ".gif": "file", ".md": "text", ".raw.css": "text" },
    plugins: [tilde, svg],
  });
  // esbuild's service process would otherwise keep mocha alive for half a minute.
  await stop();
  fs.copyFileSync(path.join(ROOT, "test", "extension", "page", "index.html"), path.join(outDir, "index.html"));
  return Date.now() - t0;
}
