// Parquet files: each line is shredded from its bytes into leaf columns (shred/), batches of rows go
// to the encoding side (a worker thread on two cores, parquet-channel.ts), which encodes and
// compresses pages as they fill and writes row groups of about `rowGroupBytes` (uncompressed) to
// the file. Memory stays flat at any row-group size: only compressed pages wait for their group.
// A line the writer cannot represent follows on_invalid_record: the sync fails with
// RECORD_UNREPRESENTABLE, or the line is skipped and counted.
import { open, rm, type FileHandle } from "node:fs/promises";
import { ConnectorError } from "../../core/errors.js";
import type { ExportRecord } from "../../core/record.js";
import type { Compression } from "./codecs.js";
import { ADDED_COLUMNS, type AddedColumn, type AddedRow, type Column } from "./columns.js";
import type { FileFormat, PartWriter, RecordStamp, SkippedLines } from "./format.js";
import type { Added, FileEncoding, ParquetEncoding } from "./parquet-channel.js";
import type { FileStatus } from "./parquet/file-encoder.js";
import { LineShredder, UnrepresentableRow, type AddedValue } from "./shred/json-shredder.js";
import { packBatch } from "./shred/packed-batch.js";

/** Defaults of the layout: what warehouses and engines read best (README, "Parquet layout"). */
export const PARQUET_DEFAULTS = {
  /** Row groups of 128 MiB (uncompressed): Parquet's own guidance; BigQuery asks for at least 16 MiB. */
  rowGroupBytes: 128 * 1024 * 1024,
  /** Version-1 data pages: what every reader reads (v2 with RLE booleans breaks several). */
  pageVersion: 1,
  /** The footer's row-group metadata stays in memory until the file is closed: a new file past 16 MiB of it. */
  footerBytes: 16 * 1024 * 1024,
  /** Lines shredded before they go to the encoder as one batch (about 1,000 tasks). */
  batchJsonBytes: 512 * 1024,
} as const;

/** Options of the Parquet format. */
export interface ParquetOptions {
  /** The stream's columns (streamColumns(); the added columns are put last whether given or not). */
  columns: readonly Column[];
  compression: Compression;
  /** Where pages are encoded (this thread or a worker); the caller owns it. */
  encoding: ParquetEncoding;
  /** The stream's name, for error messages. */
  stream: string;
  /** What a line the writer cannot represent does (config.on_invalid_record). */
  onInvalidRecord: "fail" | "skip";
  /** Written into the file's key-value metadata (e.g. the stream name and schema hash). */
  metadata?: Record<string, string>;
  pageVersion?: 1 | 2;
  rowGroupBytes?: number;
  footerBytes?: number;
  batchJsonBytes?: number;
  /** `created_by` of the footer. */
  createdBy: string;
}

const ADDED = new Set(ADDED_COLUMNS.map((c) => c.name));

class ParquetPart implements PartWriter {
  rows = 0;
  readonly skipped: SkippedLines = { count: 0 };
  /** Rows shredded into the batch being built, and the bytes of their lines. */
  private batchRows = 0;
  private batchBytes = 0;
  /** The batch in flight: settled (status taken, buffer given back) as soon as it is answered. */
  private inFlight: Promise<void> | undefined;
  private status: FileStatus = { written: 4, projected: 4, full: false };

  constructor(
    private readonly handle: FileHandle,
    private readonly spill: { handle: FileHandle; path: string },
    private readonly shredder: LineShredder,
    private readonly file: FileEncoding,
    private readonly options: ParquetOptions,
  ) {}

  get bytes(): number {
    return this.status.projected;
  }

  get full(): boolean {
    return this.status.full;
  }

  async write(records: readonly ExportRecord[], stamp: RecordStamp): Promise<void> {
    const limit = this.options.batchJsonBytes ?? PARQUET_DEFAULTS.batchJsonBytes;
    for (const record of records) {
      if (!this.shred(record, stamp)) continue;
      if (this.batchBytes >= limit) await this.send();
    }
  }

  /** The added columns' inputs and values of the row being shredded (one of each, reused: no garbage per row). */
  private readonly addedRow: AddedRow = { stamp: { extractedAt: 0, exportGid: "" }, extra: undefined };
  private readonly addedValues: AddedValue[] = ADDED_COLUMNS.map(() => null);
  private readonly addedOf = (extra: Uint8Array | undefined): readonly AddedValue[] => {
    this.addedRow.extra = extra;
    for (let i = 0; i < ADDED_COLUMNS.length; i++) this.addedValues[i] = (ADDED_COLUMNS[i] as AddedColumn).value(this.addedRow);
    return this.addedValues;
  };

  private shredLine(line: Uint8Array, stamp: RecordStamp): void {
    this.addedRow.stamp = stamp;
    this.shredder.shred(line, this.addedOf);
  }

  /** Shred one line into the batch; false if it was rejected (and skipped). */
  private shred(record: ExportRecord, stamp: RecordStamp): boolean {
    const line = record.rawBytes;
    try {
      this.shredLine(line, stamp);
    } catch (error) {
      if (!(error instanceof UnrepresentableRow)) throw error;
      // The rejected line left entries in some leaves: drop them.
      for (const leaf of this.shredder.leaves) leaf.dropPartialRow(this.batchRows);
      this.reject(record, error.message);
      return false;
    }
    this.batchRows++;
    this.batchBytes += line.length;
    this.rows++;
    return true;
  }

  private reject(record: ExportRecord, reason: string): void {
    const where = record.line > 0 ? ` (line ${record.line})` : "";
    if (this.options.onInvalidRecord === "fail") {
      throw new ConnectorError(
        `The export's ${this.options.stream} object ${record.gid}${where} cannot be written to Parquet: ${reason}. ` +
          `The state no longer records this export job, so the next run starts a new export (where the object comes back). ` +
          `Set config.on_invalid_record to "skip" to write the other objects without it, or use --format jsonl, which keeps lines as they are.`,
        { code: "RECORD_UNREPRESENTABLE", failureType: "system_error" },
      );
    }
    this.skipped.count++;
    this.skipped.first ??= { line: record.line, gid: record.gid, reason };
  }

  /** Hand the batch to the encoder once the previous one was taken (one batch in flight keeps both threads busy). */
  private async send(): Promise<void> {
    if (this.batchRows === 0) return;
    await this.inFlight;
    const batch = packBatch(this.batchRows, this.shredder.leaves, this.options.encoding.buffers);
    this.batchRows = 0;
    this.batchBytes = 0;
    this.inFlight = this.file.add(batch).then((added) => this.settle(added));
    // Awaited by the next send or by close; not an unhandled rejection meanwhile.
    this.inFlight.catch(() => undefined);
  }

  private settle(added: Added): void {
    this.status = added.status;
    this.options.encoding.buffers.give(added.buffer);
  }

  async close(): Promise<number> {
    await this.send();
    await this.inFlight;
    this.inFlight = undefined;
    const size = await this.file.finish();
    await this.handle.sync();
    await this.handle.close();
    await this.dropSpill();
    return size;
  }

  private async dropSpill(): Promise<void> {
    await this.spill.handle.close().catch(() => undefined);
    await rm(this.spill.path, { force: true });
  }

  async destroy(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    // Only once the encoder is done with the descriptor may it be closed (and its number reused).
    await this.file.discard().catch(() => undefined);
    await this.handle.close().catch(() => undefined);
    await this.dropSpill().catch(() => undefined);
  }
}

/** `dir/.x-00001.parquet.partial` -> `dir/.x-00001.parquet.pages.partial` (any other name: `<name>.pages.partial`). */
function spillPathOf(path: string): string {
  return path.endsWith(".partial") ? `${path.slice(0, -".partial".length)}.pages.partial` : `${path}.pages.partial`;
}

/** The Parquet file format for one stream's columns. */
export function parquetFormat(options: ParquetOptions): FileFormat {
  const data = options.columns.filter((c) => !ADDED.has(c.name));
  const columns: Column[] = [...data, ...ADDED_COLUMNS.map(({ name, type }) => ({ name, type }))];
  const keyValues = Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value }));
  return {
    extension: "parquet",
    async open(path) {
      const shredder = new LineShredder(columns, data.length);
      const handle = await open(path, "wx");
      // The spill file of the row group's pages: hidden beside the file, a `.partial` like it, so a
      // killed run's is swept with the other temporaries.
      const spillPath = spillPathOf(path);
      let spill: FileHandle | undefined;
      let file: FileEncoding;
      try {
        spill = await open(spillPath, "wx+");
        file = await options.encoding.open(
          {
            columns,
            compression: options.compression,
            pageVersion: options.pageVersion ?? PARQUET_DEFAULTS.pageVersion,
            rowGroupBytes: options.rowGroupBytes ?? PARQUET_DEFAULTS.rowGroupBytes,
            footerBytes: options.footerBytes ?? PARQUET_DEFAULTS.footerBytes,
            keyValues,
            createdBy: options.createdBy,
          },
          { fd: handle.fd, spillFd: spill.fd },
        );
      } catch (error) {
        await handle.close();
        await spill?.close();
        await rm(spillPath, { force: true });
        throw error;
      }
      return new ParquetPart(handle, { handle: spill, path: spillPath }, shredder, file, options);
    },
  };
}
