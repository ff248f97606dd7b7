// A set of gids sized for millions of entries. Asana gids are digit strings that fit in a double,
// so they live in an open-addressing Float64Array table (8 bytes a slot, about 11-21 bytes a gid
// with the load factor) instead of a JS Set, whose entries cost several times that. Gids that
// are not canonical safe integers fall back to a Set<string>, so no input is ever mis-deduplicated.

const EMPTY = -1;
const MAX_LOAD = 0.75;
const TWO_32 = 4294967296;

/**
 * The gid as a number when it is a canonical decimal safe integer ("0" or no leading zero),
 * else -1; canonical form matters so that "012" and "12" stay distinct gids.
 */
export function gidToNumber(gid: string): number {
  const len = gid.length;
  if (len === 0 || len > 16 || (len > 1 && gid.charCodeAt(0) === 48)) return -1;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const d = gid.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  // Rounding is monotone, so a true value above the limit never computes as within it.
  return n <= Number.MAX_SAFE_INTEGER ? n : -1;
}

function hash(n: number): number {
  const lo = n >>> 0;
  const hi = (n / TWO_32) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  return Math.imul(h, 0x85ebca6b) ^ (h >>> 13);
}

/** A compact set of gid strings. */
export class GidSet {
  private table: Float64Array;
  private mask: number;
  private numbers = 0;
  private strings: Set<string> | undefined;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.table = new Float64Array(cap).fill(EMPTY);
    this.mask = cap - 1;
  }

  /** Add a gid; true when it was not in the set yet. */
  add(gid: string): boolean {
    const n = gidToNumber(gid);
    if (n === -1) {
      this.strings ??= new Set();
      if (this.strings.has(gid)) return false;
      this.strings.add(gid);
      return true;
    }
    if (this.numbers + 1 > this.table.length * MAX_LOAD) this.grow();
    return this.insert(this.table, this.mask, n);
  }

  /** Number of gids held. */
  get size(): number {
    return this.numbers + (this.strings?.size ?? 0);
  }

  /** Bytes held by the numeric table (the string fallback is not counted: it is normally empty). */
  get tableBytes(): number {
    return this.table.byteLength;
  }

  private insert(table: Float64Array, mask: number, n: number): boolean {
    let i = hash(n) & mask;
    for (;;) {
      const v = table[i];
      if (v === EMPTY) {
        table[i] = n;
        this.numbers++;
        return true;
      }
      if (v === n) return false;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.table;
    const table = new Float64Array(old.length * 2).fill(EMPTY);
    const mask = table.length - 1;
    this.numbers = 0;
    for (let i = 0; i < old.length; i++) {
      const v = old[i];
      if (v !== undefined && v !== EMPTY) this.insert(table, mask, v);
    }
    this.table = table;
    this.mask = mask;
  }
}
