// BATCH files of the Singer tap, through the shared per-stream rotating file writer (src/sinks/files):
// jsonl (raw records, one per line, the Meltano SDK's batch format; not RECORD messages) or typed
// Parquet. Parts are written under temporary names and renamed when complete, so a target never
// reads half a file; each part is announced as soon as it has its final name.
import { pathToFileURL } from "node:url";
import type { StreamDefinition } from "../streams/index.js";
import type { ExportRecord } from "../core/record.js";
import { fileFormat, RotatingFileWriter, type FileSettings, type RecordStamp, type SkippedLines, type WrittenFile } from "./files/index.js";
import type { BatchEncoding } from "./singer-messages.js";

/** Where and how BATCH files are written. */
export interface BatchFileSettings {
  /** Local directory that receives the files (created when missing). */
  directory: string;
  /** Put before every file name (not a folder): `<prefix><stream>-<runId>-00001.jsonl.gz`. */
  prefix: string;
  encoding: BatchEncoding;
  /** How the files are written (the format and compression of `encoding`; for Parquet, where it is encoded). */
  files: FileSettings;
  /** A new file is started after this many records (the SDK's `batch_size`). */
  maxRecordsPerFile: number;
  /** Distinguishes this run's files from other runs' in the same directory. */
  runId: string;
}

/** Writes the records of each stream into rotating BATCH files; reports completed files as file:// URLs. */
export interface BatchFiles {
  /** Append records of a stream; returns files completed by rotation. */
  add(stream: string, records: readonly ExportRecord[], stamp: RecordStamp): Promise<string[]>;
  /** Complete the stream's open file; returns it (none when the stream had no records since the last one). */
  close(stream: string): Promise<string[]>;
  /** Remove every file not yet completed. */
  abort(): Promise<void>;
  /** Lines of the stream the writer could not represent and skipped (on_invalid_record = skip). */
  skipped(stream: string): SkippedLines;
}

interface StreamFiles {
  writer: RotatingFileWriter;
  /** Records in the open part. */
  inPart: number;
  /** Files renamed since the last report. */
  done: WrittenFile[];
}

/** BATCH files for the given streams, one rotating writer each. */
export class RotatingBatchFiles implements BatchFiles {
  private readonly streams = new Map<string, StreamFiles>();

  constructor(
    private readonly settings: BatchFileSettings,
    private readonly definitions: readonly Pick<StreamDefinition, "name" | "schema">[],
  ) {}

  async add(stream: string, records: readonly ExportRecord[], stamp: RecordStamp): Promise<string[]> {
    const files = this.filesOf(stream);
    const max = this.settings.maxRecordsPerFile;
    let start = 0;
    while (start < records.length) {
      const take = Math.min(records.length - start, max - files.inPart);
      await files.writer.write(start === 0 && take === records.length ? records : records.slice(start, start + take), stamp);
      files.inPart += take;
      start += take;
      if (files.inPart >= max) {
        // With commitEachPart, closing the part renames it and reports it through onCommitted.
        await files.writer.close();
        files.inPart = 0;
      }
    }
    return this.report(files);
  }

  async close(stream: string): Promise<string[]> {
    const files = this.streams.get(stream);
    if (files === undefined) return [];
    await files.writer.commit();
    files.inPart = 0;
    return this.report(files);
  }

  async abort(): Promise<void> {
    for (const files of this.streams.values()) await files.writer.abort();
  }

  skipped(stream: string): SkippedLines {
    return this.streams.get(stream)?.writer.skipped ?? { count: 0 };
  }

  private report(files: StreamFiles): string[] {
    return files.done.splice(0).map((f) => pathToFileURL(f.path).href);
  }

  private filesOf(stream: string): StreamFiles {
    const existing = this.streams.get(stream);
    if (existing !== undefined) return existing;
    const definition = this.definitions.find((d) => d.name === stream);
    if (definition === undefined) throw new Error(`no BATCH settings for stream '${stream}'`);
    const { directory, prefix, files: fileSettings, runId } = this.settings;
    const done: WrittenFile[] = [];
    const writer = new RotatingFileWriter({
      dir: directory,
      format: fileFormat(definition, fileSettings),
      // Rotation is by record count (batch_size), as the SDK does.
      maxFileBytes: Number.MAX_SAFE_INTEGER,
      baseName: `${prefix}${stream}-${runId}`,
      commitEachPart: true,
      onCommitted: (file) => {
        done.push(file);
      },
    });
    const files: StreamFiles = { writer, inPart: 0, done };
    this.streams.set(stream, files);
    return files;
  }
}
