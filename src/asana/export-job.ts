import type { Clock } from "../core/clock.js";
import { ConnectorError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { AsanaApi, ExportJob, ExportRequestParameter } from "./api.js";
import { AsanaProtocolError, ExportSlotBusyError, UNCLEAR_403_FIX, UnconfirmedPostError } from "./errors.js";

/** A job that succeeded: its export's server-side creation time and a (short-lived) download URL. */
export interface FinishedExport {
  jobGid: string;
  exportGid: string;
  createdAt: string;
  completedAt: string | undefined;
  downloadUrl: string;
}

export interface PollOptions {
  clock: Clock;
  logger: Logger;
  /** First delay between polls; grows by half each time up to `maxIntervalMs`. */
  intervalMs: number;
  maxIntervalMs?: number;
  /** When the job was started (ms since epoch, client clock): the timeout counts from here. */
  startedAtMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The export job failed on Asana's side. */
export class ExportJobFailedError extends ConnectorError {
  constructor(jobGid: string) {
    super(
      `Asana reported export job ${jobGid} as failed (it gives no reason). Run the sync again; it starts a new export.`,
      { code: "EXPORT_JOB_FAILED", failureType: "transient_error", retryable: true },
    );
  }
}

/** The export job did not finish within `export_timeout_minutes`. */
export class ExportTimeoutError extends ConnectorError {
  constructor(jobGid: string, minutes: number) {
    super(
      `Export job ${jobGid} was still running after ${minutes} minute${minutes === 1 ? "" : "s"} ` +
        `(config.export_timeout_minutes). The state keeps the job: run the sync again later to pick it up ` +
        `once it has finished, or raise config.export_timeout_minutes to wait longer.`,
      { code: "EXPORT_TIMEOUT", failureType: "transient_error", retryable: true },
    );
  }
}

/** Summary of a job for logs: never its download URL. */
export function describeJob(job: ExportJob): string {
  return `job ${job.gid} ${job.status}`;
}

/** The finished export of a succeeded job, or undefined while Asana has not filled in its file yet. */
export function finishedExport(job: ExportJob): FinishedExport | undefined {
  const exp = job.new_resource_export;
  if (!exp?.download_url || !exp.created_at) return undefined;
  return {
    jobGid: job.gid,
    exportGid: exp.gid,
    createdAt: new Date(exp.created_at).toISOString(),
    completedAt: exp.completed_at ? new Date(exp.completed_at).toISOString() : undefined,
    downloadUrl: exp.download_url,
  };
}

/** An unfinished job as one poll saw it, and when the next poll will be. */
export interface PollUpdate {
  job: ExportJob;
  /** Delay before the next poll (it grows; a display counts it down). */
  nextPollInMs: number;
}

/** The statuses Asana documents for a job. */
const KNOWN_STATUSES = new Set(["not_started", "in_progress", "succeeded", "failed"]);

/**
 * Polls of a succeeded job that still shows no download_url (or created_at) before that is an
 * error: Asana may fill in the export's fields a moment after it flips the status.
 */
export const POLLS_FOR_MISSING_URL = 5;

/** A succeeded job that kept showing no download URL. */
export class ExportUrlMissingError extends AsanaProtocolError {
  constructor(jobGid: string, polls: number) {
    super(
      `Export job ${jobGid} reports succeeded but gave no download_url and created_at in ${polls} answers in a row. ` +
        `The state keeps the job: the next run asks Asana for its file again instead of starting another export.`,
      "EXPORT_URL_MISSING",
    );
  }
}

/**
 * Poll `GET /jobs/{gid}` with a growing interval until it succeeds (the generator returns the
 * export), fails or times out (it throws). Yields each unfinished job, so the caller can report
 * progress and heartbeat between polls. A status Asana does not document is polled on, with a
 * warning once per status: a new state of a job is more likely than a broken one.
 */
export async function* pollExport(api: AsanaApi, jobGid: string, options: PollOptions): AsyncGenerator<PollUpdate, FinishedExport> {
  const { clock, logger } = options;
  const maxInterval = options.maxIntervalMs ?? 60_000;
  let interval = options.intervalMs;
  let lastStatus = "";
  let withoutUrl = 0;
  const unknown = new Set<string>();
  for (;;) {
    const job = await api.job(jobGid);
    if (job.status !== lastStatus) {
      logger("info", `Export ${describeJob(job)}`);
      lastStatus = job.status;
    }
    if (job.status === "succeeded") {
      const finished = finishedExport(job);
      if (finished !== undefined) return finished;
      if (++withoutUrl >= POLLS_FOR_MISSING_URL) throw new ExportUrlMissingError(jobGid, withoutUrl);
      logger("warn", `Export job ${jobGid} reports succeeded without its download_url yet; asking again (${withoutUrl} of ${POLLS_FOR_MISSING_URL - 1})`);
    } else if (job.status === "failed") {
      throw new ExportJobFailedError(jobGid);
    } else if (!KNOWN_STATUSES.has(job.status) && !unknown.has(job.status)) {
      unknown.add(job.status);
      logger("warn", `Export job ${jobGid} reports the status '${job.status}', which Asana does not document; waiting as if it were in progress`);
    }
    const elapsed = clock.now() - options.startedAtMs;
    const delay = Math.min(interval, options.timeoutMs - elapsed);
    yield { job, nextPollInMs: Math.max(0, delay) };
    if (elapsed >= options.timeoutMs) throw new ExportTimeoutError(jobGid, Math.round(options.timeoutMs / 60_000));
    await clock.sleep(delay, options.signal);
    interval = Math.min(maxInterval, Math.ceil(interval * 1.5));
  }
}

export interface StartOptions {
  clock: Clock;
  logger: Logger;
  /** The longest the caller allows for waiting on a busy export slot; capped at SLOT_WAIT_MS. */
  slotWaitMs: number;
  intervalMs: number;
  signal?: AbortSignal;
}

/**
 * How long one run waits for the workspace's export slot. The export holding it may be one an
 * earlier run started whose answer was lost, or another tool's; either may run for hours, and
 * Asana shows no list of running exports, so a run waits this long and then says so (the
 * platform's next attempt waits again), rather than sitting on the slot for export_timeout_minutes.
 */
export const SLOT_WAIT_MS = 30 * 60_000;

/** How long a run waits on a 403 whose reason says neither "busy" nor "not permitted". */
export const UNCLEAR_403_WAIT_MS = 3 * 60_000;

const WHO_HOLDS_IT = "another tool's, or one an earlier run started whose answer was lost (Asana shows no list of running exports)";

/** The POST that starts an export may have started it, but its answer never came. */
export class ExportMayBeRunningError extends ConnectorError {
  constructor(workspace: string, cause: UnconfirmedPostError) {
    super(
      `Starting the export got no usable answer (last: ${cause.last}): Asana may have started it anyway. A POST is not ` +
        `repeated blindly, and a second one could only meet that export in workspace ${workspace}'s single export slot. ` +
        `Run the sync again: if the export did start, the next run finds the slot busy and waits for it (up to ` +
        `${SLOT_WAIT_MS / 60_000} minutes) before starting its own; if it did not, the next run starts it at once.`,
      { code: "EXPORT_START_UNCONFIRMED", failureType: "transient_error", retryable: true, cause },
    );
  }
}

/** The export slot stayed taken (or the unclear 403 kept coming) for as long as a run waits. */
function slotStillTaken(error: ExportSlotBusyError, workspace: string, waitedMs: number): ConnectorError {
  const minutes = Math.max(1, Math.round(waitedMs / 60_000));
  const said = error.asanaMessages.length > 0 ? ` Asana said: "${error.asanaMessages.join("; ")}".` : "";
  if (error.certainty === "busy") {
    return new ConnectorError(
      `Another export still held workspace ${workspace}'s only export slot after ${minutes} minute(s) of waiting ` +
        `(403; Asana allows one at a time): ${WHO_HOLDS_IT}.${said} Nothing was exported. Run the sync again later: ` +
        `the next run waits up to ${SLOT_WAIT_MS / 60_000} minutes more for the slot, then starts its export.`,
      { code: "ASANA_EXPORT_IN_PROGRESS", failureType: "transient_error", retryable: true },
    );
  }
  return new ConnectorError(
    `Starting the export was refused (403) for ${minutes} minute(s), and Asana's reason does not say whether another ` +
      `export holds workspace ${workspace}'s only export slot (${WHO_HOLDS_IT}) or the token may not export.${said} ` +
      `Nothing was exported. ${UNCLEAR_403_FIX} Otherwise run the sync again later: the next run waits for the slot again.`,
    { code: "ASANA_FORBIDDEN_OR_BUSY", failureType: "transient_error", retryable: true },
  );
}

/**
 * Start an export. While the slot is busy (a 403 that says so, or one that says neither that nor
 * "not permitted") wait and retry with a growing interval, saying so, for a bounded time. A POST
 * whose outcome is unknown ends the run (ExportMayBeRunningError): the next run meets the slot.
 */
export async function startExport(
  api: AsanaApi,
  workspace: string,
  parameters: ExportRequestParameter[],
  options: StartOptions,
): Promise<ExportJob> {
  const began = options.clock.now();
  let interval = options.intervalMs;
  for (;;) {
    try {
      return await api.startExport(workspace, parameters);
    } catch (error) {
      if (error instanceof UnconfirmedPostError) throw new ExportMayBeRunningError(workspace, error);
      if (!(error instanceof ExportSlotBusyError)) throw error;
      const limit = Math.min(options.slotWaitMs, error.certainty === "busy" ? SLOT_WAIT_MS : UNCLEAR_403_WAIT_MS);
      const waited = options.clock.now() - began;
      if (waited + interval > limit) throw slotStillTaken(error, workspace, waited);
      const why =
        error.certainty === "busy"
          ? `Another export is running in workspace ${workspace} (403; Asana allows one at a time): ${WHO_HOLDS_IT}`
          : `Starting the export was refused (403) without saying whether the export slot is busy or the token may not export`;
      options.logger(
        "warn",
        `${why}. Trying again in ${(interval / 1000).toFixed(interval < 10_000 ? 1 : 0)} s (waiting at most ${Math.round(limit / 60_000)} min).`,
      );
      await options.clock.sleep(interval, options.signal);
      interval = Math.min(60_000, interval * 2);
    }
  }
}
