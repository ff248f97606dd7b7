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

/** A gid as a 64-bit integer, or undefined when it is no canonical decimal of at most 64 bits (it cannot be tracked). */
export function gidKey(gid: string): bigint | undefined {
  if (gid.length === 0 || gid.length > 20 || (gid.length > 1 && gid.charCodeAt(0) === 48)) return undefined;
  for (let i = 0; i < gid.length; i++) {
    const d = gid.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
  }
  const key = BigInt(gid);
  return key <= MAX_GID ? key : undefined;
}

/** Keys sorted by (parent, child), without repeats. */
export class KeyList {
  static readonly EMPTY = new KeyList(new BigUint64Array(0), new BigUint64Array(0), new Uint8Array(0));

  constructor(
    readonly parents: BigUint64Array,
    readonly children: BigUint64Array,
    /** Index into ["task", "message"]. */
    readonly types: Uint8Array,
  ) {}

  get length(): number {
    return this.parents.length;
  }

  parentType(i: number): ParentType {
    return TYPES[this.types[i] ?? 0] ?? "task";
  }

  /** The compact form kept in the state. */
  encode(): GivenKeysBlob {
    const out = new Varints(this.length * 4 + 16);
    out.write(BigInt(this.length));
    let parent = 0n;
    let child = 0n;
    for (let i = 0; i < this.length; i++) {
      const p = this.parents[i] ?? 0n;
      const c = this.children[i] ?? 0n;
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
    const parents = new BigUint64Array(count);
    const children = new BigUint64Array(count);
    const types = new Uint8Array(count);
    let parent = 0n;
    let child = 0n;
    for (let i = 0; i < count; i++) {
      parent += input.read();
      const flags = input.readByte();
      if (flags > 3) throw new Error(`flags ${flags} at key ${i}`);
      if ((flags & 2) === 0) child += input.readSigned();
      parents[i] = parent;
      children[i] = (flags & 2) === 0 ? child : parent;
      types[i] = flags & 1;
      if (i > 0 && compare(parents, children, i - 1, parents, children, i) >= 0) throw new Error(`keys out of order at ${i}`);
    }
    if (!input.done) throw new Error("bytes after the last key");
    return new KeyList(parents, children, types);
  }
}

function compare(ap: BigUint64Array, ac: BigUint64Array, i: number, bp: BigUint64Array, bc: BigUint64Array, j: number): number {
  const pa = ap[i] ?? 0n;
  const pb = bp[j] ?? 0n;
  if (pa !== pb) return pa < pb ? -1 : 1;
  const ca = ac[i] ?? 0n;
  const cb = bc[j] ?? 0n;
  return ca === cb ? 0 : ca < cb ? -1 : 1;
}

/** Collects keys in any order; `build` sorts them and drops repeats. */
export class KeyListBuilder {
  private parents = new BigUint64Array(1024);
  private children = new BigUint64Array(1024);
  private types = new Uint8Array(1024);
  private size = 0;

  add(parent: bigint, child: bigint, type: ParentType): void {
    if (this.size === this.parents.length) {
      const grow = <T extends BigUint64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const next = make(a.length * 2);
        next.set(a as never);
        return next;
      };
      this.parents = grow(this.parents, (n) => new BigUint64Array(n));
      this.children = grow(this.children, (n) => new BigUint64Array(n));
      this.types = grow(this.types, (n) => new Uint8Array(n));
    }
    this.parents[this.size] = parent;
    this.children[this.size] = child;
    this.types[this.size++] = type === "task" ? 0 : 1;
  }

  get length(): number {
    return this.size;
  }

  build(): KeyList {
    const n = this.size;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const { parents, children } = this;
    order.sort((a, b) => compare(parents, children, a, parents, children, b));
    const p = new BigUint64Array(n);
    const c = new BigUint64Array(n);
    const t = new Uint8Array(n);
    let m = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k] ?? 0;
      if (m > 0 && p[m - 1] === parents[i] && c[m - 1] === children[i]) continue;
      p[m] = parents[i] ?? 0n;
      c[m] = children[i] ?? 0n;
      t[m++] = this.types[i] ?? 0;
    }
    return new KeyList(p.slice(0, m), c.slice(0, m), t.slice(0, m));
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
  const next = new KeyListBuilder();
  const deleted = new KeyListBuilder();
  const fedHas = TYPES.map((t) => fed[t].walker());
  const liveHas = TYPES.map((t) => live[t]?.walker());
  let j = 0;
  const emitUpTo = (i: number): void => {
    // Emitted keys sorting before given key i (all of them when i is past the end).
    while (j < emitted.length && (i >= given.length || compare(emitted.parents, emitted.children, j, given.parents, given.children, i) < 0)) {
      next.add(emitted.parents[j] ?? 0n, emitted.children[j] ?? 0n, emitted.parentType(j));
      j++;
    }
  };
  for (let i = 0; i < given.length; i++) {
    emitUpTo(i);
    const parent = given.parents[i] ?? 0n;
    const child = given.children[i] ?? 0n;
    const type = given.types[i] ?? 0;
    if (j < emitted.length && compare(emitted.parents, emitted.children, j, given.parents, given.children, i) === 0) {
      next.add(parent, child, given.parentType(i));
      j++;
      continue;
    }
    const reexported = fedHas[type]?.(parent) ?? false;
    const isLive = liveHas[type];
    if (reexported || (isLive !== undefined && !isLive(parent))) deleted.add(parent, child, given.parentType(i));
    else next.add(parent, child, given.parentType(i));
  }
  emitUpTo(given.length);
  return { next: next.build(), deleted: deleted.build() };
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
