// The internal events of a sync and the Sink that consumes them. The sync emits them; Airbyte,
// Singer and the file sinks are serialisers of them; none of the sinks knows HTTP or the export file.
import type { LogLevel } from "./logger.js";
import type { ExportRecord } from "./record.js";

export type StreamStatus = "STARTED" | "RUNNING" | "COMPLETE" | "INCOMPLETE";

/** A per-stream state value, opaque to sinks. */
export type StateBlob = Record<string, unknown>;

export type SyncEvent =
  | { kind: "log"; level: LogLevel; message: string }
  | { kind: "stream_status"; stream: string; status: StreamStatus }
  /** Size of the export file, compressed, when the download announces it. */
  | { kind: "estimate"; bytes: number }
  /**
   * The export job's status while waiting (with its gid and when it is polled next, clock ms), and
   * download progress. Once the export is ready (before its first record), `exportGid` and
   * `exportCreatedAt` name it, for sinks that stamp records with it.
   */
  | {
      kind: "progress";
      job?: string;
      jobGid?: string;
      nextPollAt?: number;
      downloadedBytes?: number;
      totalBytes?: number;
      exportGid?: string;
      exportCreatedAt?: string;
    }
  | { kind: "records"; stream: string; records: readonly ExportRecord[]; emittedAt: number }
  /**
   * A stream's state, final for everything emitted before it. `recordCount`: records of that stream
   * since its previous state. `exportGid`/`exportCreatedAt` are set when an export was completed.
   */
  | { kind: "state"; stream: string; state: StateBlob; recordCount: number; exportGid?: string; exportCreatedAt?: string };

/** Something that consumes sync events; awaiting `handle` is how backpressure reaches the sync. */
export interface Sink {
  handle(event: SyncEvent): void | Promise<void>;
  /** Called once after the last event of a successful sync. */
  finish?(): Promise<void>;
  /** Called once when the sync failed: remove partial output. */
  abort?(error: unknown): Promise<void>;
}
