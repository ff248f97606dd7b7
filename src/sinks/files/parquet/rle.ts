// Parquet's RLE / bit-packing hybrid, written as entries arrive, so a column's waiting page holds
// its levels and dictionary indices encoded (a few bits an entry, often nothing for long runs)
// rather than a byte or four per entry.
// - Levels (HybridEncoder): runs of eight or more equal levels become RLE runs; everything between
//   them is bit-packed, in runs of a multiple of 32 values (completed from the next run's values;
//   the page's last run padded with zeros: its value count says where it ends).
// - Dictionary indices (BitPacker): bit-packed whole (scanning indices for repeats cost more than
//   the few bytes it saved once pages are compressed). The width grows with the dictionary: the
//   indices packed so far are packed again at the new width, which happens at most once per
//   doubling of the dictionary. Booleans: bit-packed the same way, as PLAIN has them.
// - Bit-packed runs hold at most 256 values (BIT_PACKED_RUN). Readers unpack 32 values at a time
//   only from the start of a run (DuckDB; arrow's unpack32 likewise works in blocks of 32) and go
//   value by value once a read ends mid-block, until the next run: a page of one long run, read
//   2,048 entries at a time, was decoded almost all value by value (DuckDB spent 7x the time on
//   the dictionary indices of `assignee.gid`, measured with perf). DuckDB's own writer packs 256.
import type { BufferPool } from "./buffer-pool.js";
import { ByteBuffer } from "./bytes.js";

/** Bits needed to hold values up to `max` (0 for 0). */
export function bitWidth(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

/** Values of a bit-packed run at most: a multiple of 32 (readers' unpacking blocks), its header one byte. */
export const BIT_PACKED_RUN = 256;
/** Bit-packed runs of levels hold a multiple of this many values (the last one of a page aside). */
const LEVEL_BLOCK = 32;
/** Pending literals of a HybridEncoder. */
const LITERALS = BIT_PACKED_RUN;

/** Encodes a stream of small values (levels, up to 8 bits) as the hybrid, as they arrive. */
export class HybridEncoder {
  /** The runs encoded so far. */
  readonly out: ByteBuffer;
  private readonly literals = new Uint8Array(LITERALS);
  private literalCount = 0;
  /** The trailing run of equal values, not yet encoded. */
  private runValue = -1;
  private runLength = 0;

  constructor(
    readonly width: number,
    pool: BufferPool,
  ) {
    this.out = new ByteBuffer(1024, pool);
  }

  /** Bytes the values so far take, about (what is still pending counted at its bit-packed size). */
  get bytes(): number {
    return this.out.length + (((this.literalCount + Math.min(this.runLength, 8)) * this.width + 7) >> 3) + 2;
  }

  /** Encode `values[start, end)`. */
  add(values: Uint8Array, start: number, end: number): void {
    const literals = this.literals;
    let value = this.runValue;
    let run = this.runLength;
    let count = this.literalCount;
    for (let i = start; i < end; i++) {
      const v = values[i] as number;
      if (v === value) {
        run++;
        continue;
      }
      if (run >= 8) {
        this.literalCount = count;
        this.longRun(value, run);
        count = this.literalCount;
      } else {
        // A short run: its values join the literals (the common case where levels change often).
        for (let k = 0; k < run; k++) {
          literals[count++] = value;
          if (count === LITERALS) {
            this.literalCount = count;
            this.packLiterals(LITERALS);
            count = 0;
          }
        }
      }
      value = v;
      run = 1;
    }
    this.literalCount = count;
    this.runValue = value;
    this.runLength = run;
  }

  /** A run of eight or more: the literals before it completed to a block of 32 from it, then an RLE run (or literals, if too little is left). */
  private longRun(value: number, run: number): void {
    if (this.literalCount > 0) {
      const pad = Math.min(run, (LEVEL_BLOCK - (this.literalCount % LEVEL_BLOCK)) % LEVEL_BLOCK);
      this.literals.fill(value, this.literalCount, this.literalCount + pad);
      this.literalCount += pad;
      run -= pad;
      // A run too short to complete the block: its values stay among the literals.
      if (this.literalCount % LEVEL_BLOCK !== 0) return;
      this.packLiterals(this.literalCount);
    }
    if (run >= 8) {
      this.out.varint(run * 2);
      const bytes = (this.width + 7) >> 3;
      for (let b = 0; b < bytes; b++) this.out.byte((value >>> (8 * b)) & 0xff);
      return;
    }
    this.shortRun(value, run);
  }

  private shortRun(value: number, run: number): void {
    while (run > 0) {
      const n = Math.min(LITERALS - this.literalCount, run);
      this.literals.fill(value, this.literalCount, this.literalCount + n);
      this.literalCount += n;
      run -= n;
      if (this.literalCount === LITERALS) this.packLiterals(LITERALS);
    }
  }

  /** Bit-pack the first `count` literals (a multiple of eight; entries past the pending ones are zeros). */
  private packLiterals(count: number): void {
    const out = this.out;
    out.varint((count / 8) * 2 + 1);
    out.ensure((count * this.width) / 8);
    const buf = out.buf;
    const literals = this.literals;
    const width = this.width;
    const pending = this.literalCount;
    literals.fill(0, pending, count);
    let at = out.length;
    let acc = 0;
    let bits = 0;
    for (let i = 0; i < count; i++) {
      acc |= (literals[i] as number) << bits;
      bits += width;
      while (bits >= 8) {
        buf[at++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    out.length = at;
    this.literalCount = 0;
  }

  /** Append the encoding of every value so far to `target` and start again (keeping `retain` bytes of buffer). */
  finishInto(target: ByteBuffer, retain: number): void {
    if (this.runLength >= 8) this.longRun(this.runValue, this.runLength);
    else if (this.runLength > 0) this.shortRun(this.runValue, this.runLength);
    if (this.literalCount > 0) this.packLiterals(Math.ceil(this.literalCount / 8) * 8);
    target.append(this.out.bytes());
    this.out.release(retain);
    this.runValue = -1;
    this.runLength = 0;
  }
}

/** Values bit-packed at a width that can grow (dictionary indices), or at one bit (booleans). */
export class BitPacker {
  private buffer: Uint8Array<ArrayBuffer>;
  private words: Uint32Array;
  private bits = 0;
  /** Values packed. */
  count = 0;
  /** Bits per value. */
  width = 1;

  constructor(private readonly pool: BufferPool) {
    this.buffer = pool.take(1024);
    this.words = new Uint32Array(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length >> 2);
  }

  /** Bytes of the packed values. */
  get bytes(): number {
    return (this.bits + 7) >> 3;
  }

  /** Room for `n` more values at `width` bits (one spare word: a value may spill into the next). */
  private ensure(n: number, width: number): void {
    const need = (((this.bits + n * width + 31) >>> 5) + 1) * 4;
    if (need <= this.buffer.length) return;
    const grown = this.pool.take(Math.max(need, this.buffer.length * 2));
    // Whole words: the last one's free bits must stay zero for the next value's OR.
    grown.set(this.buffer.subarray(0, ((this.bits + 31) >>> 5) * 4));
    this.replace(grown);
  }

  private replace(buffer: Uint8Array<ArrayBuffer>): void {
    this.pool.give(this.buffer);
    this.buffer = buffer;
    this.words = new Uint32Array(buffer.buffer, buffer.byteOffset, buffer.length >> 2);
  }

  /** Append `indices[0, n)`, each below 2^width; packs what is there again if `width` grew. */
  appendIndices(indices: Int32Array, n: number, width: number): void {
    if (width > this.width) this.widen(width);
    this.ensure(n, this.width);
    const words = this.words;
    const w = this.width;
    let bits = this.bits;
    for (let k = 0; k < n; k++) {
      const v = indices[k] as number;
      const i = bits >>> 5;
      const off = bits & 31;
      if (off === 0) words[i] = v;
      else {
        words[i] = (words[i] as number) | (v << off);
        if (off + w > 32) words[i + 1] = v >>> (32 - off);
      }
      bits += w;
    }
    this.bits = bits;
    this.count += n;
  }

  /** Append `n` booleans given one byte each (1 true, 0 false), at one bit each. */
  appendBooleans(values: Uint8Array, n: number): void {
    this.ensure(n, 1);
    const words = this.words;
    let bits = this.bits;
    for (let k = 0; k < n; k++) {
      const i = bits >>> 5;
      const off = bits & 31;
      const v = values[k] as number;
      if (off === 0) words[i] = v;
      else words[i] = (words[i] as number) | (v << off);
      bits++;
    }
    this.bits = bits;
    this.count += n;
  }

  /**
   * Move the first values to `target`, in whole blocks of `unit` values (a multiple of 32, so the
   * blocks are whole words), and keep the rest: as bit-packed runs of BIT_PACKED_RUN values with
   * their headers (`runs`, unit BIT_PACKED_RUN: dictionary indices), or as they are (booleans).
   * Returns how many values moved.
   */
  takeBlocks(target: ByteBuffer, unit: number, runs: boolean): number {
    const blocks = Math.floor(this.count / unit);
    if (blocks === 0) return 0;
    const blockBytes = (unit / 8) * this.width;
    for (let b = 0; b < blocks; b++) {
      if (runs) target.varint((unit / 8) * 2 + 1);
      target.append(this.buffer.subarray(b * blockBytes, (b + 1) * blockBytes));
    }
    const movedWords = (blocks * blockBytes) >> 2;
    // The rest to the front, with the word that holds the next free bit (its free bits are zeros).
    this.words.copyWithin(0, movedWords, (this.bits >>> 5) + 1);
    const moved = blocks * unit;
    this.bits -= moved * this.width;
    this.count -= moved;
    return moved;
  }

  /** The value at position `k`. */
  get(k: number): number {
    return readPacked(this.words, k, this.width);
  }

  /** Pack what is there again at a larger width. */
  private widen(width: number): void {
    const old = this.width;
    this.width = width;
    if (this.count === 0) return;
    const count = this.count;
    const from = this.words;
    const next = this.pool.take((((count * width + 31) >>> 5) + 1) * 4);
    const to = new Uint32Array(next.buffer, next.byteOffset, next.length >> 2);
    let bits = 0;
    for (let k = 0; k < count; k++) {
      const v = readPacked(from, k, old);
      const j = bits >>> 5;
      const o = bits & 31;
      if (o === 0) to[j] = v;
      else {
        to[j] = (to[j] as number) | (v << o);
        if (o + width > 32) to[j + 1] = v >>> (32 - o);
      }
      bits += width;
    }
    this.bits = bits;
    this.replace(next);
  }

  /**
   * Append the packed values to `out` as the hybrid's bit-packed runs, each with its header: runs of
   * BIT_PACKED_RUN values (whole bytes at any width), the last one padded with zeros to a group of eight.
   */
  writeRunsTo(out: ByteBuffer): void {
    const width = this.width;
    const runBytes = (BIT_PACKED_RUN / 8) * width;
    const used = (this.bits + 7) >> 3;
    for (let start = 0, at = 0; start < this.count; start += BIT_PACKED_RUN, at += runBytes) {
      const groups = Math.ceil(Math.min(BIT_PACKED_RUN, this.count - start) / 8);
      out.varint(groups * 2 + 1);
      const bytes = groups * width;
      const have = Math.min(bytes, used - at);
      out.append(this.buffer.subarray(at, at + have));
      if (have < bytes) {
        out.ensure(bytes - have);
        out.buf.fill(0, out.length, out.length + bytes - have);
        out.length += bytes - have;
      }
    }
  }

  /** Append the packed values to `out` (PLAIN booleans), padded with zeros to a whole group of eight values. */
  writeTo(out: ByteBuffer): void {
    const used = (this.bits + 7) >> 3;
    const padded = Math.ceil(this.count / 8) * this.width;
    out.append(this.buffer.subarray(0, used));
    out.ensure(padded - used);
    out.buf.fill(0, out.length, out.length + padded - used);
    out.length += padded - used;
  }

  /** Give the buffer back to the pool; the packer is not used again. */
  dispose(): void {
    this.pool.give(this.buffer);
    this.buffer = new Uint8Array(0);
    this.words = new Uint32Array(0);
    this.bits = 0;
    this.count = 0;
  }

  /** Keep at most `retain` bytes of buffer, if what is packed fits (after takeBlocks). */
  shrink(retain: number): void {
    const used = ((this.bits + 31) >>> 5) * 4;
    if (this.buffer.length <= retain || used + 4 > retain) return;
    const smaller = this.pool.take(retain);
    smaller.set(this.buffer.subarray(0, used));
    this.replace(smaller);
  }

  /** Start again at one bit, keeping `retain` bytes of buffer. */
  reset(retain: number): void {
    this.bits = 0;
    this.count = 0;
    this.width = 1;
    if (this.buffer.length > retain) this.replace(this.pool.take(retain));
  }
}

/** The value at position `k` of values packed `width` bits each, least significant bit first. */
function readPacked(words: Uint32Array, k: number, width: number): number {
  const bit = k * width;
  const i = bit >>> 5;
  const off = bit & 31;
  let v = (words[i] as number) >>> off;
  if (off + width > 32) v |= (words[i + 1] as number) << (32 - off);
  return width === 32 ? v >>> 0 : v & ((1 << width) - 1);
}
