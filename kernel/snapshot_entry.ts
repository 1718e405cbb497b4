// What `node --build-snapshot` runs to write the kernel's V8 startup snapshot (see
// kernel/snapshot.ts): TypeScript's compiler, compiled, and the declaration files every
// cell is checked against — the standard library, Node's types, gradlab's own — parsed
// and bound. A kernel started from the snapshot skips that second of work.
//
// Only Node's built-in modules can be required here, and the file must be a script (Node
// gives a snapshot's entry no `exports`), so it imports with require(). The paths come in
// GRADLAB_SNAPSHOT_SPEC (a SnapshotSpec as JSON).
const fs: typeof import("node:fs") = require("node:fs");
const Module: typeof import("node:module") = require("node:module");
const path: typeof import("node:path") = require("node:path");
const v8: typeof import("node:v8") = require("node:v8");
const vm: typeof import("node:vm") = require("node:vm");
type TS = typeof import("typescript");
type SnapshotSpec = import("./snapshot_types").SnapshotSpec;
type KernelSnapshot = import("./snapshot_types").KernelSnapshot;

// The one change made to TypeScript's code: the function behind every compiler host's
// getSourceFile asks the snapshot before parsing.
const PARSE = "return text !== void 0 ? createSourceFile(fileName, text, languageVersionOrOptions, setParentNodes) : void 0;";
const REUSE = "const kept = text !== void 0 ? globalThis.__gradlabSnapshot?.reuse(fileName, text, languageVersionOrOptions) : void 0;\n      if (kept) return kept;\n      ";

function loadTypeScript(file: string): TS {
  const source = fs.readFileSync(file, "utf8");
  if (!source.includes(PARSE)) throw new Error(`gradlab: this TypeScript (${file}) has no getSourceFile gradlab knows how to serve from a snapshot`);
  // Four comments with a typographic apostrophe or arrow would make V8 keep the 8.6 MB
  // source (which lazy compilation reads) as a two-byte string: escaped, it is half the
  // size in the snapshot and in every kernel.
  const escaped = source.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const ascii = Buffer.from(escaped, "latin1").toString("latin1"); // a string V8 stores one byte a character
  const mod = { exports: {} as TS };
  const wrapper = vm.runInThisContext(Module.wrap(ascii.replace(PARSE, REUSE + PARSE)), { filename: file });
  wrapper(mod.exports, require, mod, file, path.dirname(file));
  return mod.exports;
}

/** Parses and binds what the converter will read, with the options that decide a parse (target, module resolution). */
function declarationFiles(ts: TS, spec: SnapshotSpec): Map<string, import("typescript").SourceFile> {
  const options: import("typescript").CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022, // as tslab's converter on Node 18 and later
    lib: ["lib.es2022.d.ts"],
    types: ["node"],
    typeRoots: [spec.typeRoot],
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    declaration: true,
  };
  const root = path.join(path.dirname(spec.typeRoot), "__gradlab_preload__.ts");
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, ...rest) => name === root ? ts.createSourceFile(root, spec.preload.source, ts.ScriptTarget.ES2022) : getSourceFile(name, ...rest);
  const program = ts.createProgram([root], options, host);
  program.getTypeChecker(); // binds every file
  return new Map(program.getSourceFiles().filter((f) => f.isDeclarationFile).map((f) => [f.fileName, f]));
}

function build(): void {
  const spec = JSON.parse(process.env.GRADLAB_SNAPSHOT_SPEC ?? "null") as SnapshotSpec | null;
  if (!spec) throw new Error("gradlab: GRADLAB_SNAPSHOT_SPEC is not set (kernel/snapshot.ts sets it)");
  const ts = loadTypeScript(spec.typescript);
  const builtAt = Date.now();
  const files = declarationFiles(ts, spec);
  const snapshot: KernelSnapshot = {
    builtAt,
    files: [...files.keys()],
    ts,
    typescriptFile: spec.typescript,
    reused: 0,
    parsed: 0,
    preloaded: spec.preload,
    reuse(fileName, text, options) {
      const kept = files.get(fileName);
      const o = options as { languageVersion?: number; impliedNodeFormat?: number } | undefined;
      if (kept && kept.text === text && typeof o === "object" && kept.languageVersion === o.languageVersion && kept.impliedNodeFormat === o.impliedNodeFormat) {
        this.reused++;
        return kept;
      }
      this.parsed++;
      return undefined;
    },
  };
  (globalThis as { __gradlabSnapshot?: KernelSnapshot }).__gradlabSnapshot = snapshot;
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    // TypeScript remembers the folder it first ran in: the build's, not the kernel's.
    ts.sys.getCurrentDirectory = () => process.cwd();
    // Node leaves the snapshot without Error.stackTraceLimit (errors would have no stack): V8's default.
    if (typeof Error.stackTraceLimit !== "number") Error.stackTraceLimit = 10;
    const main = process.argv[1];
    if (!main) throw new Error("gradlab: a kernel snapshot runs a script: node --snapshot-blob BLOB dist/kernel/cli.js kernel -f CONNECTION");
    const file = path.resolve(main);
    Module.createRequire(file)(file);
  });
}

build();
