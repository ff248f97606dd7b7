// Column-chunk statistics for every leaf, nested ones included: null count, and min/max in the
// type's order (signed numbers, unsigned bytes for strings), so engines skip row groups on filters.
// Values are folded in from PLAIN-encoded buffers: a plain page's values, or a dictionary's entries
// (every value of a dictionary-encoded page is one of them).
import { PhysicalType, type Statistics } from "./format.js";

/** String bounds are cut to this many bytes (an upper bound is then rounded up, so it stays an upper bound). */
export const STATISTICS_MAX_BYTES = 64;

function compareBytes(a: Uint8Array, aStart: number, aLen: number, b: Uint8Array, bStart: number, bLen: number): number {
  const n = Math.min(aLen, bLen);
  for (let i = 0; i < n; i++) {
    const d = (a[aStart + i] as number) - (b[bStart + i] as number);
    if (d !== 0) return d;
  }
  return aLen - bLen;
}

function u32At(buf: Uint8Array, at: number): number {
  return ((buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16) | ((buf[at + 3] as number) << 24)) >>> 0;
}

/** The longest prefix of at most `max` bytes that does not split a UTF-8 sequence. */
function prefixLength(bytes: Uint8Array, max: number): number {
  if (bytes.length <= max) return bytes.length;
  let n = max;
  while (n > 0 && ((bytes[n] as number) & 0xc0) === 0x80) n--;
  return n;
}

/** A truncated upper bound: the prefix with its last ASCII byte below 0x7f incremented (still valid UTF-8), or none. */
function upperBound(bytes: Uint8Array, length: number): Uint8Array | undefined {
  for (let n = length; n > 0; n--) {
    const last = bytes[n - 1] as number;
    if (last < 0x7f) {
      const bound = bytes.slice(0, n);
      bound[n - 1] = last + 1;
      return bound;
    }
  }
  return undefined;
}

const scratch = new DataView(new ArrayBuffer(8));

function int32Bytes(v: number): Uint8Array {
  scratch.setInt32(0, v, true);
  return new Uint8Array(scratch.buffer.slice(0, 4));
}

/** Min, max and nulls of one column chunk, as values arrive. */
export class ChunkStatistics {
  nulls = 0;
  private any = false;
  // Numbers (INT32, DOUBLE) and INT64 halves.
  private min = 0;
  private max = 0;
  private minHi = 0;
  private minLo = 0;
  private maxHi = 0;
  private maxLo = 0;
  private sawTrue = false;
  private sawFalse = false;
  private minBytes: Uint8Array | undefined;
  private maxBytes: Uint8Array | undefined;

  constructor(private readonly type: PhysicalType) {}

  /** Fold in `count` PLAIN values held in `values[0, length)` (booleans one byte each). */
  add(values: Uint8Array, length: number, count: number): void {
    if (count === 0) return;
    switch (this.type) {
      case PhysicalType.BYTE_ARRAY:
        return this.addBytes(values, length);
      case PhysicalType.BOOLEAN:
        for (let i = 0; i < count; i++) {
          if (values[i] === 1) this.sawTrue = true;
          else this.sawFalse = true;
        }
        this.any = true;
        return;
      case PhysicalType.INT32:
        return this.addNumbers(new Int32Array(values.buffer, values.byteOffset, count));
      case PhysicalType.DOUBLE:
        return this.addNumbers(new Float64Array(values.buffer, values.byteOffset, count));
      case PhysicalType.INT64: {
        const view = new Int32Array(values.buffer, values.byteOffset, count * 2);
        if (!this.any) {
          this.minLo = this.maxLo = (view[0] as number) >>> 0;
          this.minHi = this.maxHi = view[1] as number;
          this.any = true;
        }
        for (let i = 0; i < count * 2; i += 2) {
          const lo = (view[i] as number) >>> 0;
          const hi = view[i + 1] as number;
          if (hi < this.minHi || (hi === this.minHi && lo < this.minLo)) {
            this.minHi = hi;
            this.minLo = lo;
          }
          if (hi > this.maxHi || (hi === this.maxHi && lo > this.maxLo)) {
            this.maxHi = hi;
            this.maxLo = lo;
          }
        }
        return;
      }
    }
  }

  private addNumbers(view: Int32Array | Float64Array): void {
    let min = this.any ? this.min : (view[0] as number);
    let max = this.any ? this.max : min;
    for (let i = 0; i < view.length; i++) {
      const v = view[i] as number;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    this.min = min;
    this.max = max;
    this.any = true;
  }

  private addBytes(values: Uint8Array, length: number): void {
    // The page's own bounds first (positions in `values`), then one copy of each into the chunk's.
    let at = 0;
    let minAt = 4;
    let minLen = u32At(values, 0);
    let maxAt = minAt;
    let maxLen = minLen;
    while (at < length) {
      const len = u32At(values, at);
      const start = at + 4;
      if (compareBytes(values, start, len, values, minAt, minLen) < 0) {
        minAt = start;
        minLen = len;
      }
      if (compareBytes(values, start, len, values, maxAt, maxLen) > 0) {
        maxAt = start;
        maxLen = len;
      }
      at = start + len;
    }
    if (this.minBytes === undefined || compareBytes(values, minAt, minLen, this.minBytes, 0, this.minBytes.length) < 0) {
      this.minBytes = values.slice(minAt, minAt + minLen);
    }
    if (this.maxBytes === undefined || compareBytes(values, maxAt, maxLen, this.maxBytes, 0, this.maxBytes.length) > 0) {
      this.maxBytes = values.slice(maxAt, maxAt + maxLen);
    }
    this.any = true;
  }

  /** The chunk's statistics. */
  result(): Statistics {
    if (!this.any) return { nullCount: this.nulls };
    switch (this.type) {
      case PhysicalType.BYTE_ARRAY: {
        const min = this.minBytes as Uint8Array;
        const max = this.maxBytes as Uint8Array;
        const minLength = prefixLength(min, STATISTICS_MAX_BYTES);
        const stats: Statistics = { nullCount: this.nulls, min: min.slice(0, minLength), minExact: minLength === min.length };
        if (max.length <= STATISTICS_MAX_BYTES) return { ...stats, max, maxExact: true };
        const bound = upperBound(max, prefixLength(max, STATISTICS_MAX_BYTES));
        return bound === undefined ? stats : { ...stats, max: bound, maxExact: false };
      }
      case PhysicalType.BOOLEAN:
        return { nullCount: this.nulls, min: Uint8Array.of(this.sawFalse ? 0 : 1), max: Uint8Array.of(this.sawTrue ? 1 : 0) };
      case PhysicalType.INT32:
        return { nullCount: this.nulls, min: int32Bytes(this.min), max: int32Bytes(this.max) };
      case PhysicalType.DOUBLE: {
        // Parquet's rule for signed zeros: a zero minimum is written -0.0, a zero maximum +0.0.
        const min = new Uint8Array(8);
        new DataView(min.buffer).setFloat64(0, this.min === 0 ? -0 : this.min, true);
        const max = new Uint8Array(8);
        new DataView(max.buffer).setFloat64(0, this.max === 0 ? 0 : this.max, true);
        return { nullCount: this.nulls, min, max };
      }
      case PhysicalType.INT64: {
        const min = new Uint8Array(8);
        const minView = new DataView(min.buffer);
        minView.setUint32(0, this.minLo, true);
        minView.setInt32(4, this.minHi, true);
        const max = new Uint8Array(8);
        const maxView = new DataView(max.buffer);
        maxView.setUint32(0, this.maxLo, true);
        maxView.setInt32(4, this.maxHi, true);
        return { nullCount: this.nulls, min, max };
      }
    }
  }
}
