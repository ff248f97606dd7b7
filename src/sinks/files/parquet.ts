// Parquet files through hyparquet-writer (chosen by bench/parquet-writers.ts): records are shredded
// into leaf columns as they arrive (shred.ts), held up to the row-group bound, then each leaf is
// encoded with hyparquet-writer's column writer and the row group written to the file, so memory is
// bounded by one row group (plus the footer's metadata) whatever the export's size.
// `writeColumn` and `snappyCompress` are hyparquet-writer modules outside its index (its package
// exports allow `src/*.js`); the version is pinned because they are not its documented API.
import { open, type FileHandle } from "node:fs/promises";
import type { ColumnChunk, DecodedArray } from "hyparquet";
import { ByteWriter, ParquetWriter, type SchemaElement } from "hyparquet-writer";
import { writeColumn } from "hyparquet-writer/src/column.js";
import { snappyCompress } from "hyparquet-writer/src/snappy.js";
import type { ExportRecord } from "../events.js";
import { parquetCodec, type Compression } from "./codecs.js";
import { EXPORT_GID_COLUMN, EXTRA_COLUMN, EXTRACTED_AT_COLUMN, type Column } from "./columns.js";
import type { FileFormat, PartWriter, RecordStamp } from "./format.js";
import { recordShredder, type Extra, type Leaf, type LeafData, type RecordShredder } from "./shred.js";

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
/** Target size of a data page before compression (hyparquet-writer's default). */
const PAGE_BYTES = 1024 * 1024;
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
}

/** hyparquet-writer's output buffer, drained to the file after each row group. */
class FileSink extends ByteWriter {
  constructor(private readonly handle: FileHandle) {
    super(1 << 20);
  }

  async drain(): Promise<void> {
    let done = 0;
    while (done < this.index) done += (await this.handle.write(new Uint8Array(this.buffer, done, this.index - done))).bytesWritten;
    this.index = 0;
  }

  flush(): Promise<void> {
    return this.drain();
  }

  override finish(): Promise<void> {
    return this.drain();
  }
}

const ADDED = new Set([EXTRA_COLUMN, EXTRACTED_AT_COLUMN, EXPORT_GID_COLUMN]);

type ColumnEncoder = Parameters<typeof writeColumn>[0]["column"];

interface Encoding {
  codec: ColumnEncoder["codec"];
  compressors: ColumnEncoder["compressors"];
}

class ParquetPart implements PartWriter {
  private buffered = 0;
  private bufferedJson = 0;
  rows = 0;
  private readonly dataCount: number;

  constructor(
    private readonly handle: FileHandle,
    private readonly sink: FileSink,
    private readonly writer: ParquetWriter,
    private readonly shredder: RecordShredder,
    private readonly encoders: readonly ColumnEncoder[],
    columnCount: number,
    private readonly bounds: { rows: number; jsonBytes: number },
  ) {
    this.dataCount = columnCount - 3;
  }

  get bytes(): number {
    return this.sink.offset;
  }

  get full(): boolean {
    return this.writer.row_groups.length >= MAX_ROW_GROUPS_PER_FILE;
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
      this.bufferedJson += record.raw.length;
      if (this.buffered >= this.bounds.rows || this.bufferedJson >= this.bounds.jsonBytes) await this.flushRowGroup();
    }
  }

  /** Encode the buffered rows as one row group (the steps of ParquetWriter.write, with our page data). */
  private async flushRowGroup(): Promise<void> {
    if (this.buffered === 0) return;
    const rows = this.buffered;
    this.buffered = 0;
    this.bufferedJson = 0;
    const leaves = this.shredder.take();
    const start = this.sink.offset;
    const chunks: ColumnChunk[] = [];
    let uncompressed = 0n;
    for (let i = 0; i < leaves.length; i++) {
      const leaf = leaves[i] as LeafData;
      const result = writeColumn({
        writer: this.sink,
        column: this.encoders[i] as ColumnEncoder,
        // hyparquet-writer only indexes, slices and measures the level arrays: byte arrays serve.
        pageData: {
          values: leaf.values as DecodedArray,
          definitionLevels: leaf.def as unknown as number[],
          repetitionLevels: leaf.rep as unknown as number[],
          maxDefinitionLevel: leaf.maxDef,
        },
      });
      leaves[i] = undefined as unknown as LeafData; // let the page data go as soon as it is encoded
      chunks.push(result.chunk);
      this.writer.pendingIndexes.push(result);
      uncompressed += result.chunk.meta_data?.total_uncompressed_size ?? 0n;
    }
    this.writer.num_rows += BigInt(rows);
    this.writer.row_groups.push({ columns: chunks, total_byte_size: uncompressed, num_rows: BigInt(rows), total_compressed_size: BigInt(this.sink.offset - start) });
    await this.sink.flush();
  }

  async close(): Promise<number> {
    await this.flushRowGroup();
    await this.writer.finish();
    await this.handle.sync();
    await this.handle.close();
    return this.sink.offset;
  }

  async destroy(): Promise<void> {
    this.shredder.take();
    await this.handle.close().catch(() => undefined);
  }
}

function encoders(leaves: readonly Leaf[], encoding: Encoding): ColumnEncoder[] {
  return leaves.map((leaf) => ({
    columnName: leaf.path.slice(1).map((e) => e.name).join("."),
    element: leaf.path.at(-1) as SchemaElement,
    schemaPath: [...leaf.path],
    codec: encoding.codec,
    compressors: encoding.compressors,
    // Min/max statistics where loaders prune on them (top-level scalars: gid, timestamps, flags);
    // computing them for every nested leaf cost about 8% of the write time.
    stats: leaf.path.length === 2,
    pageSize: PAGE_BYTES,
    // Row groups are small (one page per column chunk, mostly): page indexes would add metadata, not skipping.
    columnIndex: false,
    offsetIndex: false,
  }));
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
      const encoding = await parquetCodec(options.compression);
      const shredder = recordShredder(all, dataColumns.length);
      const handle = await open(path, "wx");
      const sink = new FileSink(handle);
      const compressors = { SNAPPY: snappyCompress, ...encoding.compressors };
      const writer = new ParquetWriter({ writer: sink, schema: shredder.schema, codec: encoding.codec, compressors, kvMetadata, createdBy: CREATED_BY });
      return new ParquetPart(handle, sink, writer, shredder, encoders(shredder.leaves, { codec: encoding.codec, compressors }), all.length, bounds);
    },
  };
}
