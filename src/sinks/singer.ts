// Singer protocol serialiser: sync events -> SCHEMA, RECORD, STATE, ACTIVATE_VERSION and BATCH lines
// on stdout. Logs go to the logger (stderr): Singer keeps stdout for messages.
import type { Logger } from "../core/logger.js";
import type { Redactor } from "../core/redact.js";
import type { SyncEvent, Sink } from "../core/events.js";
import { DELETION_COLUMNS, type ExportRecord } from "../core/record.js";
import { withDeletionColumn } from "../core/row-record.js";
import type { LineWriter } from "./output.js";
import type { BatchFiles } from "./singer-batch.js";
import {
  activateVersionMessage,
  batchMessage,
  recordFrame,
  schemaMessage,
  stateMessage,
  type BatchEncoding,
  type SchemaMessageInput,
} from "./singer-messages.js";

/** A stream as the Singer sink announces it. */
export interface SingerStream extends SchemaMessageInput {
  /** FULL_TABLE: wrapped in ACTIVATE_VERSION so targets can drop objects the export no longer holds. */
  fullTable: boolean;
}

/** Records go to BATCH files instead of RECORD messages. */
export interface SingerBatchOutput {
  files: BatchFiles;
  encoding: BatchEncoding;
}

/** What the Singer sink needs besides the events. */
export interface SingerSinkOptions {
  out: LineWriter;
  redactor: Redactor;
  logger: Logger;
  streams: readonly SingerStream[];
  /** The bookmarks of the input state: kept for streams this run does not sync. */
  initialBookmarks: Readonly<Record<string, unknown>>;
  /**
   * The version of this run's full-table streams (ACTIVATE_VERSION and RECORD `version`) when the
   * sync does not name its export; otherwise the export's created_at in epoch ms is used, so a
   * resumed export keeps its version.
   */
  version: number;
  batch?: SingerBatchOutput;
}

/**
 * Writes sync events as Singer messages. Every STATE is the whole `{"bookmarks": {...}}`, and a
 * stream's final state (the one naming the completed export) follows its last record, its BATCH
 * files and its closing ACTIVATE_VERSION.
 */
export class SingerSink implements Sink {
  private readonly bookmarks: Record<string, unknown>;
  private readonly byName: ReadonlyMap<string, SingerStream>;
  private readonly activated = new Set<string>();
  private lastState = "";
  private version: number;
  private exportGid = "";

  constructor(private readonly options: SingerSinkOptions) {
    this.version = options.version;
    this.bookmarks = { ...options.initialBookmarks };
    this.byName = new Map(options.streams.map((s) => [s.stream, s]));
  }

  /** Announce every stream (SCHEMA) before any of its records. */
  async begin(): Promise<void> {
    for (const stream of this.options.streams) await this.options.out.line(schemaMessage(stream));
    await this.options.out.flush();
  }

  async handle(event: SyncEvent): Promise<void> {
    switch (event.kind) {
      case "records":
        await this.records(event.stream, event.records, event.emittedAt);
        return;
      case "state":
        await this.state(event.stream, event.state, event.exportGid !== undefined);
        return;
      case "log":
        this.options.logger(event.level, this.options.redactor.redact(event.message));
        return;
      case "progress":
        if (event.exportGid !== undefined) this.exportGid = event.exportGid;
        if (event.exportCreatedAt !== undefined && this.activated.size === 0) {
          const createdAt = Date.parse(event.exportCreatedAt);
          if (!Number.isNaN(createdAt)) this.version = createdAt;
        }
        return;
      case "stream_status":
      case "estimate":
        return;
    }
  }

  async finish(): Promise<void> {
    await this.options.out.flush();
  }

  async abort(): Promise<void> {
    await this.options.batch?.files.abort();
  }

  private versioned(stream: string): boolean {
    return this.options.batch === undefined && this.byName.get(stream)?.fullTable === true;
  }

  private async activate(stream: string): Promise<void> {
    this.activated.add(stream);
    await this.options.out.line(activateVersionMessage(stream, this.version));
  }

  private async records(stream: string, given: readonly ExportRecord[], emittedAt: number): Promise<void> {
    const { out, batch } = this.options;
    // Deletion records are rare: a batch without one is written as it came.
    const records = given.some((r) => r.deletedAt !== undefined) ? given.map((r) => withDeletionColumn(r, DELETION_COLUMNS.singer)) : given;
    if (batch !== undefined) {
      await this.announce(stream, await batch.files.add(stream, records, { extractedAt: emittedAt, exportGid: this.exportGid }));
      return;
    }
    const versioned = this.versioned(stream);
    if (versioned && !this.activated.has(stream)) await this.activate(stream);
    const frame = recordFrame(stream, new Date(emittedAt).toISOString(), versioned ? this.version : undefined);
    // The raw line's bytes go between the frame's, as the Airbyte sink does: never decoded or re-encoded.
    const head = Buffer.from(frame.head, "utf8");
    const tail = Buffer.from(frame.tail, "utf8");
    for (const r of records) {
      const full = out.record(head, r, tail);
      if (full !== undefined) await full;
    }
  }

  private async announce(stream: string, manifest: readonly string[]): Promise<void> {
    const { out, batch } = this.options;
    if (batch === undefined || manifest.length === 0) return;
    await out.line(batchMessage(stream, batch.encoding, manifest));
  }

  private async state(stream: string, blob: Record<string, unknown>, final: boolean): Promise<void> {
    const { out, batch } = this.options;
    if (final && this.byName.has(stream)) {
      if (batch !== undefined) {
        await this.announce(stream, await batch.files.close(stream));
        const skipped = batch.files.skipped(stream);
        if (skipped.count > 0) {
          const first = skipped.first === undefined ? "" : ` (first: ${skipped.first.gid}: ${skipped.first.reason})`;
          this.options.logger("warn", `Skipped invalid lines (on_invalid_record = skip): ${skipped.count} ${stream} line(s) the Parquet writer cannot represent${first}`);
        }
      }
      if (this.versioned(stream)) {
        // A stream with no record still gets both: the export holds none of its objects any more.
        if (!this.activated.has(stream)) await this.activate(stream);
        await out.line(activateVersionMessage(stream, this.version));
      }
    }
    this.bookmarks[stream] = blob;
    const line = stateMessage({ bookmarks: this.bookmarks });
    if (line === this.lastState) return;
    this.lastState = line;
    await out.line(line);
    // A state is a promise to the target: make sure it leaves the process now.
    await out.flush();
  }
}
