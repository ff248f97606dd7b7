// Waiting for a condition nothing announces (a file appearing, a line on a child's stdout): check it
// every few milliseconds until it holds, failing with what was awaited once a generous deadline
// passes. The deadline is a safety net for a hung run, never a measurement.
import { setTimeout as sleep } from "node:timers/promises";

/** Resolve once `condition()` holds; reject naming `what` after `timeoutMs` (default 60 s). */
export async function until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    // The poll interval only sets how soon a met condition is seen.
    await sleep(10);
  }
}

/** Settle with `promise`; reject naming `what` if it has not settled after `timeoutMs` (default 60 s). */
export async function eventually<T>(what: string, promise: Promise<T>, timeoutMs = 60_000): Promise<T> {
  const timer = new AbortController();
  const deadline = sleep(timeoutMs, undefined, { signal: timer.signal }).then(() => {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    timer.abort();
    deadline.catch(() => undefined);
  }
}
