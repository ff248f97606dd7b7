// Keys collected during an export, in flat memory: they come in any order into one chunk of 64K keys;
// a full chunk is sorted in place, its repeats dropped, and kept as a run in the compact form
// (key-codec.ts), a few bytes a key instead of the chunk's seventeen. Reading them back merges the
// runs, so the keys come sorted and without repeats, as often as they are asked for.
import { KeyDecoder, KeyEncoder, WORDS, compareKeys, type KeyCursor } from "./key-codec.js";
import { sortKeys } from "./key-sort.js";

export type ParentType = "task" | "message";
export const PARENT_TYPES: readonly ParentType[] = ["task", "message"];
export const typeIndex = (type: ParentType): number => (type === "task" ? 0 : 1);

const TWO_32 = 2 ** 32;

/**
 * Writes the gid's 64-bit value as two words at `out[at]`, without making a BigInt (this runs for
 * every row of a tracked stream); false when it is no canonical decimal of at most 64 bits.
 */
export function gidWords(gid: string, out: Uint32Array, at: number): boolean {
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

const CHUNK_KEYS = 1 << 16;

interface Run {
  readonly bytes: Uint8Array;
  readonly count: number;
}

/** Keys of (parent gid, child gid, parent type) collected in any order. */
export class KeyRuns {
  private words: Uint32Array | undefined;
  private types: Uint8Array | undefined;
  private size = 0;
  private readonly runs: Run[] = [];
  private encoder: KeyEncoder | undefined;

  /** Adds the key of two gids; false (nothing added) when one is no canonical decimal of at most 64 bits. */
  add(parent: string, child: string, type: ParentType): boolean {
    const words = this.chunk();
    const at = this.size * WORDS;
    if (!gidWords(parent, words, at) || !gidWords(child, words, at + 2)) return false;
    this.commit(type);
    return true;
  }

  /** Adds a gid as the key (gid, gid): a set of objects. False (nothing added) as `add`. */
  addGid(gid: string, type: ParentType): boolean {
    const words = this.chunk();
    const at = this.size * WORDS;
    if (!gidWords(gid, words, at)) return false;
    words[at + 2] = words[at] ?? 0;
    words[at + 3] = words[at + 1] ?? 0;
    this.commit(type);
    return true;
  }

  /** Bytes the runs hold (the chunk being filled not counted). */
  get runBytes(): number {
    return this.runs.reduce((sum, run) => sum + run.bytes.length, 0);
  }

  /** Every key added so far, sorted and without repeats; the chunk is let go (adding after starts a new one). */
  cursor(): KeyCursor {
    this.seal();
    this.words = undefined;
    this.types = undefined;
    this.encoder = undefined;
    const runs = this.runs.map((run) => new KeyDecoder(run.bytes, 0, run.bytes.length, run.count, false));
    return runs.length === 1 ? (runs[0] as KeyDecoder) : new MergedKeys(runs);
  }

  /** The words of the chunk being filled (made again after a walk let it go). */
  private chunk(): Uint32Array {
    this.types ??= new Uint8Array(CHUNK_KEYS);
    return (this.words ??= new Uint32Array(CHUNK_KEYS * WORDS));
  }

  private commit(type: ParentType): void {
    (this.types as Uint8Array)[this.size++] = typeIndex(type);
    if (this.size === CHUNK_KEYS) this.seal();
  }

  private seal(): void {
    const words = this.words;
    const types = this.types;
    const n = this.size;
    if (n === 0 || words === undefined || types === undefined) return;
    sortKeys(words, types, n);
    const encoder = (this.encoder ??= new KeyEncoder());
    encoder.reset();
    for (let i = 0; i < n; i++) if (i === 0 || compareKeys(words, i - 1, words, i) !== 0) encoder.write(words, i, types[i] ?? 0);
    this.runs.push({ bytes: encoder.bytes().slice(), count: encoder.count });
    this.size = 0;
  }
}

/** The keys of several sorted cursors in order, each distinct key once (with the type of one of its copies). */
class MergedKeys implements KeyCursor {
  readonly key = new Uint32Array(WORDS);
  type = 0;
  private started = false;
  private readonly heap: KeyCursor[];

  constructor(sources: readonly KeyCursor[]) {
    this.heap = sources.filter((s) => s.next());
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.sift(i);
  }

  next(): boolean {
    const heap = this.heap;
    for (;;) {
      const top = heap[0];
      if (top === undefined) return false;
      const repeat = this.started && compareKeys(top.key, 0, this.key, 0) === 0;
      if (!repeat) {
        this.key.set(top.key);
        this.type = top.type;
        this.started = true;
      }
      if (!top.next()) {
        const last = heap.pop() as KeyCursor;
        if (heap.length > 0) heap[0] = last;
      }
      if (heap.length > 1) this.sift(0);
      if (!repeat) return true;
    }
  }

  private sift(root: number): void {
    const heap = this.heap;
    let i = root;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && compareKeys((heap[left] as KeyCursor).key, 0, (heap[least] as KeyCursor).key, 0) < 0) least = left;
      if (right < heap.length && compareKeys((heap[right] as KeyCursor).key, 0, (heap[least] as KeyCursor).key, 0) < 0) least = right;
      if (least === i) return;
      const t = heap[i] as KeyCursor;
      heap[i] = heap[least] as KeyCursor;
      heap[least] = t;
      i = least;
    }
  }
}

/** Answers "is this gid among the keys' parents?" for gids asked in non-decreasing order, in one pass. */
export class ParentWalker {
  private more: boolean;

  constructor(private readonly keys: KeyCursor) {
    this.more = keys.next();
  }

  /** Whether the parent of key `i` of `words` is a parent of the walked keys. */
  has(words: Uint32Array, i: number): boolean {
    const at = i * WORDS;
    const high = words[at] ?? 0;
    const low = words[at + 1] ?? 0;
    const key = this.keys.key;
    while (this.more && ((key[0] ?? 0) < high || ((key[0] ?? 0) === high && (key[1] ?? 0) < low))) this.more = this.keys.next();
    return this.more && key[0] === high && key[1] === low;
  }
}
