// The compact form of sorted deletion keys (given-keys.ts), for the runs a sync collects and for the
// keys its state keeps. Each key is the varint delta of its parent from the previous key's parent, a
// flag byte (bit 0 the parent type, bit 1 "the child is the parent": a task's own key) and, without
// bit 1, the zigzag varint delta of its child from the previous key's child that was written. The
// arithmetic runs on the keys' 32-bit words; BigInt is used only for deltas past 2^52.
import { readVarint, writeVarint } from "./varint.js";

/** Words of one key: the parent's high and low 32 bits, then the child's; comparing them in order compares the keys. */
export const WORDS = 4;
const TWO_32 = 2 ** 32;
/** Deltas with a high word below this are exact as doubles (below 2^52, so a zigzag doubling stays below 2^53). */
const NUMBER_HIGH = 2 ** 20;
const MAX_GID = (1n << 64n) - 1n;

/** The order of key i of `a` and key j of `b`: negative, zero or positive. */
export function compareKeys(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  const x = i * WORDS;
  const y = j * WORDS;
  for (let k = 0; k < WORDS; k++) {
    const d = (a[x + k] ?? 0) - (b[y + k] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The 64-bit value of the two words at `words[at]`. */
export const valueOf = (words: Uint32Array, at: number): bigint => (BigInt(words[at] ?? 0) << 32n) | BigInt(words[at + 1] ?? 0);

function setValue(value: bigint, out: Uint32Array, at: number): void {
  out[at] = Number(value >> 32n);
  out[at + 1] = Number(value & 0xffffffffn);
}

/** Sorted keys walked one at a time. */
export interface KeyCursor {
  /** The current key's WORDS words; valid after `next()` returned true, overwritten by the next call. */
  readonly key: Uint32Array;
  /** The current key's parent type: 0 a task, 1 a message. */
  readonly type: number;
  /** Moves to the next key; false past the last. */
  next(): boolean;
}

/** Writes sorted keys in the compact form. */
export class KeyEncoder {
  private buf = new Uint8Array(1024);
  private at = 0;
  private readonly last = new Uint32Array(WORDS);
  /** Keys written. */
  count = 0;

  /** Appends key `i` of `words` (not before the last one written) with its parent type. */
  write(words: Uint32Array, i: number, type: number): void {
    this.room(24);
    const k = i * WORDS;
    const last = this.last;
    const ph = words[k] ?? 0;
    const pl = words[k + 1] ?? 0;
    const ch = words[k + 2] ?? 0;
    const cl = words[k + 3] ?? 0;
    // The parent delta is never negative: keys come sorted.
    let dh = ph - (last[0] ?? 0);
    let dl = pl - (last[1] ?? 0);
    if (dl < 0) {
      dl += TWO_32;
      dh--;
    }
    if (dh < NUMBER_HIGH) this.unsigned(dh * TWO_32 + dl);
    else this.unsignedBig(valueOf(words, k) - valueOf(last, 0));
    const same = ph === ch && pl === cl;
    this.buf[this.at++] = (type & 1) | (same ? 2 : 0);
    last[0] = ph;
    last[1] = pl;
    this.count++;
    if (same) return;
    const lh = last[2] ?? 0;
    const ll = last[3] ?? 0;
    const negative = ch < lh || (ch === lh && cl < ll);
    let mh = negative ? lh - ch : ch - lh;
    let ml = negative ? ll - cl : cl - ll;
    if (ml < 0) {
      ml += TWO_32;
      mh--;
    }
    if (mh < NUMBER_HIGH) {
      const magnitude = mh * TWO_32 + ml;
      this.unsigned(negative ? magnitude * 2 - 1 : magnitude * 2);
    } else {
      const delta = valueOf(words, k + 2) - valueOf(last, 2);
      this.unsignedBig(delta >= 0n ? delta << 1n : ((-delta) << 1n) - 1n);
    }
    last[2] = ch;
    last[3] = cl;
  }

  /** Bytes written so far (a view: copy it before writing more). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }

  /** Starts over, keeping the room. */
  reset(): void {
    this.at = 0;
    this.count = 0;
    this.last.fill(0);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }

  private unsigned(value: number): void {
    this.at = writeVarint(this.buf, this.at, value);
  }

  private unsignedBig(value: bigint): void {
    let v = value;
    while (v >= 0x80n) {
      this.buf[this.at++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.at++] = Number(v);
  }
}

/** The varint of a key count: the header of a state's keys. */
export function varintBytes(value: number): Uint8Array {
  const out = new Uint8Array(8);
  return out.subarray(0, writeVarint(out, 0, value));
}

/** Reads `count` keys of the compact form from `bytes[start, end)`; `check`: refuse keys out of order. */
export class KeyDecoder implements KeyCursor {
  readonly key = new Uint32Array(WORDS);
  type = 0;
  /** The last child written (the base of the next child delta). */
  private readonly child = new Uint32Array(2);
  private readonly previous: Uint32Array | undefined;
  private at: number;
  private read = 0;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
    private readonly count: number,
    check: boolean,
  ) {
    this.at = start;
    this.previous = check ? new Uint32Array(WORDS) : undefined;
  }

  /** Whether every byte was read (after the last key). */
  get done(): boolean {
    return this.at === this.end;
  }

  next(): boolean {
    if (this.read === this.count) return false;
    const key = this.key;
    const index = this.read;
    this.previous?.set(key);
    const d = this.unsigned();
    if (typeof d === "number") {
      if (!addToWords(key, d)) throw new Error(`key ${index} is out of range`);
    } else {
      const parent = valueOf(key, 0) + d;
      if (parent > MAX_GID) throw new Error(`key ${index} is out of range`);
      setValue(parent, key, 0);
    }
    const flags = this.byte();
    if (flags > 3) throw new Error(`flags ${flags} at key ${index}`);
    this.type = flags & 1;
    if ((flags & 2) !== 0) {
      key[2] = key[0] ?? 0;
      key[3] = key[1] ?? 0;
    } else {
      this.readChild(index);
      key[2] = this.child[0] ?? 0;
      key[3] = this.child[1] ?? 0;
    }
    this.read++;
    if (this.previous !== undefined && index > 0 && compareKeys(this.previous, 0, key, 0) >= 0) throw new Error(`keys out of order at ${index}`);
    return true;
  }

  private readChild(index: number): void {
    const z = this.unsigned();
    const child = this.child;
    if (typeof z !== "number") {
      const delta = (z & 1n) === 0n ? z >> 1n : -((z + 1n) >> 1n);
      const value = valueOf(child, 0) + delta;
      if (value < 0n || value > MAX_GID) throw new Error(`key ${index} is out of range`);
      setValue(value, child, 0);
      return;
    }
    const negative = z % 2 === 1;
    if (!addToWords(child, negative ? -(z + 1) / 2 : z / 2)) throw new Error(`key ${index} is out of range`);
  }

  private byte(): number {
    if (this.at >= this.end) throw new Error("the keys end early");
    return this.bytes[this.at++] ?? 0;
  }

  /** A varint: a number when it holds at most 49 bits, else a bigint. */
  private unsigned(): number | bigint {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
    let big = BigInt(value);
    let shift = 49n;
    for (;;) {
      const b = this.byte();
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return big;
      shift += 7n;
      if (shift > 70n) throw new Error("a varint is too long");
    }
  }
}

/**
 * Adds `delta` (an integer of magnitude below 2^53) to the 64-bit value in `words[0..1]`; false
 * (nothing changed) when the sum leaves [0, 2^64).
 */
function addToWords(words: Uint32Array, delta: number): boolean {
  const magnitude = Math.abs(delta);
  const mh = Math.floor(magnitude / TWO_32);
  const ml = magnitude - mh * TWO_32;
  const sign = delta < 0 ? -1 : 1;
  let h = (words[0] ?? 0) + sign * mh;
  let l = (words[1] ?? 0) + sign * ml;
  if (l < 0) {
    l += TWO_32;
    h--;
  } else if (l >= TWO_32) {
    l -= TWO_32;
    h++;
  }
  if (h < 0 || h >= TWO_32) return false;
  words[0] = h;
  words[1] = l;
  return true;
}

/** Reads the varint count (a state's header) at `bytes[0]`: the count and the bytes it took. */
export function readCount(bytes: Uint8Array): { count: number; length: number } {
  const reader = { at: 0 };
  const count = readVarint(bytes, reader);
  return { count, length: reader.at };
}
