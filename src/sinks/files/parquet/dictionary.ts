// A column chunk's dictionary: distinct values in PLAIN layout (which is the dictionary page's body)
// and an open-addressing hash table over their bytes, so pages are encoded as indices without a JS
// Map or a string per value. Fixed-width values hash their 4 or 8 bytes; byte arrays hash their
// length, head and tail (long texts are not hashed whole: equal ones still compare whole). Its
// buffers come from the thread's pool and go back to it when the chunk is done with it.
import type { BufferPool } from "./buffer-pool.js";
import { ByteBuffer } from "./bytes.js";

/** Bytes of a byte-array value hashed from each end. */
const HASHED_BYTES = 32;

function u32At(buf: Uint8Array, at: number): number {
  return ((buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16) | ((buf[at + 3] as number) << 24)) >>> 0;
}

function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 0x01000193);
}

function hashBytes(buf: Uint8Array, start: number, length: number): number {
  let h = mix(0x811c9dc5, length);
  if (length <= 2 * HASHED_BYTES) {
    for (let i = start; i < start + length; i++) h = mix(h, buf[i] as number);
  } else {
    for (let i = start; i < start + HASHED_BYTES; i++) h = mix(h, buf[i] as number);
    for (let i = start + length - HASHED_BYTES; i < start + length; i++) h = mix(h, buf[i] as number);
  }
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

/** Distinct values of one column chunk, each with its index. */
export class Dictionary {
  /** The entries, PLAIN-encoded: the dictionary page's body. */
  readonly values: ByteBuffer;
  size = 0;
  private tableBytes: Uint8Array<ArrayBuffer>;
  private table: Int32Array;
  /** For byte arrays: where each entry starts in `values`. */
  private offsetBytes: Uint8Array<ArrayBuffer>;
  private offsets: Int32Array;

  /** `width`: bytes of a fixed-width value (4 or 8), or 0 for byte arrays. */
  constructor(
    private readonly width: number,
    private readonly pool: BufferPool,
  ) {
    this.values = new ByteBuffer(1024, pool);
    this.tableBytes = pool.take(1024).fill(0);
    this.table = new Int32Array(this.tableBytes.buffer, this.tableBytes.byteOffset, 256);
    this.offsetBytes = pool.take(1024);
    this.offsets = new Int32Array(this.offsetBytes.buffer, this.offsetBytes.byteOffset, this.offsetBytes.length >> 2);
  }

  /** Bytes of memory it holds (entries, hash table, offsets). */
  get memory(): number {
    return this.values.buf.length + this.tableBytes.length + this.offsetBytes.length;
  }

  /** Look up (or add) each of the `count` PLAIN values in `page[0, length)`, writing their indices to `indices`. */
  encode(page: Uint8Array, length: number, count: number, indices: Int32Array): void {
    if (this.width === 0) this.encodeBytes(page, length, indices);
    else this.encodeFixed(page, count, indices);
  }

  /** Append entry `k`, PLAIN-encoded, to `out`. */
  appendEntry(out: ByteBuffer, k: number): void {
    const stored = this.values.buf;
    if (this.width === 0) {
      const at = this.offsets[k] as number;
      out.appendRange(stored, at, at + 4 + u32At(stored, at));
    } else {
      out.appendRange(stored, k * this.width, (k + 1) * this.width);
    }
  }

  private encodeFixed(page: Uint8Array, count: number, indices: Int32Array): void {
    const words = this.width >> 2;
    const view = new Int32Array(page.buffer, page.byteOffset, count * words);
    for (let k = 0; k < count; k++) {
      const a = view[k * words] as number;
      const b = words === 2 ? (view[k * words + 1] as number) : 0;
      let h = mix(mix(0x811c9dc5, a), b);
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d) >>> 0;
      const mask = this.table.length - 1;
      let slot = h & mask;
      let found = -1;
      for (;;) {
        const entry = this.table[slot] as number;
        if (entry === 0) break;
        const at = (entry - 1) * this.width;
        const stored = this.values.buf;
        if (u32At(stored, at) === a >>> 0 && (words === 1 || u32At(stored, at + 4) === b >>> 0)) {
          found = entry - 1;
          break;
        }
        slot = (slot + 1) & mask;
      }
      if (found < 0) {
        found = this.size++;
        this.table[slot] = found + 1;
        this.values.appendRange(page, k * this.width, (k + 1) * this.width);
        if (this.size * 2 > this.table.length) this.rehash();
      }
      indices[k] = found;
    }
  }

  private encodeBytes(page: Uint8Array, length: number, indices: Int32Array): void {
    let k = 0;
    for (let at = 0; at < length; k++) {
      const len = u32At(page, at);
      const start = at + 4;
      const mask = this.table.length - 1;
      let slot = hashBytes(page, start, len) & mask;
      let found = -1;
      for (;;) {
        const entry = this.table[slot] as number;
        if (entry === 0) break;
        const offset = this.offsets[entry - 1] as number;
        const stored = this.values.buf;
        if (u32At(stored, offset) === len) {
          let i = 0;
          while (i < len && stored[offset + 4 + i] === page[start + i]) i++;
          if (i === len) {
            found = entry - 1;
            break;
          }
        }
        slot = (slot + 1) & mask;
      }
      if (found < 0) {
        found = this.size++;
        if (found === this.offsets.length) this.growOffsets();
        this.offsets[found] = this.values.length;
        this.table[slot] = found + 1;
        this.values.appendRange(page, at, start + len);
        if (this.size * 2 > this.table.length) this.rehash();
      }
      indices[k] = found;
      at = start + len;
    }
  }

  private growOffsets(): void {
    const grown = this.pool.take(this.offsetBytes.length * 2);
    grown.set(this.offsetBytes);
    this.pool.give(this.offsetBytes);
    this.offsetBytes = grown;
    this.offsets = new Int32Array(grown.buffer, grown.byteOffset, grown.length >> 2);
  }

  private rehash(): void {
    const bytes = this.pool.take(this.tableBytes.length * 2).fill(0);
    const table = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
    const mask = table.length - 1;
    const stored = this.values.buf;
    for (let e = 0; e < this.size; e++) {
      let h: number;
      if (this.width === 0) {
        const offset = this.offsets[e] as number;
        h = hashBytes(stored, offset + 4, u32At(stored, offset));
      } else {
        const at = e * this.width;
        h = mix(mix(0x811c9dc5, u32At(stored, at) | 0), this.width === 8 ? u32At(stored, at + 4) | 0 : 0);
        h ^= h >>> 15;
        h = Math.imul(h, 0x2c1b3c6d) >>> 0;
      }
      let slot = h & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = e + 1;
    }
    this.pool.give(this.tableBytes);
    this.tableBytes = bytes;
    this.table = table;
  }

  /** Give its buffers back to the pool (it is not used again). */
  release(): void {
    this.values.dispose();
    this.pool.give(this.tableBytes);
    this.pool.give(this.offsetBytes);
  }
}
