// What a file format offers the rotating writer: open a file, append records, complete or discard it.
import type { ExportRecord } from "../../core/record.js";

/** What every row of a sync carries besides the record: when it was read and from which export. */
export interface RecordStamp {
  /** Epoch milliseconds the records were emitted. */
  extractedAt: number;
  exportGid: string;
}

/** One open file of a format. Not safe for concurrent calls: await each before the next. */
export interface PartWriter {
  /** Append records (buffered; a Parquet row group is written when its bound is reached). */
  write(records: readonly ExportRecord[], stamp: RecordStamp): Promise<void>;
  /** Bytes written to the file so far (grows as row groups or compressed blocks reach it). */
  readonly bytes: number;
  /** Records appended so far. */
  readonly rows: number;
  /** The format wants a new file (Parquet: the footer's per-row-group metadata reached its bound). */
  readonly full?: boolean;
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
