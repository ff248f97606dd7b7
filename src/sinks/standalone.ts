// The sink of the standalone `sync`: records go to per-stream rotating files under temporary names;
// only finish(), after the whole export was read, publishes them: files renamed, then the manifest,
// then the state file replaced atomically, last. A failure before that leaves no final file of this
// export and the previous state file untouched; abort() deletes the temporaries.
import { rm } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import type { StreamDefinition } from "../streams/index.js";
import type { Sink, StateBlob, SyncEvent } from "../core/events.js";
import { fileSystemError } from "../core/fs-errors.js";
import type { Logger } from "../core/logger.js";
import { DELETION_COLUMNS } from "../core/record.js";
import { withDeletionColumn } from "../core/row-record.js";
import { RotatingFileWriter, columnsHash, fileFormat, streamColumns, writeFileAtomic, type FileSettings, type WrittenFile } from "./files/index.js";
import { MANIFESTS, fileSafeTime } from "./standalone-leftovers.js";
import { manifestDocument, type Manifest } from "./standalone-manifest.js";

/** What the next run does after this sink failed to write or publish. */
const UNPUBLISHED =
  "Nothing of this export was published and the state file is unchanged: the next run resumes the export job " +
  "recorded beside the state file (or starts a new export if it could not be recorded).";

/** Settings of one standalone sync's output. */
export interface StandaloneOptions {
  outDir: string;
  /** Format and compression of the files (for Parquet, where row groups are encoded). */
  files: FileSettings;
  maxFileBytes: number;
  statePath: string;
  /** The streams of this sync. */
  streams: readonly Pick<StreamDefinition, "name" | "schema">[];
  /** Per-stream state loaded at the start; kept for streams this sync does not touch. */
  previousState: Readonly<Record<string, StateBlob>>;
  clock: { now(): number };
  /** Where the warning about skipped lines goes. */
  logger?: Logger;
  /** Told of each step of publishing as it completes (a progress display). */
  onPublish?: (step: PublishStep) => void;
}

/** One completed step of finish(): a file renamed to its final name, the manifest, the state file. */
export interface PublishStep {
  kind: "file" | "manifest" | "state";
  path: string;
}

/** What one stream got from a sync. */
export interface StreamResult {
  stream: string;
  rows: number;
  bytes: number;
  /** Paths relative to the output folder, with `/` separators. */
  files: { path: string; rows: number; bytes: number }[];
  cursor: string | undefined;
  /** Lines the Parquet writer could not represent and skipped (on_invalid_record = skip). */
  skipped: number;
  /** Of `rows`, tombstones of objects deleted in Asana. */
  deleted: number;
}

/** The outcome of a finished sync. */
export interface SyncResult {
  exportGid: string;
  exportCreatedAt: string;
  manifestPath: string;
  statePath: string;
  streams: StreamResult[];
}

/** Where the standalone sync records the export job it is running, beside the state file. */
export function pendingStatePath(statePath: string): string {
  // Hidden, like the temporaries: nothing a loader should pick up.
  return join(dirname(statePath), `.${basename(statePath)}.pending`);
}

/** Routes a sync's records to per-stream files and publishes them, the manifest and the state in finish(). */
export class StandaloneSink implements Sink {
  private readonly writers = new Map<string, RotatingFileWriter>();
  private readonly states = new Map<string, StateBlob>();
  /** Tombstone rows written per stream (deletion records). */
  private readonly deleted = new Map<string, number>();
  private readonly pending = new Map<string, StateBlob>();
  private exportInfo: { gid: string; createdAt: string } | undefined;
  private result: SyncResult | undefined;

  constructor(private readonly options: StandaloneOptions) {}

  handle(event: SyncEvent): Promise<void> | void {
    switch (event.kind) {
      case "progress":
        if (event.exportGid !== undefined && event.exportCreatedAt !== undefined) {
          this.exportInfo = { gid: event.exportGid, createdAt: event.exportCreatedAt };
        }
        return;
      case "records":
        return this.write(event.stream, event);
      case "state":
        this.states.set(event.stream, event.state);
        if (event.exportGid !== undefined && event.exportCreatedAt !== undefined) {
          this.exportInfo ??= { gid: event.exportGid, createdAt: event.exportCreatedAt };
          return;
        }
        return this.recordPending(event.stream, event.state);
      default:
        return;
    }
  }

  /**
   * A state naming a running export job (not yet complete) goes to a side file, so a killed sync's
   * rerun resumes that job, while the state file keeps naming the last complete sync.
   */
  private async recordPending(stream: string, state: StateBlob): Promise<void> {
    if (state.pending_export === undefined) {
      // The sync gave the job up (its file was unusable): the next run must not resume it.
      if (!this.pending.delete(stream)) return;
    } else {
      // Only the job and the cursor it was started from matter here (withRecordedPending); the
      // deletion keys stay in the state file.
      const { given: _kept, ...job } = state;
      this.pending.set(stream, job);
    }
    const path = pendingStatePath(this.options.statePath);
    if (this.pending.size === 0) await rm(path, { force: true });
    else await writeFileAtomic(path, `${JSON.stringify({ bookmarks: Object.fromEntries(this.pending) }, null, 2)}\n`);
  }

  private async write(stream: string, event: Extract<SyncEvent, { kind: "records" }>): Promise<void> {
    try {
      await this.writeRecords(stream, event);
    } catch (error) {
      // A failed write names no path (it is a file handle's): the stream's folder is the one to show.
      throw fileSystemError(error, join(this.options.outDir, stream), { doing: `write the files of stream ${stream} in`, next: UNPUBLISHED }) ?? error;
    }
  }

  private async writeRecords(stream: string, event: Extract<SyncEvent, { kind: "records" }>): Promise<void> {
    if (this.exportInfo === undefined) throw new Error("records arrived before the export was named (a progress event with exportGid)");
    let writer = this.writers.get(stream);
    if (writer === undefined) {
      const definition = this.options.streams.find((s) => s.name === stream);
      if (definition === undefined) throw new Error(`records of stream '${stream}', which this sync did not select`);
      writer = new RotatingFileWriter({
        dir: join(this.options.outDir, stream),
        format: fileFormat(definition, this.options.files),
        maxFileBytes: this.options.maxFileBytes,
      });
      this.writers.set(stream, writer);
    }
    let records = event.records;
    if (records.some((r) => r.deletedAt !== undefined)) {
      records = records.map((r) => withDeletionColumn(r, DELETION_COLUMNS.files));
      this.deleted.set(stream, (this.deleted.get(stream) ?? 0) + records.filter((r) => r.deletedAt !== undefined).length);
    }
    await writer.write(records, { extractedAt: event.emittedAt, exportGid: this.exportInfo.gid });
  }

  /** Publish: files to final names, then the manifest, then the state file (atomically, last). */
  async finish(): Promise<void> {
    const info = this.exportInfo;
    if (info === undefined) throw new Error("the sync finished without naming its export; nothing was published");
    const baseName = fileSafeTime(info.createdAt);
    const published: string[] = [];
    try {
      const committed = new Map<string, WrittenFile[]>();
      for (const [stream, writer] of this.writers) {
        const files = await writer.commit(baseName);
        published.push(...files.map((f) => f.path));
        committed.set(stream, files);
        const { count, first } = writer.skipped;
        if (count > 0) {
          const at = first === undefined ? "" : ` (first: ${first.gid}${first.line > 0 ? ` at line ${first.line}` : ""}: ${first.reason})`;
          this.options.logger?.("warn", `Skipped invalid lines (on_invalid_record = skip): ${count} ${stream} line(s) the Parquet writer cannot represent${at}`);
        }
        for (const f of files) this.options.onPublish?.({ kind: "file", path: f.path });
      }
      const streams = this.options.streams.map((s) => this.streamResult(s.name, committed.get(s.name) ?? []));
      const manifestPath = join(this.options.outDir, MANIFESTS, `${info.gid}.json`);
      const manifest: Manifest = manifestDocument({
        exportGid: info.gid,
        exportCreatedAt: info.createdAt,
        writtenAt: new Date(this.options.clock.now()).toISOString(),
        format: this.options.files.format,
        compression: this.options.files.compression,
        streams: streams.map((r) => ({ ...r, columnsHash: this.options.files.format === "parquet" ? columnsHash(streamColumns(this.schemaOf(r.stream))) : undefined })),
      });
      await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
      published.push(manifestPath);
      this.options.onPublish?.({ kind: "manifest", path: manifestPath });
      const bookmarks: Record<string, StateBlob> = { ...this.options.previousState };
      for (const [stream, state] of this.states) bookmarks[stream] = state;
      await writeFileAtomic(this.options.statePath, `${JSON.stringify({ bookmarks }, null, 2)}\n`);
      await rm(pendingStatePath(this.options.statePath), { force: true });
      this.options.onPublish?.({ kind: "state", path: this.options.statePath });
      this.result = { exportGid: info.gid, exportCreatedAt: info.createdAt, manifestPath, statePath: this.options.statePath, streams };
    } catch (error) {
      // The state file still names the previous sync: withdraw what this one published.
      for (const path of published) await rm(path, { force: true });
      throw fileSystemError(error, (error as NodeJS.ErrnoException).path ?? this.options.outDir, { doing: "publish the files in", next: UNPUBLISHED }) ?? error;
    }
  }

  private streamResult(stream: string, written: readonly WrittenFile[]): StreamResult {
    const files = written.map((f) => ({ path: relative(this.options.outDir, f.path).split(sep).join("/"), rows: f.rows, bytes: f.bytes }));
    const cursor = this.states.get(stream)?.cursor;
    return {
      stream,
      skipped: this.writers.get(stream)?.skipped.count ?? 0,
      deleted: this.deleted.get(stream) ?? 0,
      rows: files.reduce((n, f) => n + f.rows, 0),
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      files,
      cursor: typeof cursor === "string" ? cursor : undefined,
    };
  }

  private schemaOf(stream: string): StreamDefinition["schema"] {
    const definition = this.options.streams.find((s) => s.name === stream);
    if (definition === undefined) throw new Error(`unknown stream ${stream}`);
    return definition.schema;
  }

  /** Delete every temporary file; published files and the state file are not touched. */
  async abort(): Promise<void> {
    for (const writer of this.writers.values()) await writer.abort().catch(() => undefined);
  }

  /** The outcome, once finish() succeeded. */
  get outcome(): SyncResult | undefined {
    return this.result;
  }

  /** Rows and bytes written so far per stream (for progress displays). */
  written(): Map<string, { rows: number; bytes: number }> {
    return new Map([...this.writers].map(([s, w]) => [s, { rows: w.rows, bytes: w.bytes }]));
  }
}
