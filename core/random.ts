// One seeded generator for all of gradlab's randomness: randn, initialisers, dropout,
// shuffling and splits. It runs in TypeScript on every backend so that the same seed
// gives the same bits whichever backend computes the rest.
//
// The generator is xoshiro128** (Blackman & Vigna), seeded through splitmix32; it is
// fast in 32-bit JS arithmetic and passes BigCrush. Normals use Box–Muller.
import { recordSeed } from "./provenance";

export class Generator {
  private s = new Uint32Array(4);
  private spare: number | null = null;
  private seedValue = 0;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  manualSeed(seed: number): this {
    if (!Number.isFinite(seed)) throw new RangeError(`manualSeed: the seed must be a finite number, got ${seed}`);
    this.seedValue = seed;
    // splitmix32 over the seed's low and high 32 bits fills the state.
    let x = (Math.trunc(seed) >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) >>> 0, 0x9e3779b9);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    this.spare = null;
    return this;
  }

  initialSeed(): number {
    return this.seedValue;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [low, high), unbiased (rejection sampling). */
  int(low: number, high: number): number {
    const range = high - low;
    if (range <= 2 ** 32) {
      const limit = 2 ** 32 - (2 ** 32 % range);
      let x = this.nextU32();
      while (x >= limit) x = this.nextU32();
      return low + (x % range);
    }
    return low + Math.floor(this.uniform() * range);
  }

  /** The state, to save and restore (e.g. around a reproducible experiment). */
  getState(): number[] {
    return [...this.s, this.spare ?? NaN, this.seedValue];
  }

  setState(state: number[]): void {
    if (!Array.isArray(state) || state.length !== 6) throw new RangeError("Generator.setState: expected the array getState() returned");
    this.s.set(state.slice(0, 4));
    this.spare = Number.isNaN(state[4]) ? null : state[4];
    this.seedValue = state[5];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The default generator that every random function uses unless given another. */
export const defaultGenerator = new Generator(0);

/** Seeds gradlab's default generator: the same seed gives the same numbers on every run and backend. */
export function manualSeed(seed: number): Generator {
  defaultGenerator.manualSeed(seed);
  recordSeed(seed); // after the seed was accepted: a refused one produced nothing
  return defaultGenerator;
}
