// One standalone sync at a time per output folder. Two at once (a cron run overlapping a slow one)
// would delete each other's temporaries and race on the state file. The lock is a file created
// exclusively, naming its holder, whose modification time the holder refreshes while it runs (a
// lease): a lock left by a killed run is taken over once its process is known to be gone (same
// host) or its lease has not been renewed for LEASE_MS (any host, e.g. a container that was killed).
import { hostname } from "node:os";
import { mkdir, open, readFile, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { ConnectorError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

export const LOCK_NAME = ".sync.lock";
/** A lock not renewed for this long is stale. */
export const LEASE_MS = 60_000;
/** How often a holder renews its lease. */
export const RENEW_MS = 10_000;

const holderSchema = z.strictObject({
  pid: z.number().int().positive(),
  host: z.string(),
  started_at: z.string(),
});
export type LockHolder = z.infer<typeof holderSchema>;

export interface SyncLock {
  readonly path: string;
  /** Stop renewing and remove the lock (only if it is still ours). */
  release(): Promise<void>;
}

/** Runs the lease renewal; tests pass one they drive by hand instead of waiting for real timers. */
export interface RenewalScheduler {
  /** Call `renew` every `ms` until the returned function is called. */
  every(ms: number, renew: () => Promise<void>): () => void;
}

/** Real timers; unref'd, so a held lock never keeps the process alive on its own. */
export const intervalScheduler: RenewalScheduler = {
  every(ms, renew) {
    const timer = setInterval(() => void renew(), ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

export interface LockOptions {
  logger: Logger;
  now?: () => number;
  renewMs?: number;
  leaseMs?: number;
  /** Whether a process of this host is alive (tests replace it). */
  alive?: (pid: number) => boolean;
  /** What runs the renewal (default: real timers). */
  scheduler?: RenewalScheduler;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Take the output folder's lock, or fail saying who holds it and what to do. */
export async function acquireSyncLock(outDir: string, options: LockOptions): Promise<SyncLock> {
  const now = options.now ?? Date.now;
  const path = join(outDir, LOCK_NAME);
  await mkdir(outDir, { recursive: true });
  const me: LockHolder = { pid: process.pid, host: hostname(), started_at: new Date(now()).toISOString() };
  // Three tries: a stale lock is removed and taken; another sync may take it first.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(path, me)) return holding(path, me, now, options.renewMs ?? RENEW_MS, options.scheduler ?? intervalScheduler);
    const found = await readHolder(path);
    if (found === "gone") continue;
    const stale = staleness(found, me.host, now(), options);
    if (stale === undefined) throw lockedError(path, found, outDir, now());
    options.logger("warn", `Taking over the lock of ${outDir}: ${stale}`);
    await rm(path, { force: true });
  }
  throw new ConnectorError(`Could not take the lock ${path}: other syncs of ${outDir} keep taking it. Run again later.`, {
    code: "OUTPUT_LOCKED",
    failureType: "transient_error",
    retryable: true,
  });
}

/** Create the lock file naming us; false when it exists. */
async function tryCreate(path: string, me: LockHolder): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(me)}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

type Found = { holder: LockHolder | undefined; renewedAt: number } | "gone";

async function readHolder(path: string): Promise<Found> {
  try {
    const [text, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    let holder: LockHolder | undefined;
    try {
      holder = holderSchema.parse(JSON.parse(text));
    } catch {
      holder = undefined; // written by nothing we know, or cut off while being written
    }
    return { holder, renewedAt: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw error;
  }
}

/** Why a found lock may be taken over, or undefined while it is held. */
function staleness(found: Exclude<Found, "gone">, host: string, now: number, options: LockOptions): string | undefined {
  const { holder, renewedAt } = found;
  const alive = options.alive ?? processAlive;
  if (holder !== undefined && holder.host === host && !alive(holder.pid)) {
    return `its holder (pid ${holder.pid}, started ${holder.started_at}) is no longer running`;
  }
  const silentMs = now - renewedAt;
  if (silentMs > (options.leaseMs ?? LEASE_MS)) {
    const who = holder === undefined ? "an unreadable lock" : `pid ${holder.pid} on ${holder.host}`;
    return `${who} has not renewed it for ${Math.round(silentMs / 1000)} s`;
  }
  return undefined;
}

function lockedError(path: string, found: Exclude<Found, "gone">, outDir: string, now: number): ConnectorError {
  const { holder } = found;
  const who = holder === undefined ? "another sync" : `another sync (pid ${holder.pid} on ${holder.host}, started ${holder.started_at})`;
  return new ConnectorError(
    `${outDir} is in use by ${who}, whose lock was renewed ${Math.round((now - found.renewedAt) / 1000)} s ago. ` +
      `Wait for that sync to finish and run again. If no sync is running, the lock is released within ` +
      `${LEASE_MS / 1000} s, or delete ${path}.`,
    { code: "OUTPUT_LOCKED", failureType: "transient_error", retryable: true },
  );
}

function holding(path: string, me: LockHolder, now: () => number, renewMs: number, scheduler: RenewalScheduler): SyncLock {
  const stopRenewing = scheduler.every(renewMs, async () => {
    const at = new Date(now());
    // A failed renewal is retried at the next one; the lease outlives several misses.
    await utimes(path, at, at).catch(() => undefined);
  });
  return {
    path,
    async release() {
      stopRenewing();
      const found = await readHolder(path).catch(() => "gone" as const);
      // Never remove a lock another sync took over meanwhile.
      if (found !== "gone" && found.holder?.pid === me.pid && found.holder.host === me.host && found.holder.started_at === me.started_at) {
        await rm(path, { force: true });
      }
    },
  };
}
