// Waiting for something the emulator does (a request logged, a fault fired, a file written) without
// guessing how long it takes: a wait re-checks its condition each time its source reports a change,
// and gives up after a deadline with an error naming what it waited for.

/** How long a wait may take. */
export interface WaitOptions {
  /** Reject after this many ms of real time; default 60 s (a safety net, never a measurement). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Settle with `promise`, or reject once `timeoutMs` (real time) has passed, naming `what`. */
export function withDeadline<T>(promise: Promise<T>, what: string, options: WaitOptions = {}): Promise<T> {
  const ms = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator: gave up after ${ms} ms waiting for ${what}`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

interface Waiter {
  check(): void;
  fail(error: Error): void;
}

/** Conditions waited for on one source of changes (the request log, the faults). */
export class Changes {
  private readonly waiters = new Set<Waiter>();
  private closed: string | undefined;

  /** Something changed: every pending wait checks its condition again. */
  notify(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }

  /** Fail every pending wait, and every later one, because the source is gone. */
  close(reason: string): void {
    this.closed ??= reason;
    for (const waiter of [...this.waiters]) waiter.fail(new Error(`emulator: ${reason}`));
  }

  /** Resolve with the first value `check` returns other than undefined, checked now and on each change. */
  until<T>(what: string, check: () => T | undefined, options: WaitOptions = {}): Promise<T> {
    const ms = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        check: () => {
          const value = check();
          if (value === undefined) return;
          done();
          resolve(value);
        },
        fail: (error) => {
          done();
          reject(new Error(`${error.message} while waiting for ${what}`));
        },
      };
      const timer = setTimeout(() => waiter.fail(new Error(`emulator: gave up after ${ms} ms`)), ms);
      this.waiters.add(waiter);
      waiter.check();
      if (this.closed !== undefined && this.waiters.has(waiter)) waiter.fail(new Error(`emulator: ${this.closed}`));
    });
  }
}

/** Which items of a growing list a wait looks at. */
export interface ListWaitOptions extends WaitOptions {
  /** Only items from this index on (take the list's length before acting); default 0. */
  since?: number;
  /** Resolve on the count-th matching item; default 1. */
  count?: number;
}

/** Wait on `changes` for the count-th item of `list` from `since` on that matches (`what` names the items). */
export function nthMatch<T>(changes: Changes, what: string, list: readonly T[], predicate: (item: T) => boolean, options: ListWaitOptions = {}): Promise<T> {
  const count = options.count ?? 1;
  const since = options.since ?? 0;
  let next = since;
  let found = 0;
  const described = `${what} #${count} matching ${predicate.toString().slice(0, 200)} from index ${since} on`;
  return changes.until(
    described,
    () => {
      // Each check resumes where the last one stopped: the list only grows.
      for (; next < list.length; next++) {
        const item = list[next];
        if (item !== undefined && predicate(item) && ++found === count) return item;
      }
      return undefined;
    },
    options,
  );
}
