// What a file format offers the rotating writer: open a file, append records, complete or discard it.
import type { ExportRecord } from "../../core/record.js";

/** What every row of a sync carries besides the record: when it was read and from which export. */
export interface RecordStamp {
  /** Epoch milliseconds the records were emitted. */
  extractedAt: number;
  exportGid: string;
}

/** Lines a writer could not represent and skipped (on_invalid_record = skip). */
export interface SkippedLines {
  count: number;
  /** The first of them, so a warning can point at it. */
  first?: { line: number; gid: string; reason: string };
}

/** One open file of a format. Not safe for concurrent calls: await each before the next. */
export interface PartWriter {
  /** Append records (buffered; Parquet pages and row groups are written as their bounds are reached). */
  write(records: readonly ExportRecord[], stamp: RecordStamp): Promise<void>;
  /** The file's size so far (Parquet: what it would measure if closed now, pending pages estimated). */
  readonly bytes: number;
  /** Records appended so far. */
  readonly rows: number;
  /** The format wants a new file (Parquet: the footer's per-row-group metadata reached its bound). */
  readonly full?: boolean;
  /** Lines it skipped because it cannot represent them (Parquet only). */
  readonly skipped?: SkippedLines;
  /** Write what is buffered and the file's end, fsync and close; resolves to the file's size. */
  close(): Promise<number>;
  /** Close the file without completing it; the caller deletes it. Never throws. */
  destroy(): Promise<void>;
}

/** A file format: how to open a part and the extension of its files. */
export interface FileFormat {
  /** Extension without the dot: `parquet`, `jsonl.gz`, `jsonl`. */
  readonly extension: string;
  open(path: string): Promise<PartWriter>;
}
