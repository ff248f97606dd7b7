// SIGTERM / SIGINT: stop the sync through its AbortSignal, so the run ends like any failure (a TRACE
// ERROR, a one-line message, a non-zero exit) with the last emitted state still valid. A process
// that cannot stop in time (its reader stopped reading) is exited anyway.
import { ConnectorError } from "../core/errors.js";

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
type StopSignal = keyof typeof SIGNAL_NUMBERS;

/** The run was stopped by a signal. Nothing past the last state was committed. */
export class InterruptedError extends ConnectorError {
  /** 128 + the signal's number, as shells report a process ended by it. */
  readonly exitCode: number;

  constructor(readonly signalName: StopSignal) {
    super(
      `Stopped by ${signalName} before the sync finished; the last state it emitted is still valid. ` +
        `Run the sync again to continue: it resumes the export job recorded in the state, if any.`,
      { code: "INTERRUPTED", failureType: "transient_error", retryable: true },
    );
    this.exitCode = 128 + SIGNAL_NUMBERS[signalName];
  }
}

/** Handlers installed on the process; `dispose` removes them. */
export interface StopHandlers {
  signal: AbortSignal;
  /** Run work the forced exit must wait for (see Runtime.shield). */
  shield<T>(work: () => Promise<T>): Promise<T>;
  dispose(): void;
}

/** The longest the forced exit waits for shielded work (publishing), past the grace period. */
const SHIELD_MAX_MS = 120_000;

/**
 * On the first SIGTERM or SIGINT, abort `signal` with an InterruptedError and give the run
 * `graceMs` to wind down before exiting; a second signal exits at once. While shielded work runs
 * (publishing), the forced exit waits for it (at most SHIELD_MAX_MS), then grants `graceMs` again.
 */
export function stopOnSignals(graceMs = 5_000): StopHandlers {
  const controller = new AbortController();
  const handlers = new Map<StopSignal, () => void>();
  let shielded = 0;
  let shieldedSince = 0;
  /** The earliest the forced exit may happen (it also waits for shielded work). */
  let exitAt = 0;
  const exitWhenDue = (reason: InterruptedError): void => {
    const wait = Math.min(100, Math.max(10, exitAt - Date.now()));
    setTimeout(() => {
      const blocked = shielded > 0 && Date.now() - shieldedSince < SHIELD_MAX_MS;
      if (blocked || Date.now() < exitAt) exitWhenDue(reason);
      else process.exit(reason.exitCode);
    }, wait).unref();
  };
  for (const name of Object.keys(SIGNAL_NUMBERS) as StopSignal[]) {
    const handler = (): void => {
      const reason = new InterruptedError(name);
      if (controller.signal.aborted) process.exit(reason.exitCode);
      controller.abort(reason);
      exitAt = Date.now() + graceMs;
      exitWhenDue(reason);
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    signal: controller.signal,
    async shield(work) {
      if (shielded++ === 0) shieldedSince = Date.now();
      try {
        return await work();
      } finally {
        shielded--;
        // What follows the work (a summary line, closing connections) gets the grace period anew.
        if (shielded === 0 && controller.signal.aborted) exitAt = Math.max(exitAt, Date.now() + graceMs);
      }
    },
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

/** The failure to report: once stopped by a signal, whatever the abort surfaced as, the signal is what happened. */
export function failureOf(caught: unknown, signal: AbortSignal | undefined): unknown {
  const stopped: unknown = signal?.aborted === true ? signal.reason : undefined;
  return stopped instanceof InterruptedError ? stopped : caught;
}
