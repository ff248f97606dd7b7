// The byte buffers of one encoding thread, reused: the pending pages of hundreds of columns grow,
// are written and start again, and each grown buffer would otherwise be garbage that only a full
// collection frees (V8 starts one when external memory has grown by tens of MB, so the garbage
// alone would cost that much RSS). Buffers come in power-of-two sizes; a freed one waits for the
// next column that grows to its size, within a bound on the bytes kept free.
/** The smallest buffer handed out. */
const MIN_BYTES = 1024;
/** Larger buffers are not kept (allocated and dropped as needed). */
const MAX_POOLED_BYTES = 8 * 1024 * 1024;

/** Power-of-two byte buffers, taken and given back. */
export class BufferPool {
  private readonly free = new Map<number, Uint8Array<ArrayBuffer>[]>();
  private freeBytes = 0;
  /** Buffers handed out and not given back, in bytes (what the pending pages hold). */
  inUse = 0;

  /** `limit`: bytes kept free at most (what is given back past it is dropped). */
  constructor(private readonly limit: number) {}

  /** A buffer of at least `bytes` bytes (its contents are not cleared). */
  take(bytes: number): Uint8Array<ArrayBuffer> {
    let size = MIN_BYTES;
    while (size < bytes) size *= 2;
    this.inUse += size;
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.freeBytes -= size;
      return reused;
    }
    return new Uint8Array(size);
  }

  /** Give a buffer from take() back. */
  give(buffer: Uint8Array<ArrayBuffer>): void {
    const size = buffer.length;
    this.inUse -= size;
    if (size > MAX_POOLED_BYTES || this.freeBytes + size > this.limit) return;
    let list = this.free.get(size);
    if (list === undefined) {
      list = [];
      this.free.set(size, list);
    }
    list.push(buffer);
    this.freeBytes += size;
  }
}
