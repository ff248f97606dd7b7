// One sync = one export job: plan, start or resume the job, wait, download, decode, emit, advance state.
import type { AsanaApi, ExportJob } from "../asana/api.js";
import { AsanaApiError } from "../asana/errors.js";
import { pollExport, startExport, type FinishedExport } from "../asana/export-job.js";
import type { Clock } from "../core/clock.js";
import { ConnectorError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { StreamStatus, SyncEvent } from "../core/events.js";
import type { ExportRecord } from "../core/record.js";
import type { DecodeStats } from "../export-file/decode.js";
import { MissingCursorError, cannotResume } from "./errors.js";
import { planExport, type PlanSettings, type SelectedStream } from "./plan.js";
import {
  hasPendingExport,
  pendingExport,
  withCompletedExport,
  withoutPendingExport,
  withPendingExport,
  type ConnectorState,
  type PendingExport,
} from "./state.js";

/** Opens the export file as batches of decoded records; `stats` is complete after the last batch. */
export type ExportReader = (input: {
  resolveUrl: (reason: "initial" | "expired") => Promise<string>;
  wantedTypes: ReadonlySet<string>;
  /** Top-level fields the sync tests for being strings (the cursors): `hasString` answers them cheaply. */
  stringFields?: readonly string[];
  onTotalBytes: (bytes: number) => void;
}) => { batches: AsyncIterable<readonly ExportRecord[]>; stats: DecodeStats };

export interface SyncOptions extends PlanSettings {
  pollIntervalMs: number;
  exportTimeoutMs: number;
  onInvalidRecord: "fail" | "skip";
  /** Heartbeat STATE while waiting: Airbyte gives up on a source silent for 3 hours. */
  heartbeatMs?: number;
  /** Log download progress at most this often (default 30 s). */
  progressLogMs?: number;
  /** Emit download progress events at most this often (default: as often as the log). */
  progressEventMs?: number;
}

export interface SyncDeps {
  api: AsanaApi;
  /** For what happens inside a call (retries, waiting for the export slot), logged as it happens. */
  logger: Logger;
  readExport: ExportReader;
  /** Whether a download URL still serves its file (false on 404/410); used for resumed jobs only. */
  probeFile: (url: string) => Promise<boolean>;
  clock: Clock;
  signal?: AbortSignal;
}

const log = (level: "info" | "warn", message: string): SyncEvent => ({ kind: "log", level, message });

/** Run one sync, yielding events in protocol order; the final states come only after every record. */
export async function* runSync(
  streams: readonly SelectedStream[],
  initialState: ConnectorState,
  options: SyncOptions,
  deps: SyncDeps,
): AsyncGenerator<SyncEvent, ConnectorState> {
  const names = streams.map((s) => s.name);
  const statuses = (status: StreamStatus): SyncEvent[] => names.map((stream) => ({ kind: "stream_status", stream, status }));
  yield* statuses("STARTED");
  let state = initialState;
  try {
    const plan = planExport(streams, state, options);
    let resumed = await resumable(pendingExport(state, names, plan.fingerprint), options.workspace, deps.api);
    let finished: FinishedExport;
    for (;;) {
      let pending = resumed;
      if (pending === undefined) {
        yield log("info", `Starting an export of ${names.join(", ")} in workspace ${options.workspace}`);
        const job = await startExport(deps.api, options.workspace, plan.parameters, {
          clock: deps.clock,
          logger: deps.logger,
          slotWaitMs: options.exportTimeoutMs,
          intervalMs: options.pollIntervalMs,
          ...(deps.signal ? { signal: deps.signal } : {}),
        });
        pending = {
          job_gid: job.gid,
          workspace: options.workspace,
          fingerprint: plan.fingerprint,
          started_at: new Date(deps.clock.now()).toISOString(),
          status: job.status,
        };
      } else {
        yield log("info", `Resuming export job ${pending.job_gid}, started ${pending.started_at}, instead of starting another`);
      }
      state = withPendingExport(state, names, pending);
      yield { kind: "progress", job: pending.status ?? "not_started", jobGid: pending.job_gid };
      yield* stateEvents(state, names, new Map());
      finished = yield* waitAndHeartbeat(pending, names, () => state, (s) => (state = s), options, deps);
      if (resumed === undefined || (yield* fileAvailable(finished, deps))) break;
      // Asana keeps export files 30 days: a job resumed after that has nothing left to download.
      yield log("warn", `The file of resumed export job ${resumed.job_gid} is no longer available; starting a new export`);
      resumed = undefined;
    }
    yield log("info", `Export ${finished.exportGid} is ready (created ${finished.createdAt})`);
    yield { kind: "progress", job: "succeeded", exportGid: finished.exportGid, exportCreatedAt: finished.createdAt };
    yield* statuses("RUNNING");

    const counts = yield* emitRecords(streams, finished, options, deps);
    state = withCompletedExport(state, names, new Set(streams.filter((s) => s.cursorField).map((s) => s.name)), finished.createdAt);
    yield* stateEvents(state, names, counts, finished);
    yield* statuses("COMPLETE");
    return state;
  } catch (error) {
    if (cannotResume(error) && hasPendingExport(state, names)) {
      // Resuming would fail the same way on every rerun: forget the job so the next run starts a new export.
      state = withoutPendingExport(state, names);
      yield log("warn", `The export cannot be resumed (${error.code}); the state no longer records its job, so the next run starts a new export`);
      yield* stateEvents(state, names, new Map());
    }
    yield* statuses("INCOMPLETE");
    throw error;
  }
}

/** Whether a finished export's file can still be downloaded (a HEAD-like probe of its first byte). */
async function* fileAvailable(finished: FinishedExport, deps: SyncDeps): AsyncGenerator<SyncEvent, boolean> {
  const ok = await deps.probeFile(finished.downloadUrl);
  if (!ok) yield log("warn", `Export ${finished.exportGid}: its download answered 404`);
  return ok;
}

/** A recorded job (of the same request) worth resuming: Asana still knows it and has not failed it. */
async function resumable(pending: PendingExport | undefined, workspace: string, api: AsanaApi): Promise<PendingExport | undefined> {
  if (pending === undefined || pending.workspace !== workspace) return undefined;
  try {
    const job = await api.job(pending.job_gid);
    return job.status === "failed" ? undefined : pending;
  } catch (error) {
    if (error instanceof AsanaApiError && error.status === 404) return undefined;
    throw error;
  }
}

function* stateEvents(
  state: ConnectorState,
  names: readonly string[],
  counts: ReadonlyMap<string, number>,
  finished?: FinishedExport,
): Generator<SyncEvent> {
  for (const stream of names) {
    const blob = state.streams[stream];
    if (blob === undefined) continue;
    yield {
      kind: "state",
      stream,
      state: { ...blob },
      recordCount: counts.get(stream) ?? 0,
      ...(finished ? { exportGid: finished.exportGid, exportCreatedAt: finished.createdAt } : {}),
    };
  }
}

async function* waitAndHeartbeat(
  pending: PendingExport,
  names: readonly string[],
  getState: () => ConnectorState,
  setState: (s: ConnectorState) => void,
  options: SyncOptions,
  deps: SyncDeps,
): AsyncGenerator<SyncEvent, FinishedExport> {
  const heartbeatMs = options.heartbeatMs ?? 5 * 60_000;
  let lastBeat = deps.clock.now();
  const polls = pollExport(deps.api, pending.job_gid, {
    clock: deps.clock,
    logger: deps.logger,
    intervalMs: options.pollIntervalMs,
    startedAtMs: Date.parse(pending.started_at),
    timeoutMs: options.exportTimeoutMs,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  for (;;) {
    const next = await polls.next();
    if (next.done) return next.value;
    const job: ExportJob = next.value.job;
    yield { kind: "progress", job: job.status, jobGid: job.gid, nextPollAt: deps.clock.now() + next.value.nextPollInMs };
    const now = deps.clock.now();
    if (now - lastBeat >= heartbeatMs) {
      lastBeat = now;
      const beat: PendingExport = { ...pending, checked_at: new Date(now).toISOString(), status: job.status };
      setState(withPendingExport(getState(), names, beat));
      yield log("info", `Export job ${job.gid} is ${job.status.replace("_", " ")}; still waiting`);
      yield* stateEvents(getState(), names, new Map());
    }
  }
}

async function* emitRecords(
  streams: readonly SelectedStream[],
  finished: FinishedExport,
  options: SyncOptions,
  deps: SyncDeps,
): AsyncGenerator<SyncEvent, Map<string, number>> {
  const byType = new Map(streams.map((s) => [s.resourceType, s]));
  const counts = new Map(streams.map((s) => [s.name, 0]));
  const pendingEvents: SyncEvent[] = [];
  const logMs = options.progressLogMs ?? 30_000;
  const eventMs = options.progressEventMs ?? logMs;
  let lastLog = deps.clock.now();
  let lastEvent = lastLog;
  let total: number | undefined;
  const reader = deps.readExport({
    resolveUrl: async (reason) => {
      if (reason === "initial") return finished.downloadUrl;
      const job = await deps.api.job(finished.jobGid);
      const url = job.new_resource_export?.download_url;
      if (!url) throw new ConnectorError(`Export job ${finished.jobGid} no longer offers a download URL. Run the sync again.`, { code: "DOWNLOAD_URL_GONE", failureType: "transient_error", retryable: true });
      return url;
    },
    wantedTypes: new Set(byType.keys()),
    stringFields: [...new Set(streams.flatMap((s) => (s.incremental && s.cursorField !== undefined ? [s.cursorField] : [])))],
    onTotalBytes: (bytes) => {
      if (total === undefined) pendingEvents.push({ kind: "estimate", bytes });
      total = bytes;
    },
  });
  let skippedCursor = 0;
  for await (const batch of reader.batches) {
    if (pendingEvents.length > 0) yield* pendingEvents.splice(0);
    const perStream = new Map<string, ExportRecord[]>();
    for (const line of batch) {
      const stream = byType.get(line.resourceType);
      if (stream === undefined) continue;
      const cursor = stream.incremental ? stream.cursorField : undefined;
      if (cursor !== undefined && !(line.hasString(cursor))) {
        if (options.onInvalidRecord === "fail") throw new MissingCursorError(stream.name, line.gid, cursor, line.line);
        skippedCursor++;
        continue;
      }
      let list = perStream.get(stream.name);
      if (list === undefined) perStream.set(stream.name, (list = []));
      list.push(line);
    }
    const emittedAt = deps.clock.now();
    for (const [stream, records] of perStream) {
      counts.set(stream, (counts.get(stream) ?? 0) + records.length);
      yield { kind: "records", stream, records, emittedAt };
    }
    const received = reader.stats.compressedBytes;
    if (emittedAt - lastLog >= logMs) {
      lastLog = emittedAt;
      const of = total === undefined ? "" : ` of ${(total / 1e6).toFixed(1)} MB`;
      const recs = [...counts].map(([s, n]) => `${s} ${n}`).join(", ");
      yield log("info", `Downloaded ${(received / 1e6).toFixed(1)} MB${of}; records: ${recs}`);
    }
    if (emittedAt - lastEvent >= eventMs) {
      lastEvent = emittedAt;
      yield { kind: "progress", downloadedBytes: received, ...(total === undefined ? {} : { totalBytes: total }) };
    }
  }
  if (pendingEvents.length > 0) yield* pendingEvents.splice(0);
  const stats = reader.stats;
  // The last sampled progress lags the end of the download: say where it ended.
  yield { kind: "progress", downloadedBytes: stats.compressedBytes, ...(total === undefined ? {} : { totalBytes: total }) };
  for (const [type, n] of stats.unwantedTypes) {
    yield log("warn", `Ignored ${n} line(s) of resource_type '${type}', which no selected stream reads`);
  }
  const skipped = Object.entries(stats.invalid).filter(([, n]) => n > 0);
  if (skipped.length > 0 || skippedCursor > 0) {
    const parts = skipped.map(([why, n]) => `${n} ${why.replaceAll("_", " ")}`);
    if (skippedCursor > 0) parts.push(`${skippedCursor} without their cursor`);
    yield log("warn", `Skipped invalid lines (on_invalid_record = skip): ${parts.join(", ")}`);
  }
  let duplicates = 0;
  for (const n of stats.duplicates.values()) duplicates += n;
  if (duplicates > 0) yield log("info", `Dropped ${duplicates} duplicate object(s) within the export`);
  yield log("info", `Read ${stats.lines} lines; records: ${[...counts].map(([s, n]) => `${s} ${n}`).join(", ")}`);
  return counts;
}
