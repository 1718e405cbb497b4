#!/usr/bin/env node
// Builds the front end `gradlab lab` serves: JupyterLab's standard plugins (lab/app.json)
// with lab/index.ts bundled by esbuild into lab/build/static, and what jupyterlab_server
// serves beside it: each plugin's settings schemas (lab/build/schemas), the theme CSS
// (lab/build/themes) and page_config.json (lab/build/settings). gradlab's own extension is
// not bundled: the app loads it prebuilt, as JupyterLab does. Skips the work when the build
// is newer than lab/ and package-lock.json. Run by `npm install` (a failure only warns),
// `npm run build`, `npm test` (--strict: a failure is fatal) and `gradlab lab`.
// GRADLAB_LAB_DEBUG=1 builds it unminified with source maps (--force to rebuild now).
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const lab = path.join(root, "lab");
const out = path.join(lab, "build");
const strict = process.argv.includes("--strict");
const STAMP = path.join(out, "static", "build.json");

function fail(message) {
  if (strict) {
    console.error(`gradlab: the lab did not build: ${message}`);
    process.exit(1);
  }
  console.warn(`gradlab: the lab did not build (${message}); gradlab lab needs it, the kernel does not`);
  process.exit(0);
}

/** The newest modification time under p, leaving out lab/build and Python's caches. */
function newest(p) {
  if (!fs.existsSync(p) || p === out || path.basename(p) === "__pycache__") return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newest(path.join(p, f))));
}

/** A package's folder and package.json (npm hoists them all to the root's node_modules). */
function pkg(name) {
  const dir = path.join(root, "node_modules", ...name.split("/").slice(0, 2));
  return { dir, data: JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) };
}

/** The package a module specifier is in: "@jupyterlab/mermaid-extension/lib/mime.js" → "@jupyterlab/mermaid-extension". */
const packageOf = (specifier) => specifier.split("/").slice(0, 2).join("/");

/** SVG is a string in JS (JupyterLab's icons) but an inline data URL inside CSS. */
const svg = {
  name: "svg",
  setup(b) {
    b.onResolve({ filter: /\.svg([?#].*)?$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.replace(/[?#].*$/, "")),
      namespace: args.kind === "url-token" ? "svg-url" : "svg-text",
    }));
    b.onLoad({ filter: /.*/, namespace: "svg-text" }, (args) => ({ contents: fs.readFileSync(args.path, "utf8"), loader: "text" }));
    b.onLoad({ filter: /.*/, namespace: "svg-url" }, (args) => ({ contents: fs.readFileSync(args.path), loader: "dataurl" }));
  },
};

/** `~package/file.css` in CSS means a package in node_modules (webpack's css-loader convention). */
const tilde = {
  name: "tilde",
  setup(b) {
    b.onResolve({ filter: /^~/ }, (args) => b.resolve(args.path.slice(1), { kind: args.kind, resolveDir: args.resolveDir }));
  },
};

/**
 * A dynamic import() of a CommonJS module gives, in esbuild's split chunks, only `default`
 * (module.exports); webpack, which JupyterLab is written for, also gives its properties as
 * named exports, and JupyterLab's code destructures them (MathJax, xterm). So JupyterLab's
 * own import() calls get webpack's interop.
 */
const dynamicCjs = {
  name: "dynamic-cjs",
  setup(b) {
    const interop = '((m) => m.default && typeof m.default === "object" && Object.keys(m).length === 1 ? (m.default.__esModule ? m.default : { ...m.default, default: m.default }) : m)';
    b.onLoad({ filter: /[\\/]node_modules[\\/]@jupyterlab[\\/][^\\/]+[\\/]lib[\\/].+\.js$/ }, (args) => {
      const text = fs.readFileSync(args.path, "utf8");
      if (!text.includes("import(")) return undefined;
      return { contents: text.replace(/\bimport\((['"][^'"./][^'"]*['"])\)/g, `import($1).then(${interop})`), loader: "js" };
    });
  },
};

/**
 * The generated modules lab/index.ts imports: gradlab-lab:plugins (every plugin package,
 * imported), gradlab-lab:styles (their style modules, as JupyterLab's builder lists them)
 * and gradlab-lab:shared (the share scope prebuilt extensions are given: JupyterLab's
 * singleton packages at their installed versions).
 */
function generated(app, singletons) {
  const plugins = [...app.extensions, ...app.mimeExtensions];
  const styles = [...new Set(plugins.map(packageOf))].flatMap((name) => {
    const { data } = pkg(name);
    const style = data.styleModule ?? data.style;
    return typeof style === "string" ? [`import ${JSON.stringify(`${name}/${style}`)};`] : [];
  });
  const list = (names, offset) => `[${names.map((n, i) => `[${JSON.stringify(n)}, m${i + offset}]`).join(", ")}]`;
  const modules = {
    plugins: [
      ...plugins.map((n, i) => `import * as m${i} from ${JSON.stringify(n)};`),
      `export const extensions = ${list(app.extensions, 0)};`,
      `export const mimeExtensions = ${list(app.mimeExtensions, app.extensions.length)};`,
    ].join("\n"),
    styles: styles.join("\n"),
    shared: [
      ...singletons.map((n, i) => `import * as s${i} from ${JSON.stringify(n)};`),
      `export const shared = {${singletons.map((n, i) => `${JSON.stringify(n)}: [${JSON.stringify(pkg(n).data.version)}, s${i}]`).join(", ")}};`,
    ].join("\n"),
  };
  return {
    name: "gradlab-lab",
    setup(b) {
      b.onResolve({ filter: /^gradlab-lab:/ }, (args) => ({ path: args.path.slice("gradlab-lab:".length), namespace: "gradlab-lab" }));
      b.onLoad({ filter: /.*/, namespace: "gradlab-lab" }, (args) => ({ contents: modules[args.path], loader: "js", resolveDir: root }));
    },
  };
}

/** Copies each plugin package's settings schemas where jupyterlab_server's settings handler reads them. */
function schemas(names) {
  for (const name of new Set(names.map(packageOf))) {
    const { dir, data } = pkg(name);
    const schemaDir = data.jupyterlab?.schemaDir;
    if (!schemaDir) continue;
    const dest = path.join(out, "schemas", ...name.split("/"));
    fs.mkdirSync(dest, { recursive: true });
    for (const f of fs.readdirSync(path.join(dir, schemaDir))) fs.copyFileSync(path.join(dir, schemaDir, f), path.join(dest, f));
    fs.copyFileSync(path.join(dir, "package.json"), path.join(dest, "package.json.orig"));
  }
}

async function main() {
  const app = JSON.parse(fs.readFileSync(path.join(lab, "app.json"), "utf8"));
  const lock = path.join(root, "package-lock.json");
  const inputs = Math.max(newest(lab), newest(lock), newest(__filename));
  if (fs.existsSync(STAMP) && fs.statSync(STAMP).mtimeMs > inputs && !process.argv.includes("--force")) {
    console.log("gradlab: the lab is up to date in lab/build");
    return;
  }
  let esbuild;
  try {
    esbuild = require(require.resolve("esbuild", { paths: [root] }));
    for (const name of [...app.extensions, ...app.mimeExtensions]) pkg(packageOf(name));
  } catch (e) {
    fail(`a package is not installed (${e.message.split("\n")[0]}); run npm install`);
  }
  const t0 = Date.now();
  fs.rmSync(out, { recursive: true, force: true });
  // Installed singletons only: the extension manager's package is left out (lab/app.json).
  const singletons = JSON.parse(fs.readFileSync(path.join(lab, "shared.json"), "utf8")).singletonPackages
    .filter((n) => fs.existsSync(path.join(root, "node_modules", n, "package.json")));
  const common = {
    bundle: true,
    minify: !process.env.GRADLAB_LAB_DEBUG,
    sourcemap: !!process.env.GRADLAB_LAB_DEBUG,
    target: "es2022",
    platform: "browser",
    logLevel: "error",
    legalComments: "none",
    loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".png": "dataurl", ".gif": "dataurl", ".cur": "dataurl", ".md": "text", ".raw.css": "text", ".html": "text" },
    plugins: [tilde, svg],
  };
  await esbuild.build({
    ...common,
    entryPoints: { index: path.join(lab, "index.ts") },
    outdir: path.join(out, "static"),
    format: "esm",
    // Large parts (CodeMirror's languages, MathJax, Mermaid, Vega, PDF) load on first use.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    assetNames: "assets/[name]-[hash]",
    // As webpack's browser targets define them (MathJax's loader reads __dirname).
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis", __dirname: '"/"', __filename: '"/index.js"' },
    inject: [path.join(lab, "process.js")],
    tsconfig: path.join(lab, "tsconfig.json"),
    plugins: [tilde, svg, dynamicCjs, generated(app, singletons)],
  });
  // Themes: the CSS JupyterLab's theme manager loads from /lab/api/themes/<package>/index.css.
  for (const name of app.extensions) {
    const { dir, data } = pkg(name);
    const themePath = data.jupyterlab?.themePath;
    if (!themePath) continue;
    await esbuild.build({ ...common, entryPoints: { index: path.join(dir, themePath) }, outdir: path.join(out, "themes", ...name.split("/")), assetNames: "[name]-[hash]" });
  }
  await esbuild.stop();
  schemas([...app.extensions, ...app.mimeExtensions]);
  fs.mkdirSync(path.join(out, "settings"), { recursive: true });
  fs.writeFileSync(path.join(out, "settings", "page_config.json"), JSON.stringify({ disabledExtensions: Object.keys(app.disabled) }, null, 1) + "\n");
  const version = pkg("@jupyterlab/application").data.version;
  fs.writeFileSync(STAMP, JSON.stringify({ jupyterlab: version, plugins: app.extensions.length + app.mimeExtensions.length, seconds: (Date.now() - t0) / 1000 }, null, 1) + "\n");
  console.log(`gradlab: built the lab (JupyterLab ${version}, ${app.extensions.length + app.mimeExtensions.length} plugin modules) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => fail(e.message.split("\n").slice(0, 6).join(" ")));
