// The connector's state: one versioned value, changed only by the pure functions below.
// Airbyte (per-stream STATE) and Singer (bookmarks) are two wrappings of the same per-stream objects.
import { createHash } from "node:crypto";
import { z } from "zod";
import { ConfigError } from "../core/errors.js";

export const STATE_VERSION = 1;

const isoDateTime = z.iso.datetime({ offset: true });

/** An export started but not yet fully emitted: a later run resumes it instead of starting another. */
export const pendingExportSchema = z.strictObject({
  // A gid: digits, and no longer than any Asana writes (asana/api.ts caps them at 64 too).
  job_gid: z.string().regex(/^\d{1,64}$/),
  workspace: z.string(),
  /** Hash of the export request: a resumed job must be the one this run would have started. */
  fingerprint: z.string(),
  /** Client time the job was started; the export timeout counts from here. */
  started_at: isoDateTime,
  /** Last time the job was seen (keeps heartbeat states distinct). */
  checked_at: isoDateTime.optional(),
  status: z.string().optional(),
});
export type PendingExport = z.infer<typeof pendingExportSchema>;

/** The keys the destination was given (given-keys.ts): sorted, delta-coded, deflated, base64. */
export const givenKeysSchema = z.strictObject({
  codec: z.literal("keys-delta-deflate-v1"),
  /** Number of keys it holds. */
  count: z.number().int().nonnegative(),
  data: z.base64(),
});
export type GivenKeysBlob = z.infer<typeof givenKeysSchema>;

export const streamStateSchema = z.strictObject({
  version: z.literal(STATE_VERSION),
  /** Server time (an export's created_at) up to which every change of this stream was emitted. */
  cursor: isoDateTime.optional(),
  /** Server time (created_at) of the last export that gave this stream every object, not only changed ones. */
  last_full_export_at: isoDateTime.optional(),
  /** What the destination holds of this stream, to report deletions (track_deletions). */
  given: givenKeysSchema.optional(),
  pending_export: pendingExportSchema.optional(),
});
export type StreamState = z.infer<typeof streamStateSchema>;

/** The whole state: per stream. */
export interface ConnectorState {
  streams: Record<string, StreamState>;
}

export const EMPTY_STATE: ConnectorState = { streams: {} };

/** Validate one stream's state blob, with an error naming the stream and the fix. */
export function parseStreamState(stream: string, blob: unknown, where: string): StreamState {
  if (typeof blob === "object" && blob !== null && !("version" in blob)) {
    throw new ConfigError(
      `${where}: the state of stream '${stream}' has no 'version'; it was not written by this connector. ` +
        `Remove it (a full sync follows) or pass the state this connector emitted.`,
      "STATE_FOREIGN",
    );
  }
  const parsed = streamStateSchema.safeParse(blob);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.length ? `.${issue.path.join(".")}` : "";
    throw new ConfigError(
      `${where}: the state of stream '${stream}' is invalid at ${stream}${path}: ${issue?.message ?? "unknown"}. ` +
        `The state file is corrupted or from another connector version; fix it or remove it (a full sync follows).`,
      "STATE_INVALID",
    );
  }
  return parsed.data;
}

/** How far ahead of this machine's clock a state's times may be (clock skew between machines). */
const FUTURE_SLACK_MS = 24 * 3600_000;

/**
 * Refuse a state whose times cannot be an export's (a hand-edited or corrupted state), before any
 * request: a time before 1970 (minus the lookback window a cursor would become a date Asana's
 * filters refuse), or more than a day after `nowMs`: a pending job that would never time out, a
 * cursor that would keep every change out of every export, a last full export that would never
 * come due. A cursor later than Asana's own clock by less than that is refused once an export
 * tells that clock (run.ts, STATE_CURSOR_IN_FUTURE).
 */
export function checkStateTimes(state: ConnectorState, nowMs: number, where: string): void {
  for (const [stream, blob] of Object.entries(state.streams)) {
    const times: [string, string | undefined][] = [
      ["cursor", blob.cursor],
      ["last_full_export_at", blob.last_full_export_at],
      ["pending_export.started_at", blob.pending_export?.started_at],
      ["pending_export.checked_at", blob.pending_export?.checked_at],
    ];
    for (const [field, value] of times) {
      if (value === undefined) continue;
      const ms = Date.parse(value);
      const late = ms > nowMs + FUTURE_SLACK_MS;
      if (ms >= 0 && !late) continue;
      throw new ConfigError(
        `${where}: ${stream}.${field} is ${value}, ${late ? `later than this machine's clock (${new Date(nowMs).toISOString()})` : "before 1970"}, ` +
          `so it was not written by this connector (or this machine's clock is wrong). Restore the state from the last ` +
          `STATE message, or remove it (a full sync follows).`,
        "STATE_INVALID",
      );
    }
  }
}

/** A stable fingerprint of an export request. */
export function fingerprint(request: unknown): string {
  return createHash("sha256").update(stableJson(request)).digest("hex").slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * Lower bound of `modified_at` for the next export of a stream: the cursor minus the lookback
 * window, or `start_date` on the first sync, or none.
 */
export function modifiedAfter(
  streamState: StreamState | undefined,
  startDate: string | undefined,
  lookbackSeconds: number,
): string | undefined {
  if (streamState?.cursor !== undefined) {
    const bound = Date.parse(streamState.cursor) - lookbackSeconds * 1000;
    const fromStart = startDate === undefined ? bound : Math.max(bound, Date.parse(startDate));
    return new Date(fromStart).toISOString();
  }
  return startDate;
}

/**
 * The export job a run planning `fingerprint` may resume: recorded on any of the given streams (a run can be
 * killed between its per-stream state messages, so some streams may not name it yet) for the same request.
 * The fingerprint covers every stream's parameters and the cursors behind them, so a match is the same export.
 * When reruns recorded several jobs for that request, the latest started wins.
 */
export function pendingExport(state: ConnectorState, streams: readonly string[], fingerprint: string): PendingExport | undefined {
  let found: PendingExport | undefined;
  for (const stream of streams) {
    const pending = state.streams[stream]?.pending_export;
    if (pending === undefined || pending.fingerprint !== fingerprint) continue;
    if (found === undefined || Date.parse(pending.started_at) > Date.parse(found.started_at)) found = pending;
  }
  return found;
}

/** Whether any of the given streams records a pending export (of whatever request). */
export function hasPendingExport(state: ConnectorState, streams: readonly string[]): boolean {
  return streams.some((s) => state.streams[s]?.pending_export !== undefined);
}

/** The state with a pending export recorded on each of the streams. */
export function withPendingExport(state: ConnectorState, streams: readonly string[], pending: PendingExport): ConnectorState {
  const next: Record<string, StreamState> = { ...state.streams };
  for (const s of streams) next[s] = { ...(next[s] ?? { version: STATE_VERSION }), pending_export: pending };
  return { streams: next };
}

/** The state with the streams' pending export forgotten (it cannot be resumed): cursors unchanged. */
export function withoutPendingExport(state: ConnectorState, streams: readonly string[]): ConnectorState {
  const next: Record<string, StreamState> = { ...state.streams };
  for (const s of streams) {
    const current = next[s];
    if (current?.pending_export === undefined) continue;
    const { pending_export: _dropped, ...rest } = current;
    next[s] = rest;
  }
  return { streams: next };
}

/** The state once every record of an export was emitted: cursors move to its created_at, never back. */
export function withCompletedExport(
  state: ConnectorState,
  streams: readonly string[],
  cursorStreams: ReadonlySet<string>,
  exportCreatedAt: string,
  done: {
    /** Streams this export gave every object (their last full export is now). */
    fullStreams?: ReadonlySet<string>;
    /**
     * What the destination holds of each tracked stream after this export; a stream not in it keeps
     * no keys (they would go stale while it is not tracked). Absent: keys untouched.
     */
    given?: ReadonlyMap<string, GivenKeysBlob>;
  } = {},
): ConnectorState {
  const next: Record<string, StreamState> = { ...state.streams };
  for (const s of streams) {
    const { pending_export: _done, given: kept, ...rest } = next[s] ?? { version: STATE_VERSION };
    const previous = rest.cursor;
    const cursor = !cursorStreams.has(s)
      ? undefined
      : previous !== undefined && Date.parse(previous) > Date.parse(exportCreatedAt)
        ? previous
        : exportCreatedAt;
    const full = cursor !== undefined && done.fullStreams?.has(s) === true ? { last_full_export_at: exportCreatedAt } : {};
    const given = done.given === undefined ? kept : done.given.get(s);
    next[s] = { ...rest, version: STATE_VERSION, ...(cursor === undefined ? {} : { cursor }), ...full, ...(given === undefined ? {} : { given }) };
  }
  return { streams: next };
}

/**
 * Merge the pending exports recorded beside a state (the standalone sync keeps them in a side file,
 * so the state file itself changes only when an export is complete). A recorded job counts only
 * when it was started from the same cursor as the state's: otherwise it is stale and ignored.
 */
export function withRecordedPending(state: ConnectorState, recorded: ConnectorState): ConnectorState {
  const next: Record<string, StreamState> = { ...state.streams };
  for (const [stream, blob] of Object.entries(recorded.streams)) {
    const current = next[stream];
    if (blob.pending_export === undefined || blob.cursor !== current?.cursor) continue;
    next[stream] = { ...(current ?? { version: STATE_VERSION }), pending_export: blob.pending_export };
  }
  return { streams: next };
}
