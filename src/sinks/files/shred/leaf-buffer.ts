// One leaf column's shredded entries for the batch being built: levels in byte arrays, defined
// values already in Parquet's PLAIN layout (little-endian numbers, length-prefixed byte arrays), so
// the encoder copies them into pages without converting anything. A batch crosses to the encoding
// thread packed into one buffer (packed-batch.ts).
import { endianness } from "node:os";
import { unescapeInto } from "../../../core/json-bytes.js";

// PLAIN is little-endian; the typed-array views below write in the host's order.
if (endianness() !== "LE") throw new Error("the Parquet writer needs a little-endian host");

/** How a leaf's defined values are laid out. */
export type ValueLayout = "bytes" | "int32" | "int64" | "double" | "boolean";

/** What one leaf hands to the encoder for a batch. */
export interface LeafBatch {
  /** Entries (levels). */
  n: number;
  def: Uint8Array;
  /** Empty when the leaf has no repetition. */
  rep: Uint8Array;
  /** Defined values, PLAIN-encoded (booleans one byte each, bit-packed by the encoder), 8-byte aligned. */
  values: Uint8Array;
  valueBytes: number;
  valueCount: number;
}

/** One batch of rows, shredded: a LeafBatch per leaf column, in schema order. */
export interface ShreddedBatch {
  rows: number;
  leaves: LeafBatch[];
}

const MIN_LEVELS = 256;
const MIN_VALUE_BYTES = 256;

/** Entries of one leaf column; grows as the batch fills. */
export class LeafBuffer {
  def: Uint8Array;
  rep: Uint8Array;
  n = 0;
  data: Uint8Array;
  len = 0;
  count = 0;
  i32: Int32Array;
  f64: Float64Array;

  constructor(
    readonly maxDef: number,
    readonly maxRep: number,
    readonly layout: ValueLayout,
  ) {
    this.def = new Uint8Array(MIN_LEVELS);
    this.rep = new Uint8Array(maxRep > 0 ? MIN_LEVELS : 0);
    this.data = new Uint8Array(MIN_VALUE_BYTES);
    this.i32 = new Int32Array(this.data.buffer);
    this.f64 = new Float64Array(this.data.buffer);
  }

  /** One entry's levels. */
  level(rep: number, def: number): void {
    const n = this.n;
    if (n === this.def.length) this.growLevels();
    this.def[n] = def;
    if (this.maxRep > 0) this.rep[n] = rep;
    this.n = n + 1;
  }

  private growLevels(): void {
    const def = new Uint8Array(this.def.length * 2);
    def.set(this.def);
    this.def = def;
    if (this.maxRep > 0) {
      const rep = new Uint8Array(this.rep.length * 2);
      rep.set(this.rep);
      this.rep = rep;
    }
  }

  /** Room for `n` more value bytes. */
  reserve(n: number): void {
    if (this.len + n <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < this.len + n) size *= 2;
    const data = new Uint8Array(size);
    data.set(this.data.subarray(0, this.len));
    this.setData(data);
  }

  /**
   * A byte-array value from a JSON string's content at `src[start...]`, copied while it is scanned:
   * returns the index of the closing quote, or -1 (nothing kept) when a backslash or `end` comes first.
   */
  stringValue(src: Uint8Array, start: number, end: number): number {
    // Find the closing quote first (a tight loop without stores), then copy: long texts in one set().
    let i = start;
    while (i < end) {
      const b = src[i] as number;
      if (b === 0x22 || b === 0x5c) break;
      i++;
    }
    if (i >= end || src[i] === 0x5c) return -1;
    const length = i - start;
    this.reserve(length + 4);
    const data = this.data;
    const at = this.len;
    data[at] = length & 0xff;
    data[at + 1] = (length >>> 8) & 0xff;
    data[at + 2] = (length >>> 16) & 0xff;
    data[at + 3] = (length >>> 24) & 0xff;
    if (length <= 32) for (let k = 0; k < length; k++) data[at + 4 + k] = src[start + k] as number;
    else data.set(src.subarray(start, i), at + 4);
    this.len = at + 4 + length;
    this.count++;
    return i;
  }

  private setData(data: Uint8Array<ArrayBuffer>): void {
    this.data = data;
    this.i32 = new Int32Array(data.buffer);
    this.f64 = new Float64Array(data.buffer);
  }

  /** A byte-array value: its length, then `src[start, end)`. */
  bytes(src: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.reserve(length + 4);
    this.lengthAt(this.len, length);
    const at = this.len + 4;
    if (length <= 64) {
      const data = this.data;
      for (let i = 0; i < length; i++) data[at + i] = src[start + i] as number;
    } else {
      this.data.set(src.subarray(start, end), at);
    }
    this.len = at + length;
    this.count++;
  }

  /**
   * A byte-array value from a JSON string's escaped content `src[start, end)`, decoded to UTF-8;
   * false (nothing written) when it holds a lone surrogate.
   */
  unescaped(src: Uint8Array, start: number, end: number): boolean {
    this.reserve(end - start + 4);
    const at = this.len + 4;
    const stop = unescapeInto(src, start, end, this.data, at);
    if (stop < 0) return false;
    this.lengthAt(this.len, stop - at);
    this.len = stop;
    this.count++;
    return true;
  }

  /** Write a byte-array length prefix at `at`. */
  lengthAt(at: number, length: number): void {
    const data = this.data;
    data[at] = length & 0xff;
    data[at + 1] = (length >>> 8) & 0xff;
    data[at + 2] = (length >>> 16) & 0xff;
    data[at + 3] = (length >>> 24) & 0xff;
  }

  int32(value: number): void {
    this.reserve(4);
    this.i32[this.len >> 2] = value;
    this.len += 4;
    this.count++;
  }

  /** An INT64 from a JS integer of magnitude below 2^53. */
  int64(value: number): void {
    const hi = Math.floor(value / 4294967296);
    this.int64Parts(value - hi * 4294967296, hi);
  }

  /** An INT64 from its low (unsigned) and high (signed) 32 bits. */
  int64Parts(lo: number, hi: number): void {
    this.reserve(8);
    const k = this.len >> 2;
    this.i32[k] = lo | 0;
    this.i32[k + 1] = hi | 0;
    this.len += 8;
    this.count++;
  }

  double(value: number): void {
    this.reserve(8);
    this.f64[this.len >> 3] = value;
    this.len += 8;
    this.count++;
  }

  boolean(value: boolean): void {
    this.reserve(1);
    this.data[this.len++] = value ? 1 : 0;
    this.count++;
  }

  /** Forget the batch's entries (they were packed), keeping the buffers. */
  clear(): void {
    this.n = 0;
    this.len = 0;
    this.count = 0;
  }

  /**
   * Drop the entries of a row shredded only in part (a line rejected halfway), if this leaf got
   * any: keep those of the first `rows` rows. A row's first entry in every leaf has repetition 0
   * and a row's values are written with their levels, so the row's entries are the ones from the
   * leaf's last entry at repetition 0 on, if the leaf has more than `rows` of them.
   */
  dropPartialRow(rows: number): void {
    let starts = this.n;
    let last = this.n - 1;
    if (this.maxRep > 0) {
      starts = 0;
      for (let i = 0; i < this.n; i++) {
        if (this.rep[i] === 0) {
          starts++;
          last = i;
        }
      }
    }
    if (starts <= rows) return;
    let defined = 0;
    for (let i = last; i < this.n; i++) if (this.def[i] === this.maxDef) defined++;
    this.n = last;
    this.count -= defined;
    this.len = this.valueBytes(this.count);
  }

  /** Bytes of the first `count` values. */
  private valueBytes(count: number): number {
    switch (this.layout) {
      case "boolean":
        return count;
      case "int32":
        return count * 4;
      case "int64":
      case "double":
        return count * 8;
      case "bytes": {
        let at = 0;
        const data = this.data;
        for (let k = 0; k < count; k++) at += 4 + ((data[at] as number) | ((data[at + 1] as number) << 8) | ((data[at + 2] as number) << 16) | ((data[at + 3] as number) << 24));
        return at;
      }
    }
  }
}
