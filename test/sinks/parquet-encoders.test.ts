// The writer's streaming encoders, decoded by an independent reader (hyparquet's RLE / bit-packing
// hybrid and PLAIN decoders): levels encoded as they arrive in batches of any split, dictionary
// indices bit-packed at a width that grows as the dictionary does, booleans; and the buffer pool
// they are cut from (no two live buffers share a byte, freed blocks merge back whole).
import { readRleBitPackedHybrid } from "hyparquet/src/encoding.js";
import { readPlain } from "hyparquet/src/plain.js";
import { describe, expect, it } from "vitest";
import { BufferPool } from "../../src/sinks/files/parquet/buffer-pool.js";
import { ByteBuffer } from "../../src/sinks/files/parquet/bytes.js";
import { hybridRuns } from "../helpers/parquet-pages.js";
import { BIT_PACKED_RUN, BitPacker, HybridEncoder, bitWidth } from "../../src/sinks/files/parquet/rle.js";

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values in runs of random lengths (1 to 40, some long), each below 2^width. */
function runs(next: () => number, count: number, width: number): Uint8Array {
  const values = new Uint8Array(count);
  let i = 0;
  while (i < count) {
    const value = Math.floor(next() * 2 ** width);
    const length = next() < 0.1 ? Math.floor(next() * 2000) : 1 + Math.floor(next() * 40 * next());
    values.fill(value, i, Math.min(count, i + length));
    i += length;
  }
  return values;
}

function decodeHybrid(bytes: Uint8Array, width: number, count: number): number[] {
  const output = new Array<number>(count).fill(-1);
  readRleBitPackedHybrid({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }, width, output, bytes.length);
  return output;
}

describe("levels encoded as they arrive", () => {
  for (const width of [1, 2, 3, 8]) {
    it(`decode to the same values at ${width} bit(s), whatever the batches`, () => {
      const next = random(width * 7919);
      const pool = new BufferPool(16 << 20);
      for (let trial = 0; trial < 20; trial++) {
        const values = runs(next, 1 + Math.floor(next() * 20_000), width);
        const encoder = new HybridEncoder(width, pool);
        for (let at = 0; at < values.length; ) {
          const end = Math.min(values.length, at + 1 + Math.floor(next() * 3000));
          encoder.add(values, at, end);
          at = end;
        }
        const out = new ByteBuffer(16);
        encoder.finishInto(out, 1024);
        expect(decodeHybrid(out.bytes(), width, values.length)).toEqual([...values]);
        // Bit-packed runs of whole blocks of 32 (readers unpack 32 at a time from a run's start), at most 256; the last may be shorter.
        const packed = hybridRuns(out.bytes(), width).filter((r) => r.packed);
        for (const run of packed.slice(0, -1)) {
          expect(run.count % 32).toBe(0);
          expect(run.count).toBeLessThanOrEqual(BIT_PACKED_RUN);
        }
        expect(packed.at(-1)?.count ?? 0).toBeLessThanOrEqual(BIT_PACKED_RUN);
      }
    });
  }

  it("bit-packs levels that change at every entry in runs of 256", () => {
    const pool = new BufferPool(16 << 20);
    const encoder = new HybridEncoder(1, pool);
    const values = Uint8Array.from({ length: 1000 }, (_, i) => i % 2);
    encoder.add(values, 0, values.length);
    const out = new ByteBuffer(16);
    encoder.finishInto(out, 1024);
    expect(hybridRuns(out.bytes(), 1)).toEqual([256, 256, 256, 232].map((count) => ({ packed: true, count })));
    expect(decodeHybrid(out.bytes(), 1, values.length)).toEqual([...values]);
  });

  it("start again after finishInto, and use RLE runs for long runs", () => {
    const pool = new BufferPool(16 << 20);
    const encoder = new HybridEncoder(1, pool);
    const first = new ByteBuffer(16);
    encoder.add(new Uint8Array(100_000).fill(1), 0, 100_000);
    encoder.finishInto(first, 1024);
    // One RLE run: a varint header and one byte of value.
    expect(first.length).toBeLessThan(6);
    const second = new ByteBuffer(16);
    const values = Uint8Array.from({ length: 77 }, (_, i) => i % 2);
    encoder.add(values, 0, values.length);
    encoder.finishInto(second, 1024);
    expect(decodeHybrid(second.bytes(), 1, 77)).toEqual([...values]);
  });
});

/** Read the indices written by writeRunsTo: bit-packed runs of 256 with their headers, the last one shorter. */
function decodePacked(packer: BitPacker): number[] {
  const out = new ByteBuffer(16);
  packer.writeRunsTo(out);
  const runs = hybridRuns(out.bytes(), packer.width);
  expect(runs.every((r) => r.packed)).toBe(true);
  expect(runs.map((r) => r.count)).toEqual(Array.from({ length: Math.ceil(packer.count / BIT_PACKED_RUN) }, (_, i) => Math.min(BIT_PACKED_RUN, Math.ceil((packer.count - i * BIT_PACKED_RUN) / 8) * 8)));
  return decodeHybrid(out.bytes(), packer.width, packer.count);
}

describe("dictionary indices, bit-packed", () => {
  it("decode to the same indices while the width grows from 1 to 20 bits across appends and buffer growth", () => {
    const next = random(42);
    const pool = new BufferPool(16 << 20);
    const packer = new BitPacker(pool);
    const all: number[] = [];
    let size = 1;
    for (let batch = 0; batch < 60; batch++) {
      // The dictionary grows: indices up to its size, the new ones at the top.
      size = Math.min(1 << 20, Math.ceil(size * (1 + next())));
      const n = 1 + Math.floor(next() * 4000);
      const indices = Int32Array.from({ length: n }, () => Math.floor(next() * size));
      packer.appendIndices(indices, n, Math.max(1, bitWidth(size - 1)));
      all.push(...indices);
      if (batch % 10 === 9) {
        expect(decodePacked(packer)).toEqual(all);
        for (let k = 0; k < all.length; k += 97) expect(packer.get(k)).toBe(all[k]);
      }
    }
    expect(packer.width).toBe(20);
  });

  it("packs every width up to 32 bits", () => {
    const pool = new BufferPool(16 << 20);
    for (let width = 1; width <= 32; width++) {
      const packer = new BitPacker(pool);
      const max = width === 32 ? 2 ** 31 - 1 : 2 ** width - 1;
      const indices = Int32Array.from({ length: 1001 }, (_, i) => (i * 2654435761) % (max + 1));
      packer.appendIndices(indices, indices.length, width);
      // hyparquet reads bit-packed runs up to 24 bits wide; past that, the bits are read as one number.
      if (width <= 24) expect(decodePacked(packer), `width ${width}`).toEqual([...indices]);
      const out = new ByteBuffer(16);
      packer.writeTo(out);
      let bits = 0n;
      for (const byte of out.bytes().reverse()) bits = (bits << 8n) | BigInt(byte);
      const read = Array.from({ length: indices.length }, (_, k) => Number((bits >> BigInt(k * width)) & ((1n << BigInt(width)) - 1n)));
      expect(read, `width ${width}`).toEqual([...indices]);
      expect(out.length).toBe(Math.ceil(indices.length / 8) * width);
      packer.dispose();
    }
  });

  it("packs booleans one bit each, as PLAIN booleans are read", () => {
    const pool = new BufferPool(16 << 20);
    const packer = new BitPacker(pool);
    const values = Uint8Array.from({ length: 12_345 }, (_, i) => (i % 3 === 0 || i % 7 === 0 ? 1 : 0));
    packer.appendBooleans(values.subarray(0, 5000), 5000);
    packer.appendBooleans(values.subarray(5000), values.length - 5000);
    const out = new ByteBuffer(16);
    packer.writeTo(out);
    const bytes = out.bytes();
    const decoded = readPlain({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }, "BOOLEAN", values.length, undefined);
    expect([...decoded]).toEqual([...values].map((v) => v === 1));
  });
});

describe("the buffer pool", () => {
  it("hands out buffers that never overlap, merges freed ones, and allocates apart what does not fit", () => {
    const next = random(7);
    const pool = new BufferPool(32 << 20);
    const live: Uint8Array<ArrayBuffer>[] = [];
    for (let step = 0; step < 5000; step++) {
      if (live.length > 0 && next() < 0.45) {
        const [buffer] = live.splice(Math.floor(next() * live.length), 1);
        if (buffer !== undefined) pool.give(buffer);
        continue;
      }
      const bytes = Math.floor(2 ** (10 + next() * 12));
      const buffer = pool.take(bytes);
      expect(buffer.length).toBeGreaterThanOrEqual(bytes);
      live.push(buffer);
    }
    // No two live buffers of the slab share a byte.
    const inSlab = live.filter((b) => b.byteLength < b.buffer.byteLength).sort((a, b) => a.byteOffset - b.byteOffset);
    for (let i = 1; i < inSlab.length; i++) {
      const previous = inSlab[i - 1] as Uint8Array;
      expect((inSlab[i] as Uint8Array).byteOffset).toBeGreaterThanOrEqual(previous.byteOffset + previous.length);
    }
    expect(pool.inUse).toBe(live.reduce((n, b) => n + b.length, 0));
    for (const buffer of live) pool.give(buffer);
    expect(pool.inUse).toBe(0);
    expect(pool.overflow).toBe(0);
    // Everything merged back: both 16 MiB blocks come out of the slab whole.
    const a = pool.take(16 << 20);
    const b = pool.take(16 << 20);
    expect(a.buffer).toBe(b.buffer);
    expect(pool.overflow).toBe(0);
    // A third does not fit: allocated on its own.
    const c = pool.take(1 << 20);
    expect(c.buffer).not.toBe(a.buffer);
    expect(pool.overflow).toBe(1 << 20);
    pool.give(c);
    expect(pool.overflow).toBe(0);
  });
});
