// A growable byte buffer: what the encoders append pages, levels and metadata to.
import type { BufferPool } from "./buffer-pool.js";

/**
 * Append-only bytes with amortised growth; `bytes()` is a view of what was written. With a pool,
 * its buffers come from the pool and go back to it as it grows and when it is released.
 */
export class ByteBuffer {
  buf: Uint8Array<ArrayBuffer>;
  length = 0;

  constructor(
    capacity = 1024,
    private readonly pool?: BufferPool,
  ) {
    this.buf = pool === undefined ? new Uint8Array(capacity) : pool.take(capacity);
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const bigger = this.pool === undefined ? new Uint8Array(size) : this.pool.take(size);
    bigger.set(this.buf.subarray(0, this.length));
    this.pool?.give(this.buf);
    this.buf = bigger;
  }

  /** Give the buffer back to the pool, if any; the ByteBuffer is not used again. */
  dispose(): void {
    this.pool?.give(this.buf);
    this.buf = new Uint8Array(0);
    this.length = 0;
  }

  /** Empty, and shrunk back to `capacity` bytes if it grew past that (the big buffer goes back to the pool). */
  release(capacity: number): void {
    this.length = 0;
    if (this.buf.length <= capacity) return;
    if (this.pool === undefined) {
      this.buf = new Uint8Array(capacity);
      return;
    }
    this.pool.give(this.buf);
    this.buf = this.pool.take(capacity);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  append(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Append `src[start, end)` (short ranges copied by hand: no view object for a few bytes). */
  appendRange(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    const buf = this.buf;
    const at = this.length;
    if (n <= 64) for (let i = 0; i < n; i++) buf[at + i] = src[start + i] as number;
    else buf.set(src.subarray(start, end), at);
    this.length = at + n;
  }

  u32le(n: number): void {
    this.ensure(4);
    const b = this.buf;
    const at = this.length;
    b[at] = n & 0xff;
    b[at + 1] = (n >>> 8) & 0xff;
    b[at + 2] = (n >>> 16) & 0xff;
    b[at + 3] = (n >>> 24) & 0xff;
    this.length += 4;
  }

  /** An unsigned LEB128 varint of a non-negative integer up to 2^53. */
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.length++] = n;
  }

  /** A view of the bytes written so far (invalidated by the next write that grows the buffer). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of the bytes written, sized exactly. */
  copy(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }
}
