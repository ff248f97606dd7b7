// The one place a sync is wired to its parts and its events pumped into a sink.
import type { Config } from "../config/index.js";
import type { Logger } from "../core/logger.js";
import type { Redactor } from "../core/redact.js";
import type { Sink, SyncEvent } from "../core/events.js";
import type { SelectedStream } from "../sync/plan.js";
import { exportFileAvailable } from "../export-file/probe.js";
import { exportReader } from "../sync/read-export.js";
import { runSync, type SyncOptions } from "../sync/run.js";
import type { ConnectorState } from "../sync/state.js";
import { connect, type Runtime } from "./context.js";
import { InterruptedError } from "./signals.js";

/** Sync settings from a validated config. */
export function syncOptions(config: Config, platform: "standalone" | "stream" = "stream"): SyncOptions {
  const track = config.track_deletions === "auto" ? (platform === "standalone" ? "rows" : "objects") : config.track_deletions;
  return {
    workspace: config.workspace,
    startDate: config.start_date,
    lookbackSeconds: config.lookback_window_seconds,
    fullExportEveryDays: config.full_export_every_days,
    trackDeletions: track,
    filters: config.filters ?? {},
    pollIntervalMs: config.poll_interval_seconds * 1000,
    exportTimeoutMs: config.export_timeout_minutes * 60_000,
    onInvalidRecord: config.on_invalid_record,
  };
}

export interface PumpInput {
  config: Config;
  streams: readonly SelectedStream[];
  state: ConnectorState;
  runtime: Runtime;
  sink: Sink;
  logger: Logger;
  redactor: Redactor;
  signal?: AbortSignal;
  /** Download progress log lines at most this often (the sync's default: 30 s). */
  progressLogMs?: number;
  /** Download progress events at most this often (default: as often as the log lines). */
  progressEventMs?: number;
  /** Which front end runs (the standalone sync keeps more deletion state: its state file is local). */
  platform?: "standalone" | "stream";
}

/**
 * The sink failed (a line its files cannot hold, stdout gone): tell the sync, so it settles its state
 * as for any failure of its own (a job that would fail the same way on every resume is forgotten,
 * streams end INCOMPLETE), and give the sink those last events (best effort: it may be broken).
 */
async function settleAfterSinkFailure(events: AsyncGenerator<SyncEvent, ConnectorState>, sink: Sink, error: unknown): Promise<void> {
  try {
    let next = await events.throw(error);
    while (!next.done) {
      await Promise.resolve(sink.handle(next.value)).catch(() => undefined);
      next = await events.next();
    }
  } catch {
    // The sync rethrows the sink's error once it has settled: the caller throws it anyway.
  }
}

/**
 * Run one export for the streams and feed every event to the sink, awaiting it (backpressure).
 * On success the sink is finished; on failure it is aborted (so it can remove partial output)
 * and the error is rethrown. Returns the new state.
 */
export async function pumpSync(input: PumpInput): Promise<ConnectorState> {
  const { config, runtime, sink, logger, redactor } = input;
  const conn = connect(config, runtime, logger, redactor);
  // The process's stop signal (SIGTERM) and the caller's own both end the sync.
  const signals = [input.signal, runtime.signal].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length === 0 ? {} : { signal: AbortSignal.any(signals) };
  try {
    const options = {
      ...syncOptions(config, input.platform),
      ...(input.progressLogMs === undefined ? {} : { progressLogMs: input.progressLogMs }),
      ...(input.progressEventMs === undefined ? {} : { progressEventMs: input.progressEventMs }),
    };
    const events = runSync(input.streams, input.state, options, {
      api: conn.api,
      logger,
      clock: runtime.clock,
      ...signal,
      probeFile: (url) => exportFileAvailable(url, conn.dispatcher, config.request_timeout_seconds * 1000),
      readExport: exportReader({
        dispatcher: conn.dispatcher,
        maxRetries: config.max_retries,
        requestTimeoutMs: config.request_timeout_seconds * 1000,
        clock: runtime.clock,
        logger,
        redactor,
        onInvalidRecord: config.on_invalid_record,
        ...signal,
      }),
    });
    let next = await events.next();
    while (!next.done) {
      try {
        await sink.handle(next.value);
      } catch (error) {
        await settleAfterSinkFailure(events, sink, error);
        throw error;
      }
      next = await events.next();
    }
    const stopped = (): unknown => (signal.signal?.aborted === true ? (signal.signal.reason ?? "stopped") : undefined);
    // Stopped before publishing: publish nothing (the state stays where it was).
    if (stopped() !== undefined) throw stopped();
    // Once publishing began, it completes: files, manifest and state together, or the run would end
    // with files no manifest lists and an exit code that says the state did not advance.
    const publish = async (): Promise<void> => sink.finish?.();
    await (runtime.shield ?? ((work) => work()))(publish);
    const late = stopped();
    if (late !== undefined) {
      const what = late instanceof InterruptedError ? `${late.signalName} arrived` : "The sync was asked to stop";
      logger("warn", `${what} while the sync was publishing its output; publishing was completed first, so the state advanced and the sync succeeded.`);
    }
    return next.value;
  } catch (error) {
    // A download may still be in flight (e.g. the sink failed because stdout closed): drop its
    // sockets rather than wait for a body nobody will read.
    await conn.destroy();
    await sink.abort?.(error);
    throw error;
  } finally {
    await conn.close();
  }
}
