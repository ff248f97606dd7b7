// One Parquet file being written: batches of shredded rows go into the open row group's column
// chunks (pages encoded and compressed as they fill, see column-chunk.ts); the row group is written
// once its pages and pending entries reach the row-group size, then the next starts. The footer
// keeps each written row group's metadata as encoded bytes only, so its memory is bounded by bytes
// (and the file says `full` before it grows past that bound). Runs in the encoding thread.
import type { ShreddedBatch } from "../shred/leaf-buffer.js";
import type { BufferPool } from "./buffer-pool.js";
import type { ChunkSettings, PageScratch } from "./chunk-settings.js";
import { ColumnChunkWriter } from "./column-chunk.js";
import { encodeFooter, encodeRowGroup, type ColumnChunkMeta, type FooterSpec } from "./format.js";
import type { FileOutput, PageStore } from "./page-store.js";
import type { LeafSpec } from "./schema.js";

const MAGIC = new TextEncoder().encode("PAR1");

/** Layout bounds of one file. */
export interface FileLayout {
  /** A row group is written once its pages (uncompressed) and pending entries reach this many bytes. */
  rowGroupBytes: number;
  /** The file reports `full` once its footer's row-group metadata reaches this many bytes. */
  footerBytes: number;
}

/** Where a file stands after a batch: for rotation and progress. */
export interface FileStatus {
  /** Bytes written to the file. */
  written: number;
  /** What the file would measure if closed now (pending entries estimated at the file's compression ratio). */
  projected: number;
  /** The footer reached its bound: start a new file. */
  full: boolean;
}

/**
 * The memory of the open files of one encoding thread, kept under two bounds: their waiting pages
 * (the buffers handed out by the thread's pool, dictionaries aside) and their dictionaries. Past a
 * bound, the largest waiting pages are spilled to the page store (they go on filling, see
 * column-chunk.ts), or the largest dictionaries given up (their chunks go on PLAIN), until it is
 * back under three quarters of the bound. Checked after every batch.
 */
export class PendingPages {
  private readonly files = new Set<FileEncoder>();

  constructor(
    readonly pool: BufferPool,
    private readonly pageLimit: number,
    private readonly dictionaryLimit: number,
  ) {}

  add(file: FileEncoder): void {
    this.files.add(file);
  }

  delete(file: FileEncoder): void {
    this.files.delete(file);
  }

  /** Bring the files back under the bounds. */
  enforce(): void {
    let dictionaries = 0;
    for (const file of this.files) dictionaries += file.dictionaryMemory();
    if (dictionaries > this.dictionaryLimit) {
      const columns = this.columns().sort((a, b) => b.dictionaryMemory - a.dictionaryMemory);
      for (const column of columns) {
        if (dictionaries <= (this.dictionaryLimit * 3) / 4) break;
        dictionaries -= column.dictionaryMemory;
        column.giveUpDictionary();
      }
    }
    if (this.pool.inUse - dictionaries <= this.pageLimit) return;
    // The largest first: the fewest spills for the memory.
    const columns = this.columns().sort((a, b) => b.resident - a.resident);
    for (const column of columns) {
      if (this.pool.inUse - dictionaries <= (this.pageLimit * 3) / 4) break;
      column.spill();
    }
  }

  private columns(): ColumnChunkWriter[] {
    return [...this.files].flatMap((file) => file.columns);
  }
}

/** Writes one Parquet file from shredded batches. */
export class FileEncoder {
  readonly columns: ColumnChunkWriter[];
  private offset = 0;
  private rowsInGroup = 0;
  private rows = 0;
  private readonly rowGroups: Uint8Array[] = [];
  private footerSize = 0;
  private compressedTotal = 0;
  private uncompressedTotal = 0;

  constructor(
    leaves: readonly LeafSpec[],
    settings: ChunkSettings,
    private readonly footer: FooterSpec,
    private readonly layout: FileLayout,
    private readonly output: FileOutput,
    private readonly store: PageStore,
    scratch: PageScratch,
    private readonly budget: PendingPages,
  ) {
    this.columns = leaves.map((leaf) => new ColumnChunkWriter(leaf, settings, scratch, store));
    this.write([MAGIC]);
    budget.add(this);
  }

  private write(buffers: readonly Uint8Array[]): void {
    this.output.write(buffers);
    for (const b of buffers) this.offset += b.length;
  }

  /** Add a batch of rows; writes the row group when it is full. */
  add(batch: ShreddedBatch): FileStatus {
    if (batch.leaves.length !== this.columns.length) {
      throw new Error(`a batch of ${batch.leaves.length} leaf columns for a file of ${this.columns.length}`);
    }
    for (let i = 0; i < this.columns.length; i++) (this.columns[i] as ColumnChunkWriter).append(batch.leaves[i] as ShreddedBatch["leaves"][number], batch.rows);
    this.rowsInGroup += batch.rows;
    this.rows += batch.rows;
    this.budget.enforce();
    // The row group's size: its written pages (uncompressed), its waiting pages and its dictionaries.
    let size = 0;
    for (const column of this.columns) size += column.writtenUncompressed + column.pending + column.dictionaryBytes;
    if (size >= this.layout.rowGroupBytes) this.writeRowGroup();
    return this.status();
  }

  /** Memory of the dictionaries of the open row group. */
  dictionaryMemory(): number {
    let bytes = 0;
    for (const column of this.columns) bytes += column.dictionaryMemory;
    return bytes;
  }

  /** Where the file stands. */
  status(): FileStatus {
    let compressed = 0;
    let uncompressed = 0;
    let pending = 0;
    for (const column of this.columns) {
      compressed += column.writtenCompressed;
      uncompressed += column.writtenUncompressed;
      pending += column.pending + column.dictionaryBytes;
    }
    const ratio = this.uncompressedTotal + uncompressed > 0 ? (this.compressedTotal + compressed) / (this.uncompressedTotal + uncompressed) : 0.3;
    return { written: this.offset, projected: Math.round(this.offset + compressed + pending * ratio), full: this.footerSize >= this.layout.footerBytes };
  }

  private writeRowGroup(): void {
    if (this.rowsInGroup === 0) return;
    const start = this.offset;
    const metas: ColumnChunkMeta[] = [];
    let uncompressed = 0;
    for (const column of this.columns) {
      const chunk = column.finish(this.offset);
      for (let i = 0; i < chunk.extents.length; i += 2) {
        const length = chunk.extents[i + 1] as number;
        this.store.copyTo(this.output, chunk.extents[i] as number, length);
        this.offset += length;
      }
      metas.push(chunk.meta);
      uncompressed += chunk.meta.uncompressed;
    }
    const encoded = encodeRowGroup({
      columns: metas,
      totalByteSize: uncompressed,
      numRows: this.rowsInGroup,
      fileOffset: start,
      totalCompressedSize: this.offset - start,
      ordinal: this.rowGroups.length,
    });
    this.rowGroups.push(encoded);
    this.footerSize += encoded.length;
    this.compressedTotal += this.offset - start;
    this.uncompressedTotal += uncompressed;
    this.rowsInGroup = 0;
    this.store.reset();
  }

  /** Write the last row group and the footer; returns the file's size. */
  finish(): number {
    this.budget.delete(this);
    this.writeRowGroup();
    for (const column of this.columns) column.release();
    const footer = encodeFooter(this.footer, this.rows, this.rowGroups);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, footer.length, true);
    this.write([footer, length, MAGIC]);
    return this.offset;
  }

  /** Forget the file (it is being discarded). */
  discard(): void {
    this.budget.delete(this);
    for (const column of this.columns) column.release();
  }
}
