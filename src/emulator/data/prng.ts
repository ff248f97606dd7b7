// Small, fast, seeded randomness: a hash of the key (seed, purpose, index, version) starts a
// mulberry32 stream, so object i can be generated on its own without generating 0..i-1.

/** Mix one 32-bit value into a 32-bit hash state (murmur3 finaliser style). */
export function mix(h: number, v: number): number {
  let x = Math.imul(h ^ (v | 0), 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hash a key of up to four non-negative integers (indexes up to 2^53 are mixed whole). */
export function hashKey(seed: number, purpose: number, index: number, version = 0): number {
  let h = mix(0x9e3779b9, seed);
  h = mix(h, Math.floor(seed / 0x100000000));
  h = mix(h, purpose);
  h = mix(h, index);
  h = mix(h, Math.floor(index / 0x100000000));
  return mix(h, version);
}

/** A seeded stream of pseudo-random numbers (mulberry32). */
export class Rng {
  private state: number;

  constructor(state: number) {
    this.state = state | 0;
  }

  /** An unsigned 32-bit integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** Up to n distinct indexes in [0, size), in ascending order. */
  distinct(n: number, size: number): number[] {
    const out: number[] = [];
    const want = Math.min(n, size);
    while (out.length < want) {
      const k = this.int(size);
      if (!out.includes(k)) out.push(k);
    }
    return out.sort((a, b) => a - b);
  }
}

/** A stream keyed by (seed, purpose, index, version). */
export function rngFor(seed: number, purpose: number, index: number, version = 0): Rng {
  return new Rng(hashKey(seed, purpose, index, version));
}

/** Purposes that key independent streams, so adding draws to one never shifts another. */
export const PURPOSE = {
  workspace: 1,
  users: 2,
  projects: 3,
  tags: 4,
  customFields: 5,
  task: 10,
  taskSubtask: 11,
  taskDependency: 12,
  taskModify: 13,
  taskLarge: 14,
  taskHead: 15,
  messageHead: 22,
  message: 20,
  messageModify: 21,
  team: 30,
  teamName: 31,
  mutateRound: 40,
  modifyOne: 41,
} as const;
