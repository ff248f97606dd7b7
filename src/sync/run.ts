// One sync = one export job (two when Asana refuses a type twice): plan, start or resume the job, wait,
// download, decode, route to the streams, emit, advance state.
import type { AsanaApi, ExportJob, ExportRequestParameter } from "../asana/api.js";
import { AsanaApiError } from "../asana/errors.js";
import { pollExport, startExport, type FinishedExport } from "../asana/export-job.js";
import type { Clock } from "../core/clock.js";
import { ConfigError, ConnectorError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { StreamStatus, SyncEvent } from "../core/events.js";
import type { ExportRecord } from "../core/record.js";
import type { DecodeStats } from "../export-file/decode.js";
import { DeletionTracker, trackedStreams } from "./deletions.js";
import { cannotResume } from "./errors.js";
import { planSync, type ExportPlan, type PlanSettings, type SelectedStream } from "./plan.js";
import { Router } from "./route.js";
import {
  hasPendingExport,
  pendingExport,
  withCompletedExport,
  withoutPendingExport,
  withPendingExport,
  type ConnectorState,
  type GivenKeysBlob,
  type PendingExport,
} from "./state.js";

/** Opens the export file as batches of decoded records; `stats` is complete after the last batch. */
export type ExportReader = (input: {
  resolveUrl: (reason: "initial" | "expired") => Promise<string>;
  wantedTypes: ReadonlySet<string>;
  /** Top-level fields whose values the routing reads (cursor, markers, derived streams' fields). */
  fields: readonly string[];
  /** Resource types whose objects the decode finds nested anywhere in each line (the reference streams'). */
  referenceTypes: readonly string[];
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
  const names = streams.map((s) => s.definition.name);
  const statuses = (status: StreamStatus): SyncEvent[] => names.map((stream) => ({ kind: "stream_status", stream, status }));
  yield* statuses("STARTED");
  let state = initialState;
  let current: readonly string[] = names;
  try {
    const plan = planSync(streams, state, options);
    // A sync split into two jobs by an earlier run (Asana refused a type twice) resumes as two jobs,
    // the recorded one first: it holds the workspace's export slot.
    const recorded = (job: ExportPlan): boolean => pendingExport(state, job.streams, job.fingerprint) !== undefined;
    const singleJob: readonly ExportPlan[] = [plan.single];
    let jobs: readonly ExportPlan[] =
      plan.split !== undefined && plan.split.some(recorded) ? [...plan.split].sort((a, b) => Number(recorded(b)) - Number(recorded(a))) : singleJob;
    let running = false;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i] as ExportPlan;
      current = job.streams;
      let finished: FinishedExport;
      try {
        finished = yield* readyExport(job, () => state, (s) => (state = s), options, deps);
      } catch (error) {
        // Asana may refuse two parameters of one type (a 400): export in two jobs instead, once.
        if (plan.split === undefined || jobs !== singleJob || !refusesTypeTwice(error)) throw error;
        const described = plan.split.map((j) => j.streams.join(", ")).join("; then ");
        yield log(
          "warn",
          plan.split.length > 1
            ? `Asana refused two export parameters of one resource type; exporting in two jobs instead (${described})`
            : `Asana refused two export parameters of one resource type; exporting every object of it instead (${described})`,
        );
        jobs = plan.split;
        i = -1;
        continue;
      }
      if (!running) {
        running = true;
        yield* statuses("RUNNING");
      }
      refuseFutureCursors(state, job.streams, finished.createdAt);
      const tracked = trackedStreams(streams, job, options.trackDeletions ?? "off");
      const { counts, given } = yield* emitRecords(job, finished, options, deps, state, tracked);
      const withCursor = new Set(streams.filter((s) => s.definition.cursorField !== undefined).map((s) => s.definition.name));
      state = withCompletedExport(state, job.streams, withCursor, finished.createdAt, { fullStreams: job.fullStreams, given });
      yield* stateEvents(state, job.streams, counts, finished);
    }
    yield* statuses("COMPLETE");
    return state;
  } catch (error) {
    if (cannotResume(error) && hasPendingExport(state, current)) {
      // Resuming would fail the same way on every rerun: forget the job so the next run starts a new export.
      state = withoutPendingExport(state, current);
      yield log("warn", `The export cannot be resumed (${error.code}); the state no longer records its job, so the next run starts a new export`);
      yield* stateEvents(state, current, new Map());
    }
    yield* statuses("INCOMPLETE");
    throw error;
  }
}

/**
 * A cursor later than the export's own created_at (server time) cannot come from this connector:
 * taken as is, it would keep every change out of every later export. Refuse it, naming it.
 */
function refuseFutureCursors(state: ConnectorState, streams: readonly string[], createdAt: string): void {
  for (const stream of streams) {
    const cursor = state.streams[stream]?.cursor;
    if (cursor === undefined || Date.parse(cursor) <= Date.parse(createdAt)) continue;
    throw new ConfigError(
      `The state's cursor of stream '${stream}' (${cursor}) is later than Asana's clock (the export was created at ${createdAt}): ` +
        `it was edited by hand or comes from another workspace or clock. Nothing of this export was emitted, and every run stops here ` +
        `until the state is fixed: set the cursor to an earlier time, or remove the stream's state (a full sync follows).`,
      "STATE_CURSOR_IN_FUTURE",
    );
  }
}

/** A 400 that names a field of the request's `fields` lists. */
function refusesFields(error: unknown): error is AsanaApiError {
  return error instanceof AsanaApiError && error.status === 400 && error.asanaMessages.some((m) => /\bfields?\b/i.test(m));
}

/** A 400 to a request with two parameters of one type, not about its fields: Asana takes one at a time here. */
function refusesTypeTwice(error: unknown): boolean {
  return error instanceof AsanaApiError && error.status === 400 && !refusesFields(error);
}

/** The parameters with each dotted field path cut to its top-level field; undefined when none is dotted. */
function topLevelParameters(parameters: readonly ExportRequestParameter[]): ExportRequestParameter[] | undefined {
  if (!parameters.some((p) => p.fields?.some((f) => f.includes(".")))) return undefined;
  return parameters.map((p) => (p.fields === undefined ? p : { ...p, fields: [...new Set(p.fields.map((f) => f.split(".")[0] ?? f))] }));
}

/** Start (or resume) one job and wait until its export is ready, recording the job in the state. */
async function* readyExport(
  job: ExportPlan,
  getState: () => ConnectorState,
  setState: (s: ConnectorState) => void,
  options: SyncOptions,
  deps: SyncDeps,
): AsyncGenerator<SyncEvent, FinishedExport> {
  const names = job.streams;
  let resumed = await resumable(pendingExport(getState(), names, job.fingerprint), options.workspace, deps.api);
  for (;;) {
    let pending = resumed;
    if (pending === undefined) {
      yield log("info", `Starting an export of ${names.join(", ")} in workspace ${options.workspace}`);
      const start = (parameters: ExportRequestParameter[]) =>
        startExport(deps.api, options.workspace, parameters, {
          clock: deps.clock,
          logger: deps.logger,
          slotWaitMs: options.exportTimeoutMs,
          intervalMs: options.pollIntervalMs,
          ...(deps.signal ? { signal: deps.signal } : {}),
        });
      let started: ExportJob;
      try {
        started = await start(job.parameters);
      } catch (error) {
        // Asana refused a field of the list: ask for the top-level fields instead (the job is still
        // recorded under the plan's fingerprint, so a rerun resumes it rather than meeting the 400).
        const fallback = topLevelParameters(job.parameters);
        if (!refusesFields(error) || fallback === undefined) throw error;
        yield log(
          "warn",
          `Asana refused the export's fields list (${error.asanaMessages.join("; ")}); exporting top-level fields instead. ` +
            `Nested objects then come with Asana's compact form (e.g. assignee without its name), and rows of derived streams with fewer columns.`,
        );
        started = await start(fallback);
      }
      pending = {
        job_gid: started.gid,
        workspace: options.workspace,
        fingerprint: job.fingerprint,
        started_at: new Date(deps.clock.now()).toISOString(),
        status: started.status,
      };
    } else {
      yield log("info", `Resuming export job ${pending.job_gid}, started ${pending.started_at}, instead of starting another`);
    }
    setState(withPendingExport(getState(), names, pending));
    yield { kind: "progress", job: pending.status ?? "not_started", jobGid: pending.job_gid };
    yield* stateEvents(getState(), names, new Map());
    const finished = yield* waitAndHeartbeat(pending, names, getState, setState, options, deps);
    if (resumed === undefined || (yield* fileAvailable(finished, deps))) {
      yield log("info", `Export ${finished.exportGid} is ready (created ${finished.createdAt})`);
      yield { kind: "progress", job: "succeeded", exportGid: finished.exportGid, exportCreatedAt: finished.createdAt };
      return finished;
    }
    // Asana keeps export files 30 days: a job resumed after that has nothing left to download.
    yield log("warn", `The file of resumed export job ${resumed.job_gid} is no longer available; starting a new export`);
    resumed = undefined;
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
  job: ExportPlan,
  finished: FinishedExport,
  options: SyncOptions,
  deps: SyncDeps,
  state: ConnectorState,
  tracked: readonly SelectedStream[],
): AsyncGenerator<SyncEvent, { counts: Map<string, number>; given: Map<string, GivenKeysBlob> }> {
  const deletions = tracked.length > 0 ? new DeletionTracker(tracked, job) : undefined;
  const router = new Router(job, options.onInvalidRecord, deletions);
  const counts = new Map(job.streams.map((s) => [s, 0]));
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
      if (!url) throw new ConnectorError(`Export job ${finished.jobGid} no longer offers a download URL. The state keeps the job: the next run asks Asana for it again, and starts a new export if Asana failed it.`, { code: "DOWNLOAD_URL_GONE", failureType: "transient_error", retryable: true });
      return url;
    },
    wantedTypes: router.types,
    fields: router.fields,
    referenceTypes: router.referenceTypes,
    onTotalBytes: (bytes) => {
      if (total === undefined) pendingEvents.push({ kind: "estimate", bytes });
      total = bytes;
    },
  });
  let perStream = new Map<string, ExportRecord[]>();
  const collect = (stream: string, record: ExportRecord): void => {
    let list = perStream.get(stream);
    if (list === undefined) perStream.set(stream, (list = []));
    list.push(record);
  };
  const emit =
    deletions === undefined
      ? collect
      : (stream: string, record: ExportRecord): void => {
          if (deletions.tracks(stream)) deletions.noteEmitted(stream, record);
          collect(stream, record);
        };
  const flush = function* (emittedAt: number): Generator<SyncEvent> {
    const batch = perStream;
    perStream = new Map();
    for (const [stream, records] of batch) {
      counts.set(stream, (counts.get(stream) ?? 0) + records.length);
      yield { kind: "records", stream, records, emittedAt };
    }
  };
  for await (const batch of reader.batches) {
    if (pendingEvents.length > 0) yield* pendingEvents.splice(0);
    for (const line of batch) router.route(line, emit);
    const emittedAt = deps.clock.now();
    yield* flush(emittedAt);
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
  router.finish(emit);
  yield* flush(deps.clock.now());
  const stats = reader.stats;
  const invalidLines = Object.values(stats.invalid).reduce((a, b) => a + b, 0);
  let given = new Map<string, GivenKeysBlob>();
  if (deletions !== undefined) {
    const result = deletions.finish(state, finished.createdAt, invalidLines === 0);
    given = result.given;
    const reported: string[] = [];
    for (const [stream, rows] of result.records) {
      if (rows.length === 0) continue;
      for (const row of rows) collect(stream, row);
      reported.push(`${stream} ${rows.length}`);
    }
    yield* flush(deps.clock.now());
    if (reported.length > 0) yield log("info", `Reported deleted (no longer in Asana): ${reported.join(", ")}`);
    if (invalidLines > 0) yield log("warn", `Deleted tasks and messages are not looked for in this export: ${invalidLines} line(s) were skipped as invalid, so a missing object may not be deleted`);
    for (const [stream, n] of result.untrackable) yield log("warn", `${n} ${stream} row(s) have keys that are not decimal gids; their deletions cannot be reported`);
  }
  // The last sampled progress lags the end of the download: say where it ended.
  yield { kind: "progress", downloadedBytes: stats.compressedBytes, ...(total === undefined ? {} : { totalBytes: total }) };
  for (const [type, n] of stats.unwantedTypes) {
    yield log("warn", `Ignored ${n} line(s) of resource_type '${type}', which no selected stream reads`);
  }
  const skipped = Object.entries(stats.invalid).filter(([, n]) => n > 0);
  const skippedCursor = router.stats.missingCursor;
  if (skipped.length > 0 || skippedCursor > 0) {
    const parts = skipped.map(([why, n]) => `${n} ${why.replaceAll("_", " ")}`);
    if (skippedCursor > 0) parts.push(`${skippedCursor} without their cursor`);
    yield log("warn", `Skipped invalid lines (on_invalid_record = skip): ${parts.join(", ")}`);
  }
  let duplicates = 0;
  for (const n of router.stats.duplicates.values()) duplicates += n;
  if (duplicates > 0) yield log("info", `Dropped ${duplicates} duplicate object(s) within the export`);
  yield log("info", `Read ${stats.lines} lines; records: ${[...counts].map(([s, n]) => `${s} ${n}`).join(", ")}`);
  return { counts, given };
}
