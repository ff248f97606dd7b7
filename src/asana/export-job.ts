import type { Clock } from "../core/clock.js";
import { ConnectorError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { AsanaApi, ExportJob, ExportRequestParameter } from "./api.js";
import { AsanaProtocolError, ExportSlotBusyError } from "./errors.js";

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

/** The finished export of a succeeded job, validated. */
export function finishedExport(job: ExportJob): FinishedExport {
  const exp = job.new_resource_export;
  if (!exp?.download_url || !exp.created_at) {
    throw new AsanaProtocolError(`Export job ${job.gid} succeeded without a download_url and created_at.`);
  }
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

/**
 * Poll `GET /jobs/{gid}` with a growing interval until it succeeds (the generator returns the
 * export), fails or times out (it throws). Yields each unfinished job, so the caller can report
 * progress and heartbeat between polls.
 */
export async function* pollExport(api: AsanaApi, jobGid: string, options: PollOptions): AsyncGenerator<PollUpdate, FinishedExport> {
  const { clock, logger } = options;
  const maxInterval = options.maxIntervalMs ?? 60_000;
  let interval = options.intervalMs;
  let lastStatus = "";
  for (;;) {
    const job = await api.job(jobGid);
    if (job.status !== lastStatus) {
      logger("info", `Export ${describeJob(job)}`);
      lastStatus = job.status;
    }
    if (job.status === "succeeded") return finishedExport(job);
    if (job.status === "failed") throw new ExportJobFailedError(jobGid);
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
  /** How long to keep retrying while another export holds the workspace's slot. */
  slotWaitMs: number;
  intervalMs: number;
  signal?: AbortSignal;
}

/** Start an export; while another export holds the slot (403), wait and retry, saying so. */
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
      if (!(error instanceof ExportSlotBusyError)) throw error;
      const waited = options.clock.now() - began;
      if (waited + interval > options.slotWaitMs) throw error;
      options.logger(
        "warn",
        `Another export is running in workspace ${workspace} (Asana allows one at a time); ` +
          `trying again in ${(interval / 1000).toFixed(interval < 10_000 ? 1 : 0)} s.`,
      );
      await options.clock.sleep(interval, options.signal);
      interval = Math.min(60_000, interval * 2);
    }
  }
}
