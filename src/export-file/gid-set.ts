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

/** As gidToNumber, for a gid's text as UTF-8 bytes `bytes[start, end)` (no escapes). */
export function digitsToNumber(bytes: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len > 16 || (len > 1 && bytes[start] === 48)) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = (bytes[i] ?? 0) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n <= Number.MAX_SAFE_INTEGER ? n : -1;
}

/** A 32-bit hash of a gid's number (the tables' slot; the compact seen-set's block and bits too). */
export function gidHash(n: number): number {
  const lo = n >>> 0;
  const hi = (n / TWO_32) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  return Math.imul(h, 0x85ebca6b) ^ (h >>> 13);
}

// The numeric table is split into segments chosen by the hash's top bits, each growing on its own:
// growing copies one segment, not the whole table, so the set never holds old and new tables of its
// full size at once (at 1M gids a single table briefly needed 8 + 16 MB).
const SEGMENT_BITS = 6;
const SEGMENTS = 1 << SEGMENT_BITS;

/** A compact set of gid strings. */
export class GidSet {
  private readonly tables: Float64Array[] = [];
  private readonly counts = new Int32Array(SEGMENTS);
  private numbers = 0;
  private strings: Set<string> | undefined;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap * SEGMENTS < initialCapacity) cap *= 2;
    for (let s = 0; s < SEGMENTS; s++) this.tables.push(new Float64Array(cap).fill(EMPTY));
  }

  /** Add a gid; true when it was not in the set yet. */
  add(gid: string): boolean {
    const n = gidToNumber(gid);
    if (n === -1) return addNew((this.strings ??= new Set()), gid);
    const h = gidHash(n);
    const segment = h >>> (32 - SEGMENT_BITS);
    let table = this.tables[segment] ?? this.grow(segment);
    if ((this.counts[segment] ?? 0) + 1 > table.length * MAX_LOAD) table = this.grow(segment);
    if (!insertNumber(table, h, n)) return false;
    this.counts[segment] = (this.counts[segment] ?? 0) + 1;
    this.numbers++;
    return true;
  }

  /**
   * Whether the gid written `bytes[start, end)` (a string's text without escapes) is in the set,
   * when it is a canonical decimal number; false for any other text (look it up with a string then).
   */
  hasDigits(bytes: Uint8Array, start: number, end: number): boolean {
    const n = digitsToNumber(bytes, start, end);
    if (n === -1) return false;
    const h = gidHash(n);
    const table = this.tables[h >>> (32 - SEGMENT_BITS)];
    if (table === undefined) return false;
    const mask = table.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = table[i];
      if (v === n) return true;
      if (v === EMPTY || v === undefined) return false;
    }
  }

  /** Number of gids held. */
  get size(): number {
    return this.numbers + (this.strings?.size ?? 0);
  }

  /** Bytes held by the numeric tables (the string fallback is not counted: it is normally empty). */
  get tableBytes(): number {
    return this.tables.reduce((sum, t) => sum + t.byteLength, 0);
  }

  private grow(segment: number): Float64Array {
    const old = this.tables[segment] ?? new Float64Array(8);
    const table = new Float64Array(old.length * 2).fill(EMPTY);
    for (let i = 0; i < old.length; i++) {
      const v = old[i];
      if (v !== undefined && v !== EMPTY) insertNumber(table, gidHash(v), v);
    }
    this.tables[segment] = table;
    return table;
  }
}

/** Adds a gid that is no canonical number to its set; true when it was not there yet. */
export function addNew(strings: Set<string>, gid: string): boolean {
  if (strings.has(gid)) return false;
  strings.add(gid);
  return true;
}

/** Insert `n` (whose hash is `h`) into an open-addressing table of EMPTY (-1) slots; false when it is there already. */
export function insertNumber(table: Float64Array, h: number, n: number): boolean {
  const mask = table.length - 1;
  let i = h & mask;
  for (;;) {
    const v = table[i];
    if (v === EMPTY) {
      table[i] = n;
      return true;
    }
    if (v === n) return false;
    i = (i + 1) & mask;
  }
}
