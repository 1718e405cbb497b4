// What produced a run's numbers: gradlab's version (and git commit, from a checkout),
// Node, the backend with its instruction-set path, BLAS and threads, whether
// deterministic mode is on, the seeds given to manualSeed and a sha256 of each dataset
// file read through `data`. Machine facts are read when asked (a cell may switch backend
// or threads); seeds and datasets are recorded as they happen. The kernel and
// `gradlab run` write these into notebooks, and `gradlab verify` compares two runs' facts.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { isDeterministic } from "./backend/deterministic";

export interface DatasetRecord {
  /** The file as it was read (absolute). */
  file: string;
  bytes: number;
  sha256: string;
}

export interface Provenance {
  gradlab: string;
  /** The git commit gradlab runs from, when it runs from a checkout ("…-dirty" with uncommitted changes); null otherwise. */
  commit: string | null;
  node: string;
  platform: string;
  backend: string;
  /** The addon's instruction-set path ("avx512", "avx2", "baseline"), "none" on the TypeScript backend. */
  isa: string;
  blas: string;
  blasVersion: string | null;
  threads: number;
  deterministic: boolean;
  /** The seeds given to manualSeed, each once, in the order first given. */
  seeds: number[];
  datasets: DatasetRecord[];
}

/** At most this many distinct seeds are kept: a seed sweep should not swamp the notebook. */
const MAX_SEEDS = 100;

const seeds: number[] = [];
const datasets = new Map<string, DatasetRecord>();
/** sha256 by path, size and modification time: a file loaded again is not hashed again. */
const hashCache = new Map<string, string>();

/** Records a seed given to manualSeed. */
export function recordSeed(seed: number): void {
  if (!seeds.includes(seed) && seeds.length < MAX_SEEDS) seeds.push(seed);
}

/** Records a dataset file and its bytes, as read. */
export function recordDataset(file: string, bytes: Uint8Array): void {
  const abs = path.resolve(file);
  let key = `${abs}\0${bytes.length}`;
  try {
    key += `\0${fs.statSync(abs).mtimeMs}`;
  } catch {
    // Gone already: hash what was read.
  }
  let sha256 = hashCache.get(key);
  if (!sha256) {
    sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
    hashCache.set(key, sha256);
  }
  datasets.set(abs, { file: abs, bytes: bytes.length, sha256 });
}


let commitCache: string | null | undefined;

/** The commit of the checkout gradlab runs from; null when gradlab is not its own checkout (an installed package). */
function gitCommit(root: string): string | null {
  if (commitCache !== undefined) return commitCache;
  commitCache = null;
  if (!fs.existsSync(path.join(root, ".git"))) return commitCache;
  const git = (...args: string[]) => spawnSync("git", ["-C", root, ...args], { encoding: "utf8", timeout: 5000 });
  const head = git("rev-parse", "HEAD");
  if (head.status !== 0 || !/^[0-9a-f]{40}$/.test(head.stdout.trim())) return commitCache;
  const dirty = git("status", "--porcelain", "--untracked-files=no");
  commitCache = head.stdout.trim() + (dirty.status === 0 && dirty.stdout.trim() ? "-dirty" : "");
  return commitCache;
}

let versionCache: string | undefined;

function packageVersion(root: string): string {
  if (versionCache !== undefined) return versionCache;
  try {
    versionCache = String(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version);
  } catch {
    versionCache = "unknown (no package.json beside gradlab)";
  }
  return versionCache;
}

/** The facts as they stand now. */
export function provenance(): Provenance {
  // Required here, not imported: random.ts records seeds through this module and must not pull in the backends.
  const { backend } = require("./backend") as typeof import("./backend");
  const { packageRoot } = require("./backend/addon") as typeof import("./backend/addon");
  const root = packageRoot();
  const b = backend();
  return {
    gradlab: packageVersion(root),
    commit: gitCommit(root),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    backend: b.name,
    isa: b.isa,
    blas: b.blas,
    blasVersion: /\d+\.\d+(?:\.\d+)?/.exec(b.blas)?.[0] ?? null,
    threads: b.threads,
    deterministic: isDeterministic(),
    seeds: [...seeds],
    datasets: [...datasets.values()].map((d) => ({ ...d })),
  };
}
