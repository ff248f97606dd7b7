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

  constructor(signal: StopSignal) {
    super(
      `Stopped by ${signal} before the sync finished; the last state it emitted is still valid. ` +
        `Run the sync again to continue: it resumes the export job recorded in the state, if any.`,
      { code: "INTERRUPTED", failureType: "transient_error", retryable: true },
    );
    this.exitCode = 128 + SIGNAL_NUMBERS[signal];
  }
}

/** Handlers installed on the process; `dispose` removes them. */
export interface StopHandlers {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * On the first SIGTERM or SIGINT, abort `signal` with an InterruptedError and give the run
 * `graceMs` to wind down before exiting; a second signal exits at once.
 */
export function stopOnSignals(graceMs = 5_000): StopHandlers {
  const controller = new AbortController();
  const handlers = new Map<StopSignal, () => void>();
  for (const name of Object.keys(SIGNAL_NUMBERS) as StopSignal[]) {
    const handler = (): void => {
      const reason = new InterruptedError(name);
      if (controller.signal.aborted) process.exit(reason.exitCode);
      controller.abort(reason);
      setTimeout(() => process.exit(reason.exitCode), graceMs).unref();
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    signal: controller.signal,
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
