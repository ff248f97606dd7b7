// The gids a line group has taken, to drop an object's second line: a set that must hold every task of
// a workspace and answer for each line. Held as a hash table it cost 11-21 bytes a gid (16 MB at a
// million tasks, the one part of a sync's memory still growing with the export). Here the newest 64K
// gids are in a small hash table; older ones are sorted into runs of varint deltas (a few bytes a gid,
// one indexed value every 64) behind a blocked Bloom filter (12-24 bits a gid), so a new gid, nearly
// every line, costs one probe of one cache line, and only the filter's rare false positives and true
// repeats search the runs. Gids that are no canonical safe integer are kept as strings.
import { addNew, gidHash, gidToNumber, insertNumber } from "../export-file/gid-set.js";
import { readVarint, writeVarint } from "./varint.js";

/** The most gids the recent table holds before they are sealed into a run. */
const RECENT = 1 << 16;
/** The recent table's first size (it doubles up to RECENT: a set of twenty teams stays small). */
const FIRST_RECENT = 1 << 10;
const EMPTY = -1;
/** One value of a run in this many is indexed (where a search starts decoding). */
const STRIDE = 64;
/** The filter's bits a gid, at its capacity; one block is 512 bits (16 words, one cache line). */
const BITS_PER_GID = 12;
const BLOCK_WORDS = 16;

interface Run {
  readonly first: number;
  readonly last: number;
  readonly bytes: Uint8Array;
  /** Every STRIDE-th value, and where the varints after it start. */
  readonly index: Float64Array;
  readonly offsets: Uint32Array;
  readonly count: number;
}

/** A set of gids that grows by a few bytes a gid. */
export class SeenGids {
  /** Open addressing over the recent gids, at a load of at most one half. */
  private slots = new Float64Array(FIRST_RECENT * 2).fill(EMPTY);
  private recent = new Float64Array(FIRST_RECENT);
  private recentCount = 0;
  private readonly runs: Run[] = [];
  private sealed = 0;
  private capacity = RECENT;
  private filter: Uint32Array | undefined;
  private readonly strings = new Set<string>();

  /** Adds a gid; true when it was not in the set yet. */
  add(gid: string): boolean {
    const n = gidToNumber(gid);
    return n === -1 ? addNew(this.strings, gid) : this.addNumber(n);
  }

  /** Number of gids held. */
  get size(): number {
    return this.sealed + this.recentCount + this.strings.size;
  }

  /** Bytes held by the runs, their index, the filter and the recent table. */
  get bytes(): number {
    let sum = this.slots.byteLength + this.recent.byteLength + (this.filter?.byteLength ?? 0);
    for (const run of this.runs) sum += run.bytes.byteLength + run.index.byteLength + run.offsets.byteLength;
    return sum;
  }

  private addNumber(n: number): boolean {
    const h = gidHash(n);
    if (this.filter !== undefined && mayHold(this.filter, n, h) && this.inRuns(n)) return false;
    if (!insertNumber(this.slots, h, n)) return false;
    this.recent[this.recentCount++] = n;
    if (this.recentCount === this.recent.length) {
      if (this.recent.length < RECENT) this.growRecent();
      else this.seal();
    }
    return true;
  }

  private growRecent(): void {
    const recent = new Float64Array(this.recent.length * 2);
    recent.set(this.recent);
    this.recent = recent;
    this.slots = new Float64Array(recent.length * 2).fill(EMPTY);
    for (let i = 0; i < this.recentCount; i++) {
      const v = recent[i] ?? 0;
      insertNumber(this.slots, gidHash(v), v);
    }
  }

  private inRuns(n: number): boolean {
    for (const run of this.runs) if (n >= run.first && n <= run.last && runHas(run, n)) return true;
    return false;
  }

  /** Sorts the recent gids into a run, marks them in the filter (grown first if full), empties the table. */
  private seal(): void {
    const values = this.recent.subarray(0, this.recentCount).sort();
    const count = values.length;
    const index = new Float64Array(Math.ceil(count / STRIDE));
    const offsets = new Uint32Array(index.length);
    const out = new Uint8Array(8 * count);
    let at = 0;
    let previous = 0;
    for (let i = 0; i < count; i++) {
      const v = values[i] ?? 0;
      if (i % STRIDE === 0) {
        index[i / STRIDE] = v;
        offsets[i / STRIDE] = at;
      } else at = writeVarint(out, at, v - previous);
      previous = v;
    }
    this.runs.push({ first: values[0] ?? 0, last: previous, bytes: out.slice(0, at), index, offsets, count });
    this.sealed += count;
    if (this.filter === undefined || this.sealed > this.capacity) this.growFilter();
    else for (let i = 0; i < count; i++) mark(this.filter, values[i] ?? 0);
    this.recentCount = 0;
    this.slots.fill(EMPTY);
  }

  /** Makes the filter, or doubles its capacity, and marks every sealed gid in it (decoded from the runs). */
  private growFilter(): void {
    while (this.capacity < this.sealed) this.capacity *= 2;
    const filter = new Uint32Array(blocksFor(this.capacity) * BLOCK_WORDS);
    for (const run of this.runs) forEachValue(run, (v) => mark(filter, v));
    this.filter = filter;
  }
}

// A gid's six bits within its block: nine bits each of two hashes independent of gidHash (its block's).
const firstBits = (n: number): number => gidHash(n * 31 + 7);
const moreBits = (n: number): number => gidHash(n + 0x9e3779b9);
const bitAt = (a: number, b: number, k: number): number => ((k < 3 ? a : b) >>> (9 * (k % 3))) & 511;

function mayHold(filter: Uint32Array, n: number, h: number): boolean {
  const base = blockOf(h, filter.length / BLOCK_WORDS) * BLOCK_WORDS;
  const a = firstBits(n);
  const b = moreBits(n);
  for (let k = 0; k < 6; k++) {
    const bit = bitAt(a, b, k);
    if (((filter[base + (bit >>> 5)] ?? 0) & (1 << (bit & 31))) === 0) return false;
  }
  return true;
}

function mark(filter: Uint32Array, n: number): void {
  const base = blockOf(gidHash(n), filter.length / BLOCK_WORDS) * BLOCK_WORDS;
  const a = firstBits(n);
  const b = moreBits(n);
  for (let k = 0; k < 6; k++) {
    const bit = bitAt(a, b, k);
    filter[base + (bit >>> 5)] = (filter[base + (bit >>> 5)] ?? 0) | (1 << (bit & 31));
  }
}

function blocksFor(capacity: number): number {
  return Math.max(1, Math.ceil((capacity * BITS_PER_GID) / (BLOCK_WORDS * 32)));
}

/** The block of a gid: its hash scaled to the block count (no modulo bias worth a thought at 32 bits). */
function blockOf(h: number, blocks: number): number {
  return Math.floor(((h >>> 0) / 4294967296) * blocks);
}

function runHas(run: Run, n: number): boolean {
  // The last indexed value not above n.
  let lo = 0;
  let hi = run.index.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((run.index[mid] ?? 0) <= n) lo = mid;
    else hi = mid - 1;
  }
  let v = run.index[lo] ?? 0;
  if (v === n) return true;
  const bytes = run.bytes;
  const end = Math.min(run.count, (lo + 1) * STRIDE);
  const reader = { at: run.offsets[lo] ?? 0 };
  for (let i = lo * STRIDE + 1; i < end && v < n; i++) v += readVarint(bytes, reader);
  return v === n;
}

function forEachValue(run: Run, visit: (v: number) => void): void {
  const reader = { at: 0 };
  let v = 0;
  for (let i = 0; i < run.count; i++) {
    v = i % STRIDE === 0 ? (run.index[i / STRIDE] ?? 0) : v + readVarint(run.bytes, reader);
    visit(v);
  }
}

