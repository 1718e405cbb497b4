// `gradlab doctor` shows the caching allocator's line (memory()), with its cache limit,
// so that a user asking "why does gradlab hold this memory?" finds the knob.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { sourcePath } from "../helpers";

describe("gradlab doctor: memory", () => {
  it("names the caching allocator and the cache limit GRADLAB_CACHE_MAX_BYTES sets", () => {
    const r = spawnSync(process.execPath, [sourcePath("dist", "kernel", "cli.js"), "doctor"], {
      encoding: "utf8", env: { ...process.env, GRADLAB_CACHE_MAX_BYTES: String(96 << 20) },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^memory\s+caching allocator for storage of 64 KiB and more: allocated [\d.]+ MiB, cached [\d.]+ MiB, peak [\d.]+ MiB, cache limit 96\.0 MiB/m);
  });

  it("says when the allocator is off", () => {
    const r = spawnSync(process.execPath, [sourcePath("dist", "kernel", "cli.js"), "doctor"], {
      encoding: "utf8", env: { ...process.env, GRADLAB_CACHING_ALLOCATOR: "0" },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^memory\s+none: turned off by GRADLAB_CACHING_ALLOCATOR=0/m);
  });
});
