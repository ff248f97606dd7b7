// What the destination was given of a stream, to tell it what was deleted. A key is (parent gid,
// child gid, parent type): a task is (its gid, its gid, task), a story (its parent's gid, its gid,
// the parent's type), a custom field value (the task's gid, the custom field's gid, task). Keys are
// held as sorted 64-bit integers (8 bytes each, not a JS string), merged with each export's keys in
// one linear pass, and stored sorted, delta-coded as varints and deflated, so a million tasks fit in
// a few megabytes of state.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { ConfigError } from "../core/errors.js";
import type { GivenKeysBlob } from "./state.js";

export type ParentType = "task" | "message";
const TYPES: readonly ParentType[] = ["task", "message"];
const CODEC = "keys-delta-deflate-v1";
const MAX_GID = (1n << 64n) - 1n;

/** Words of one key: the parent's high and low 32 bits, then the child's; comparing them in order compares the keys. */
const WORDS = 4;
const TWO_32 = 2 ** 32;

/** The words of a 64-bit value. */
function wordsOf(value: bigint, out: Uint32Array, at: number): void {
  out[at] = Number(value >> 32n);
  out[at + 1] = Number(value & 0xffffffffn);
}

const valueOf = (words: Uint32Array, at: number): bigint => (BigInt(words[at] ?? 0) << 32n) | BigInt(words[at + 1] ?? 0);

/** Where a gid is parsed to before it is kept: its two words (or four: a key's parent and child). */
const scratch = new Uint32Array(WORDS);

/** A gid as a 64-bit integer, or undefined when it is no canonical decimal of at most 64 bits (it cannot be tracked). */
export function gidKey(gid: string): bigint | undefined {
  return gidWords(gid, scratch, 0) ? valueOf(scratch, 0) : undefined;
}

/**
 * Writes the gid's 64-bit value as two words at `out[at]`, without making a BigInt (this runs for
 * every row of a tracked stream); false when it is no canonical decimal of at most 64 bits.
 */
function gidWords(gid: string, out: Uint32Array, at: number): boolean {
  const length = gid.length;
  if (length === 0 || length > 20 || (length > 1 && gid.charCodeAt(0) === 48)) return false;
  let high = 0;
  let low = 0;
  for (let i = 0; i < length; i++) {
    const d = gid.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    // Exact in doubles: low * 10 + 9 and high * 10 + carry stay below 2^36.
    const wide = low * 10 + d;
    const carry = Math.floor(wide / TWO_32);
    low = wide - carry * TWO_32;
    high = high * 10 + carry;
    if (high >= TWO_32) return false;
  }
  out[at] = high;
  out[at + 1] = low;
  return true;
}

/** Keys sorted by (parent, child), without repeats, WORDS words each. */
export class KeyList {
  static readonly EMPTY = new KeyList(new Uint32Array(0), new Uint8Array(0));

  constructor(
    /** WORDS words per key (see WORDS). */
    readonly words: Uint32Array,
    /** Index into ["task", "message"]. */
    readonly types: Uint8Array,
  ) {}

  get length(): number {
    return this.types.length;
  }

  parent(i: number): bigint {
    return valueOf(this.words, i * WORDS);
  }

  child(i: number): bigint {
    return valueOf(this.words, i * WORDS + 2);
  }

  parentType(i: number): ParentType {
    return TYPES[this.types[i] ?? 0] ?? "task";
  }

  /** The distinct parents of one type, sorted (the keys are sorted by parent, so a parent's keys are neighbours). */
  parentsOf(type: ParentType): SortedGids {
    const wanted = TYPES.indexOf(type);
    const words = this.words;
    let count = 0;
    for (let i = 0; i < this.length; i++) if (this.types[i] === wanted) count++;
    const out = new BigUint64Array(count);
    let m = 0;
    let last = -1;
    for (let i = 0; i < this.length; i++) {
      if (this.types[i] !== wanted) continue;
      const at = i * WORDS;
      if (last >= 0 && words[at] === words[last * WORDS] && words[at + 1] === words[last * WORDS + 1]) continue;
      out[m++] = this.parent(i);
      last = i;
    }
    return new SortedGids(out.subarray(0, m));
  }

  /** The compact form kept in the state. */
  encode(): GivenKeysBlob {
    const out = new Varints(this.length * 4 + 16);
    out.write(BigInt(this.length));
    let parent = 0n;
    let child = 0n;
    for (let i = 0; i < this.length; i++) {
      const p = this.parent(i);
      const c = this.child(i);
      // Flags: bit 0 the parent type, bit 1 "the child is the parent" (a task's own key).
      const same = p === c;
      out.write(p - parent);
      out.writeByte((this.types[i] ?? 0) | (same ? 2 : 0));
      if (!same) out.writeSigned(c - child);
      parent = p;
      if (!same) child = c;
    }
    return { codec: CODEC, count: this.length, data: deflateRawSync(out.bytes()).toString("base64") };
  }

  /** Read a state's keys back, refusing anything this codec did not write. */
  static decode(blob: GivenKeysBlob, where: string): KeyList {
    const broken = (why: string) =>
      new ConfigError(`${where}: its 'given' keys are unreadable (${why}). The state is corrupted; remove the stream's state (a full sync follows).`, "STATE_INVALID");
    let bytes: Buffer;
    try {
      bytes = inflateRawSync(Buffer.from(blob.data, "base64"));
    } catch (error) {
      throw broken((error as Error).message);
    }
    try {
      return KeyList.read(new VarintReader(bytes), blob.count);
    } catch (error) {
      throw broken((error as Error).message);
    }
  }

  private static read(input: VarintReader, expected: number): KeyList {
    const count = Number(input.read());
    if (count !== expected) throw new Error(`it says ${expected} keys and holds ${count}`);
    const words = new Uint32Array(count * WORDS);
    const types = new Uint8Array(count);
    let parent = 0n;
    let child = 0n;
    for (let i = 0; i < count; i++) {
      parent += input.read();
      const flags = input.readByte();
      if (flags > 3) throw new Error(`flags ${flags} at key ${i}`);
      if ((flags & 2) === 0) child += input.readSigned();
      const key = (flags & 2) === 0 ? child : parent;
      if (parent > MAX_GID || key < 0n || key > MAX_GID) throw new Error(`key ${i} is out of range`);
      wordsOf(parent, words, i * WORDS);
      wordsOf(key, words, i * WORDS + 2);
      types[i] = flags & 1;
      if (i > 0 && compareKeys(words, i - 1, words, i) >= 0) throw new Error(`keys out of order at ${i}`);
    }
    if (!input.done) throw new Error("bytes after the last key");
    return new KeyList(words, types);
  }
}

/** The order of key i of `a` and key j of `b`: negative, zero or positive. */
function compareKeys(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  const x = i * WORDS;
  const y = j * WORDS;
  for (let k = 0; k < WORDS; k++) {
    const d = (a[x + k] ?? 0) - (b[y + k] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Keys written in (parent, child) order into room reserved for them: a KeyList without a sort. */
class SortedKeyWriter {
  private readonly words: Uint32Array;
  private readonly types: Uint8Array;
  private size = 0;

  constructor(capacity: number) {
    this.words = new Uint32Array(capacity * WORDS);
    this.types = new Uint8Array(capacity);
  }

  copy(from: KeyList, i: number): void {
    const at = i * WORDS;
    this.words.set(from.words.subarray(at, at + WORDS), this.size * WORDS);
    this.types[this.size++] = from.types[i] ?? 0;
  }

  list(): KeyList {
    return new KeyList(this.words.subarray(0, this.size * WORDS), this.types.subarray(0, this.size));
  }
}

/** Keys collected per chunk (no doubling copies as they come); `build` sorts them in place and drops repeats. */
const CHUNK_KEYS = 1 << 16;

/** Collects keys in any order; `build` sorts them and drops repeats. */
export class KeyListBuilder {
  private readonly wordChunks: Uint32Array[] = [];
  private readonly typeChunks: Uint8Array[] = [];
  private size = 0;

  /** Add the key of two gids; false (nothing added) when one is no canonical decimal of at most 64 bits. */
  add(parent: string, child: string, type: ParentType): boolean {
    if (!gidWords(parent, scratch, 0) || !gidWords(child, scratch, 2)) return false;
    const at = this.size % CHUNK_KEYS;
    if (at === 0) {
      this.wordChunks.push(new Uint32Array(CHUNK_KEYS * WORDS));
      this.typeChunks.push(new Uint8Array(CHUNK_KEYS));
    }
    (this.wordChunks[this.wordChunks.length - 1] as Uint32Array).set(scratch, at * WORDS);
    (this.typeChunks[this.typeChunks.length - 1] as Uint8Array)[at] = type === "task" ? 0 : 1;
    this.size++;
    return true;
  }

  get length(): number {
    return this.size;
  }

  /** The keys sorted, without repeats; the builder is empty after. */
  build(): KeyList {
    const n = this.size;
    const words = new Uint32Array(n * WORDS);
    const types = new Uint8Array(n);
    // Each chunk is let go once copied: the keys are held about once, not twice.
    for (let at = 0; at < n; at += CHUNK_KEYS) {
      const count = Math.min(CHUNK_KEYS, n - at);
      words.set((this.wordChunks.shift() as Uint32Array).subarray(0, count * WORDS), at * WORDS);
      types.set((this.typeChunks.shift() as Uint8Array).subarray(0, count), at);
    }
    this.size = 0;
    sortKeys(words, types, n);
    let m = 0;
    for (let k = 0; k < n; k++) {
      if (m > 0 && compareKeys(words, m - 1, words, k) === 0) continue;
      if (m !== k) {
        words.copyWithin(m * WORDS, k * WORDS, (k + 1) * WORDS);
        types[m] = types[k] ?? 0;
      }
      m++;
    }
    return new KeyList(words.subarray(0, m * WORDS), types.subarray(0, m));
  }
}

/**
 * Sorts keys [0, n) of `words` and `types` in place by (parent, child): an introsort (quicksort
 * with a median of three, insertion sort for short ranges, heapsort past a depth limit) on the
 * words, so no index array, comparator closure or BigInt is made. `depthLimit`: how deep quicksort
 * may split before heapsort takes over (0: heapsort alone).
 */
export function sortKeys(words: Uint32Array, types: Uint8Array, n: number, depthLimit = 2 * Math.ceil(Math.log2(Math.max(n, 2)))): void {
  if (n > 1) quickSort(words, types, 0, n - 1, depthLimit);
}

function swap(words: Uint32Array, types: Uint8Array, i: number, j: number): void {
  const x = i * WORDS;
  const y = j * WORDS;
  for (let k = 0; k < WORDS; k++) {
    const w = words[x + k] ?? 0;
    words[x + k] = words[y + k] ?? 0;
    words[y + k] = w;
  }
  const t = types[i] ?? 0;
  types[i] = types[j] ?? 0;
  types[j] = t;
}

const INSERTION_MAX = 16;

function quickSort(words: Uint32Array, types: Uint8Array, lo: number, hi: number, depth: number): void {
  const pivot = new Uint32Array(WORDS);
  while (hi - lo > INSERTION_MAX) {
    if (depth-- === 0) {
      heapSort(words, types, lo, hi);
      return;
    }
    const mid = lo + ((hi - lo) >> 1);
    if (compareKeys(words, mid, words, lo) < 0) swap(words, types, mid, lo);
    if (compareKeys(words, hi, words, lo) < 0) swap(words, types, hi, lo);
    if (compareKeys(words, hi, words, mid) < 0) swap(words, types, hi, mid);
    pivot.set(words.subarray(mid * WORDS, mid * WORDS + WORDS));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (compareKeys(words, i, pivot, 0) < 0) i++;
      while (compareKeys(words, j, pivot, 0) > 0) j--;
      if (i <= j) swap(words, types, i++, j--);
    }
    // [lo, j] holds keys <= the pivot, [i, hi] keys >= it: the shorter side recursively, the longer in the loop.
    if (j - lo < hi - i) {
      quickSort(words, types, lo, j, depth);
      lo = i;
    } else {
      quickSort(words, types, i, hi, depth);
      hi = j;
    }
  }
  for (let k = lo + 1; k <= hi; k++) for (let j = k; j > lo && compareKeys(words, j - 1, words, j) > 0; j--) swap(words, types, j - 1, j);
}

function heapSort(words: Uint32Array, types: Uint8Array, lo: number, hi: number): void {
  const n = hi - lo + 1;
  const sift = (root: number, size: number): void => {
    for (;;) {
      let largest = root;
      const left = 2 * root + 1;
      const right = left + 1;
      if (left < size && compareKeys(words, lo + left, words, lo + largest) > 0) largest = left;
      if (right < size && compareKeys(words, lo + right, words, lo + largest) > 0) largest = right;
      if (largest === root) return;
      swap(words, types, lo + root, lo + largest);
      root = largest;
    }
  };
  for (let root = (n >> 1) - 1; root >= 0; root--) sift(root, n);
  for (let size = n - 1; size > 0; size--) {
    swap(words, types, lo, lo + size);
    sift(0, size);
  }
}

/** Sorted gids without repeats, for membership tests by a forward walk. */
export class SortedGids {
  constructor(readonly gids: BigUint64Array) {}

  static of(gids: BigUint64Array): SortedGids {
    const sorted = gids.slice().sort();
    let m = 0;
    for (let i = 0; i < sorted.length; i++) if (m === 0 || sorted[m - 1] !== sorted[i]) sorted[m++] = sorted[i] ?? 0n;
    return new SortedGids(sorted.slice(0, m));
  }

  /** A cursor answering `has` for non-decreasing gids in one pass. */
  walker(): (gid: bigint) => boolean {
    let i = 0;
    const gids = this.gids;
    return (gid) => {
      while (i < gids.length && (gids[i] ?? 0n) < gid) i++;
      return i < gids.length && gids[i] === gid;
    };
  }
}

/** Gids collected in any order. */
export class GidCollector {
  private gids = new BigUint64Array(1024);
  private size = 0;

  add(gid: bigint): void {
    if (this.size === this.gids.length) {
      const next = new BigUint64Array(this.gids.length * 2);
      next.set(this.gids);
      this.gids = next;
    }
    this.gids[this.size++] = gid;
  }

  sorted(): SortedGids {
    return SortedGids.of(this.gids.subarray(0, this.size));
  }
}

export interface Reconciled {
  /** What the destination holds after this export. */
  readonly next: KeyList;
  /** What it was given and no longer exists: to be reported deleted. */
  readonly deleted: KeyList;
}

/**
 * The keys after an export: those it gave (`emitted`) replace every key of the parents it re-exported
 * (`fed`: a child missing from a re-exported parent is gone); a key whose parent is not live
 * (`live`, per parent type, when the export saw every live object of that type) is gone too.
 */
export function reconcile(
  given: KeyList,
  fed: Readonly<Record<ParentType, SortedGids>>,
  emitted: KeyList,
  live: Readonly<Partial<Record<ParentType, SortedGids>>>,
): Reconciled {
  // Nothing given before (a first sync): the destination holds what this export gave.
  if (given.length === 0) return { next: emitted, deleted: KeyList.EMPTY };
  // Both lists are sorted, so the merge writes each result in order, into room reserved once.
  const next = new SortedKeyWriter(given.length + emitted.length);
  const deleted = new SortedKeyWriter(given.length);
  const fedHas = TYPES.map((t) => fed[t].walker());
  const liveHas = TYPES.map((t) => live[t]?.walker());
  let j = 0;
  const emitUpTo = (i: number): void => {
    // Emitted keys sorting before given key i (all of them when i is past the end).
    while (j < emitted.length && (i >= given.length || compareKeys(emitted.words, j, given.words, i) < 0)) next.copy(emitted, j++);
  };
  for (let i = 0; i < given.length; i++) {
    emitUpTo(i);
    if (j < emitted.length && compareKeys(emitted.words, j, given.words, i) === 0) {
      next.copy(given, i);
      j++;
      continue;
    }
    const parent = given.parent(i);
    const type = given.types[i] ?? 0;
    const reexported = fedHas[type]?.(parent) ?? false;
    const isLive = liveHas[type];
    if (reexported || (isLive !== undefined && !isLive(parent))) deleted.copy(given, i);
    else next.copy(given, i);
  }
  emitUpTo(given.length);
  return { next: next.list(), deleted: deleted.list() };
}

/** Unsigned LEB128 varints of bigints. */
class Varints {
  private buf: Uint8Array;
  private at = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(capacity, 16));
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }

  writeByte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  write(value: bigint): void {
    this.room(10);
    // Small values (nearly every delta) take the Number path.
    if (value < 0x20000000000000n) {
      let v = Number(value);
      while (v >= 0x80) {
        this.buf[this.at++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      this.buf[this.at++] = v;
      return;
    }
    let v = value;
    while (v >= 0x80n) {
      this.buf[this.at++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.at++] = Number(v);
  }

  writeSigned(value: bigint): void {
    this.write(value >= 0n ? value << 1n : ((-value) << 1n) - 1n);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

class VarintReader {
  private at = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.at === this.buf.length;
  }

  readByte(): number {
    if (this.at >= this.buf.length) throw new Error("the keys end early");
    return this.buf[this.at++] ?? 0;
  }

  read(): bigint {
    let shift = 0n;
    let value = 0n;
    for (;;) {
      const b = this.readByte();
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return value;
      shift += 7n;
      if (shift > 70n) throw new Error("a varint is too long");
    }
  }

  readSigned(): bigint {
    const v = this.read();
    return (v & 1n) === 0n ? v >> 1n : -((v + 1n) >> 1n);
  }
}
