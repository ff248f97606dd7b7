// The byte buffers of one encoding thread: the waiting pages of hundreds of columns, and their
// dictionaries, grow, are written and start again. Allocated one by one, each grown buffer would be
// garbage that only a full collection frees (V8 starts one when external memory has grown by tens
// of MB), and buffers allocated among the compressor's short-lived ones leave the malloc arena
// fragmented (measured: 20-30 MB of RSS on Node 24). So they are cut from one slab, allocated once:
// a buddy allocator of power-of-two blocks, freed blocks merged with their buddies. Only what was
// ever touched costs RSS, and the slab bounds it. A buffer that does not fit is allocated on its
// own (and dropped when given back).
/** The smallest block. */
const MIN_BYTES = 1024;
/** The largest block: the slab is made of blocks of this size. */
const MAX_BLOCK_BYTES = 16 * 1024 * 1024;
const MAX_ORDER = Math.log2(MAX_BLOCK_BYTES / MIN_BYTES);

/** Power-of-two byte buffers cut from a slab, taken and given back. */
export class BufferPool {
  private readonly slab: ArrayBuffer;
  /** Per block of MIN_BYTES: the order of the free block starting there, or -1. */
  private readonly freeOrder: Int8Array;
  /** Doubly linked free lists, one per order, through the index of each block's first MIN_BYTES unit. */
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly heads: Int32Array;
  /** Bytes of the buffers handed out and not given back. */
  inUse = 0;
  /** Bytes handed out that did not fit in the slab (each allocated on its own). */
  overflow = 0;

  /** `bytes`: the slab's size, rounded up to whole blocks of 16 MiB. */
  constructor(bytes: number) {
    const blocks = Math.max(1, Math.ceil(bytes / MAX_BLOCK_BYTES));
    this.slab = new ArrayBuffer(blocks * MAX_BLOCK_BYTES);
    const units = this.slab.byteLength / MIN_BYTES;
    this.freeOrder = new Int8Array(units).fill(-1);
    this.next = new Int32Array(units);
    this.prev = new Int32Array(units);
    this.heads = new Int32Array(MAX_ORDER + 1).fill(-1);
    for (let b = blocks - 1; b >= 0; b--) this.push(b << MAX_ORDER, MAX_ORDER);
  }

  private push(unit: number, order: number): void {
    const head = this.heads[order] as number;
    this.next[unit] = head;
    this.prev[unit] = -1;
    if (head >= 0) this.prev[head] = unit;
    this.heads[order] = unit;
    this.freeOrder[unit] = order;
  }

  private unlink(unit: number, order: number): void {
    const next = this.next[unit] as number;
    const prev = this.prev[unit] as number;
    if (prev >= 0) this.next[prev] = next;
    else this.heads[order] = next;
    if (next >= 0) this.prev[next] = prev;
    this.freeOrder[unit] = -1;
  }

  /** A buffer of at least `bytes` bytes, a power of two (its contents are not cleared). */
  take(bytes: number): Uint8Array<ArrayBuffer> {
    let size = MIN_BYTES;
    let order = 0;
    while (size < bytes) {
      size *= 2;
      order++;
    }
    this.inUse += size;
    let from = order;
    while (from <= MAX_ORDER && (this.heads[from] as number) < 0) from++;
    if (from > MAX_ORDER) {
      this.overflow += size;
      return new Uint8Array(size);
    }
    const unit = this.heads[from] as number;
    this.unlink(unit, from);
    // Split down to the order asked for: the upper halves go to their free lists.
    while (from > order) {
      from--;
      this.push(unit + (1 << from), from);
    }
    return new Uint8Array(this.slab, unit * MIN_BYTES, size);
  }

  /** Give a buffer from take() back. */
  give(buffer: Uint8Array<ArrayBuffer>): void {
    const size = buffer.length;
    this.inUse -= size;
    if (buffer.buffer !== this.slab) {
      this.overflow -= size;
      return;
    }
    let unit = buffer.byteOffset / MIN_BYTES;
    let order = Math.log2(size / MIN_BYTES);
    // Merge with the buddy while it is free and whole.
    while (order < MAX_ORDER) {
      const buddy = unit ^ (1 << order);
      if (this.freeOrder[buddy] !== order) break;
      this.unlink(buddy, order);
      unit = Math.min(unit, buddy);
      order++;
    }
    this.push(unit, order);
  }
}
