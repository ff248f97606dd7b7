// Parquet files through hyparquet-writer (chosen by bench/parquet-writers.ts): records are shredded
// into leaf columns as they arrive (shred.ts), held up to the row-group bound, then handed to the
// row group encoder (parquet-encode.ts; in a worker thread when it helps, parquet-channel.ts) while
// the next group is shredded; encoded groups are appended to the file in order. Memory is bounded
// by a few row groups (plus the footer's metadata) whatever the export's size.
import { open, type FileHandle } from "node:fs/promises";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { ExportRecord } from "../../core/record.js";
import type { Compression } from "./codecs.js";
import { EXPORT_GID_COLUMN, EXTRA_COLUMN, EXTRACTED_AT_COLUMN, type Column } from "./columns.js";
import type { FileFormat, PartWriter, RecordStamp } from "./format.js";
import type { GroupEncoder, RowGroupEncoding } from "./parquet-channel.js";
import type { EncodedGroup } from "./parquet-encode.js";
import { recordShredder, type Extra, type RecordShredder } from "./shred.js";
import { writeFully } from "./write-fully.js";

/**
 * A row group is written at 1,000 rows or 2 MiB of record JSON, whichever comes first (about 650
 * emulator tasks). Larger groups compress a little better (-11% bytes at 2,000 rows / 4 MiB) but
 * their page data outlives V8's young generation: peak RSS rose from ~200 MB to ~290 MB at 2,000
 * rows and past 400 MB at 10,000, and garbage collection took up to 40% of the time
 * (bench/parquet-writers.ts).
 */
export const ROW_GROUP_ROWS = 1_000;
export const ROW_GROUP_JSON_BYTES = 2 * 1024 * 1024;
/**
 * A file holds at most 64 row groups (about 40,000 tasks, ~15 MB zstd): the footer's column-chunk
 * metadata stays in memory until the file is closed (~125 kB per task row group of 294 leaf
 * columns), and V8 lets the heap grow in proportion to what stays live. This keeps memory flat
 * however large the export, whatever max_file_size_mb says.
 */
export const MAX_ROW_GROUPS_PER_FILE = 64;
/**
 * Row groups handed to the encoder and not yet in the file, per file: enough to keep both threads
 * busy; more would only hold more memory.
 */
const MAX_GROUPS_IN_FLIGHT = 2;
const CREATED_BY = "source-asana-export (hyparquet-writer)";

/** Options of the Parquet format. */
export interface ParquetOptions {
  /** The stream's data columns (streamColumns() without the three added ones is fine too). */
  columns: readonly Column[];
  compression: Compression;
  rowGroupRows?: number;
  rowGroupJsonBytes?: number;
  /** Written into the file's key-value metadata (e.g. the stream name and schema hash). */
  metadata?: Record<string, string>;
  /** Where row groups are encoded (this thread or a worker); the caller owns it. */
  encoding: RowGroupEncoding;
}

/** hyparquet-writer's output buffer for the header and footer; row groups go to the file directly. */
class FileSink extends ByteWriter {
  constructor(private readonly handle: FileHandle) {
    super(64 * 1024);
  }

  async drain(): Promise<void> {
    await writeFully(this.handle, new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }

  /** Append encoded bytes after what is buffered. */
  async append(bytes: Uint8Array): Promise<void> {
    await this.drain();
    await writeFully(this.handle, bytes);
    this.offset += bytes.length;
  }

  flush(): Promise<void> {
    return this.drain();
  }

  override finish(): Promise<void> {
    return this.drain();
  }
}

const ADDED = new Set([EXTRA_COLUMN, EXTRACTED_AT_COLUMN, EXPORT_GID_COLUMN]);

class ParquetPart implements PartWriter {
  private buffered = 0;
  private bufferedJson = 0;
  rows = 0;
  /** Row groups handed to the encoder. */
  private groups = 0;
  private readonly dataCount: number;
  /** Appends of encoded row groups to the file, oldest first; each waits for the one before. */
  private readonly inFlight: Promise<void>[] = [];
  private appended: Promise<void> = Promise.resolve();

  constructor(
    private readonly handle: FileHandle,
    private readonly sink: FileSink,
    private readonly writer: ParquetWriter,
    private readonly shredder: RecordShredder,
    private readonly encoder: GroupEncoder,
    columnCount: number,
    private readonly bounds: { rows: number; jsonBytes: number },
  ) {
    this.dataCount = columnCount - 3;
  }

  get bytes(): number {
    return this.sink.offset;
  }

  get full(): boolean {
    return this.groups >= MAX_ROW_GROUPS_PER_FILE;
  }

  async write(records: readonly ExportRecord[], stamp: RecordStamp): Promise<void> {
    const n = this.dataCount;
    for (const record of records) {
      const extra: Extra = {};
      this.shredder.shred(record.object, extra);
      let hasExtra = false;
      for (const _key in extra) {
        hasExtra = true;
        break;
      }
      this.shredder.append(n, hasExtra ? JSON.stringify(extra) : null);
      this.shredder.append(n + 1, stamp.extractedAt);
      this.shredder.append(n + 2, stamp.exportGid);
      this.buffered++;
      this.rows++;
      this.bufferedJson += record.rawLengthBound();
      if (this.buffered >= this.bounds.rows || this.bufferedJson >= this.bounds.jsonBytes) await this.flushRowGroup();
    }
  }

  /** Hand the buffered rows to the encoder as one row group; wait while too many are in flight. */
  private async flushRowGroup(): Promise<void> {
    if (this.buffered === 0) return;
    const rows = this.buffered;
    this.buffered = 0;
    this.bufferedJson = 0;
    this.groups++;
    const leaves = this.shredder.take().map((leaf) => ({ values: leaf.values, def: leaf.def, rep: leaf.rep }));
    const encoded = this.encoder.encode({ rows, leaves });
    const previous = this.appended;
    const appended = (async () => {
      const group = await encoded;
      await previous;
      await this.append(group);
    })();
    this.appended = appended;
    appended.catch(() => undefined); // awaited below or in close(); not an unhandled rejection meanwhile
    this.inFlight.push(appended);
    while (this.inFlight.length > MAX_GROUPS_IN_FLIGHT) await this.inFlight.shift();
  }

  private async append(group: EncodedGroup): Promise<void> {
    const first = group.columns[0]?.file_offset;
    if (first !== undefined && first !== BigInt(this.sink.offset)) {
      throw new Error(`row group encoded for file offset ${first}, but the file is at ${this.sink.offset}`);
    }
    await this.sink.append(group.bytes);
    this.writer.num_rows += BigInt(group.rows);
    this.writer.row_groups.push({ columns: group.columns, total_byte_size: group.totalByteSize, num_rows: BigInt(group.rows), total_compressed_size: BigInt(group.bytes.length) });
    for (const chunk of group.columns) this.writer.pendingIndexes.push({ chunk });
  }

  async close(): Promise<number> {
    try {
      await this.flushRowGroup();
      await this.appended;
    } finally {
      this.encoder.close();
    }
    await this.writer.finish();
    await this.handle.sync();
    await this.handle.close();
    return this.sink.offset;
  }

  async destroy(): Promise<void> {
    this.shredder.take();
    this.encoder.close();
    await this.appended.catch(() => undefined);
    await this.handle.close().catch(() => undefined);
  }
}

/** The Parquet file format for one stream's columns. */
export function parquetFormat(options: ParquetOptions): FileFormat {
  const dataColumns = options.columns.filter((c) => !ADDED.has(c.name));
  const all: Column[] = [
    ...dataColumns,
    { name: EXTRA_COLUMN, type: { kind: "json" } },
    { name: EXTRACTED_AT_COLUMN, type: { kind: "timestamp" } },
    { name: EXPORT_GID_COLUMN, type: { kind: "string" } },
  ];
  const bounds = { rows: options.rowGroupRows ?? ROW_GROUP_ROWS, jsonBytes: options.rowGroupJsonBytes ?? ROW_GROUP_JSON_BYTES };
  const kvMetadata = Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value }));
  return {
    extension: "parquet",
    async open(path) {
      const shredder = recordShredder(all, dataColumns.length);
      const handle = await open(path, "wx");
      let encoder: GroupEncoder;
      try {
        encoder = await options.encoding.open({ columns: all, dataCount: dataColumns.length, compression: options.compression });
      } catch (error) {
        await handle.close();
        throw error;
      }
      const sink = new FileSink(handle);
      // The writer only writes the header and the footer (row groups come encoded); its codec is the footer's.
      const writer = new ParquetWriter({ writer: sink, schema: shredder.schema, kvMetadata, createdBy: CREATED_BY });
      return new ParquetPart(handle, sink, writer, shredder, encoder, all.length, bounds);
    },
  };
}
