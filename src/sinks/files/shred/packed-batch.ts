// A batch of shredded rows in one buffer, as it crosses to the encoding thread: one transferred
// ArrayBuffer costs about 0.03 ms a message, one per leaf array (some 900 for the tasks stream) cost
// 2 ms (measured). The encoder reads the leaves as views of it and gives the buffer back.
import type { LeafBatch, LeafBuffer, ShreddedBatch } from "./leaf-buffer.js";

/** A batch in one buffer: per leaf, [n, valueBytes, valueCount, defAt, repAt (-1: none), valuesAt] in `header`, the arrays in `data`. */
export interface PackedBatch {
  rows: number;
  header: Int32Array;
  data: Uint8Array;
}

const HEADER_FIELDS = 6;
const align8 = (n: number): number => (n + 7) & ~7;

/**
 * The buffers batches are packed in: each comes back with the encoder's answer and packs a later
 * batch, of any stream (a few are enough: a stream has one batch in flight, answered within
 * milliseconds). Dropped in the encoding thread instead, which allocates little, batches waited
 * there for a collection, tens of MB of them (measured).
 */
export class BatchBuffers {
  private readonly free: ArrayBuffer[] = [];

  /** A buffer of at least `bytes` bytes: the smallest free one that is large enough, else a new one. */
  take(bytes: number): ArrayBuffer {
    let best = -1;
    this.free.forEach((b, i) => {
      if (b.byteLength >= bytes && (best < 0 || b.byteLength < (this.free[best] as ArrayBuffer).byteLength)) best = i;
    });
    if (best >= 0) return this.free.splice(best, 1)[0] as ArrayBuffer;
    // Room for a batch an eighth larger: a stream's batches are about the same size.
    return new ArrayBuffer(align8(bytes + (bytes >> 3)));
  }

  /** Give a buffer back (past a few, the smallest is dropped). */
  give(buffer: ArrayBuffer): void {
    this.free.push(buffer);
    if (this.free.length > FREE_BUFFERS) {
      this.free.sort((a, b) => b.byteLength - a.byteLength);
      this.free.length = FREE_BUFFERS;
    }
  }
}

const FREE_BUFFERS = 2;

/** Copy the leaves' entries into one buffer from `buffers`; the leaves are then empty, their buffers kept for the next batch. */
export function packBatch(rows: number, leaves: readonly LeafBuffer[], buffers: BatchBuffers): PackedBatch {
  let bytes = 0;
  for (const leaf of leaves) bytes += align8(leaf.len) + align8(leaf.n) + (leaf.maxRep > 0 ? align8(leaf.n) : 0);
  const headerBytes = align8(leaves.length * HEADER_FIELDS * 4);
  const buffer = buffers.take(headerBytes + bytes);
  const header = new Int32Array(buffer, 0, leaves.length * HEADER_FIELDS);
  const data = new Uint8Array(buffer, headerBytes, bytes);
  let at = 0;
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i] as LeafBuffer;
    const h = i * HEADER_FIELDS;
    header[h] = leaf.n;
    header[h + 1] = leaf.len;
    header[h + 2] = leaf.count;
    header[h + 5] = at;
    data.set(leaf.data.subarray(0, leaf.len), at);
    at += align8(leaf.len);
    header[h + 3] = at;
    data.set(leaf.def.subarray(0, leaf.n), at);
    at += align8(leaf.n);
    header[h + 4] = leaf.maxRep > 0 ? at : -1;
    if (leaf.maxRep > 0) {
      data.set(leaf.rep.subarray(0, leaf.n), at);
      at += align8(leaf.n);
    }
    leaf.clear();
  }
  return { rows, header, data };
}

/** The leaves of a packed batch, as views of its buffer. */
export function unpackBatch(batch: PackedBatch): ShreddedBatch {
  const { header, data } = batch;
  const leaves: LeafBatch[] = [];
  for (let i = 0; i < header.length / HEADER_FIELDS; i++) {
    const h = i * HEADER_FIELDS;
    const n = header[h] as number;
    const valueBytes = header[h + 1] as number;
    const repAt = header[h + 4] as number;
    const valuesAt = header[h + 5] as number;
    const defAt = header[h + 3] as number;
    leaves.push({
      n,
      def: data.subarray(defAt, defAt + n),
      rep: repAt >= 0 ? data.subarray(repAt, repAt + n) : data.subarray(0, 0),
      values: data.subarray(valuesAt, valuesAt + valueBytes),
      valueBytes,
      valueCount: header[h + 2] as number,
    });
  }
  return { rows: batch.rows, leaves };
}

