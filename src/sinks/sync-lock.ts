// One standalone sync at a time per output folder. Two at once (a cron run overlapping a slow one)
// would delete each other's temporaries and race on the state file. The lock is a file created
// exclusively, naming its holder, whose modification time the holder refreshes while it runs (a
// lease): a lock left by a killed run is taken over once its process is known to be gone (same
// host) or its lease has not been renewed for LEASE_MS (any host, e.g. a container that was killed).
//
// Taking a stale lock over is atomic: of several runs that all find the same stale lock, exactly one
// may remove it. Each first creates a ticket named after that lock's identity (inode and mtime)
// exclusively; the one that gets it moves the lock aside, checks that what it moved is the stale
// lock (same inode, mtime and bytes: not a fresh one that replaced it, maybe in the same inode), and
// only then creates its own lock, exclusively too. Every other run finds the ticket taken, or the
// new lock, and stops.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import * as fsp from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { ConnectorError } from "../core/errors.js";
import { fileSystemError } from "../core/fs-errors.js";
import type { Logger } from "../core/logger.js";
import { PRIVATE_FILE_MODE, makeDirectory } from "../core/make-directory.js";

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

/**
 * The file operations the lock uses: node:fs/promises by default. Tests pass wrappers that inject a
 * file-system fault (a full disk while the lock is written) or hold one run between two steps.
 */
export interface LockFiles {
  open(path: string, flags: string, mode: number): Promise<{ writeFile(text: string): Promise<void>; close(): Promise<void> }>;
  readFile(path: string, encoding: "utf8"): Promise<string>;
  stat(path: string): Promise<{ ino: number; mtimeMs: number }>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  utimes(path: string, atime: Date, mtime: Date): Promise<void>;
}

export interface LockOptions {
  logger: Logger;
  now?: () => number;
  renewMs?: number;
  leaseMs?: number;
  /** Whether a process of this host is alive (tests replace it). */
  alive?: (pid: number) => boolean;
  /** What runs the renewal (default: real timers). */
  scheduler?: RenewalScheduler;
  /** The file operations (default: node:fs/promises). */
  files?: LockFiles;
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

/** A lock found in place: who holds it, and the identity of the file (to take over that file only). */
interface Found {
  holder: LockHolder | undefined;
  renewedAt: number;
  ino: number;
  /** Its bytes: an inode number is reused as soon as a file is deleted, so it alone names no file. */
  text: string;
}

const errnoOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | null)?.code;

/** Take the output folder's lock, or fail saying who holds it and what to do. */
export async function acquireSyncLock(outDir: string, options: LockOptions): Promise<SyncLock> {
  const files = options.files ?? fsp;
  const now = options.now ?? Date.now;
  const path = join(outDir, LOCK_NAME);
  const next = "Nothing was read or written; the next run tries again.";
  await makeDirectory(outDir, { doing: "create the output folder", next });
  const me: LockHolder = { pid: process.pid, host: hostname(), started_at: new Date(now()).toISOString() };
  const hold = (): Promise<SyncLock> => holding(path, me, files, now, options.renewMs ?? RENEW_MS, options.scheduler ?? intervalScheduler);
  try {
    // A few rounds: a stale lock is taken over; another sync may take it first.
    for (let attempt = 0; attempt < 4; attempt++) {
      if (await tryCreate(files, path, me)) return await hold();
      const found = await readHolder(files, path);
      if (found === undefined) continue;
      const stale = staleness(found, me.host, now(), options);
      if (stale === undefined) throw lockedError(path, found, outDir, now());
      options.logger("warn", `Taking over the lock of ${outDir}: ${stale}`);
      if (await takeOver(files, path, found, me, now(), options.leaseMs ?? LEASE_MS)) return await hold();
    }
  } catch (error) {
    // A failed write of the lock names no path of its own: the lock's is the one to show.
    throw fileSystemError(error, (error as NodeJS.ErrnoException).path ?? path, { doing: "take the lock", next }) ?? error;
  }
  throw new ConnectorError(`Could not take the lock ${path}: other syncs of ${outDir} keep taking it. Nothing was read or written; run again later.`, {
    code: "OUTPUT_LOCKED",
    failureType: "transient_error",
    retryable: true,
  });
}

/**
 * Create the lock file naming us; false when it exists. If writing it fails (a full disk), the
 * half-made file is removed: a lock nobody holds would make the next runs wait out its lease.
 */
async function tryCreate(files: LockFiles, path: string, me: LockHolder): Promise<boolean> {
  let handle;
  try {
    handle = await files.open(path, "wx", PRIVATE_FILE_MODE);
  } catch (error) {
    if (errnoOf(error) === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(me)}\n`);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await files.unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return true;
}

async function readHolder(files: LockFiles, path: string): Promise<Found | undefined> {
  try {
    const [text, info] = await Promise.all([files.readFile(path, "utf8"), files.stat(path)]);
    let holder: LockHolder | undefined;
    try {
      holder = holderSchema.parse(JSON.parse(text));
    } catch {
      holder = undefined; // written by nothing we know, or cut off while being written
    }
    return { holder, renewedAt: info.mtimeMs, ino: info.ino, text };
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Replace the stale lock `found` with ours; false when another run got there first. See the file's
 * header for why this cannot let two runs through.
 */
async function takeOver(files: LockFiles, path: string, found: Found, me: LockHolder, now: number, leaseMs: number): Promise<boolean> {
  const ticket = `${path}.takeover-${found.ino}-${Math.trunc(found.renewedAt)}`;
  try {
    await (await files.open(ticket, "wx", PRIVATE_FILE_MODE)).close();
  } catch (error) {
    if (errnoOf(error) !== "EEXIST") throw error;
    // A run that crashed mid-takeover left its ticket: after a lease, it is stale too.
    const info = await files.stat(ticket).catch(() => undefined);
    if (info !== undefined && now - info.mtimeMs > leaseMs) await files.unlink(ticket).catch(() => undefined);
    return false;
  }
  try {
    const aside = `${path}.stale-${randomBytes(6).toString("hex")}`;
    try {
      await files.rename(path, aside);
    } catch (error) {
      if (errnoOf(error) === "ENOENT") return await tryCreate(files, path, me);
      throw error;
    }
    const [moved, text] = await Promise.all([files.stat(aside), files.readFile(aside, "utf8")]);
    if (moved.ino !== found.ino || moved.mtimeMs !== found.renewedAt || text !== found.text) {
      // Not the stale lock: a fresh one replaced it meanwhile. Put it back and let its holder be.
      await files.link(aside, path).catch(() => undefined);
      await files.unlink(aside).catch(() => undefined);
      return false;
    }
    await files.unlink(aside);
    return await tryCreate(files, path, me);
  } finally {
    await files.unlink(ticket).catch(() => undefined);
  }
}

/** Why a found lock may be taken over, or undefined while it is held. */
function staleness(found: Found, host: string, now: number, options: LockOptions): string | undefined {
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

function lockedError(path: string, found: Found, outDir: string, now: number): ConnectorError {
  const { holder } = found;
  const who = holder === undefined ? "another sync" : `another sync (pid ${holder.pid} on ${holder.host}, started ${holder.started_at})`;
  return new ConnectorError(
    `${outDir} is in use by ${who}, whose lock was renewed ${Math.round((now - found.renewedAt) / 1000)} s ago. ` +
      `Nothing was read or written. Wait for that sync to finish and run again. If no sync is running, the lock ` +
      `is released within ${LEASE_MS / 1000} s, or delete ${path}.`,
    { code: "OUTPUT_LOCKED", failureType: "transient_error", retryable: true },
  );
}

async function holding(path: string, me: LockHolder, files: LockFiles, now: () => number, renewMs: number, scheduler: RenewalScheduler): Promise<SyncLock> {
  const ours = (await files.stat(path)).ino;
  const text = `${JSON.stringify(me)}\n`;
  const isOurs = async (): Promise<boolean> => {
    const found = await readHolder(files, path).catch(() => undefined);
    return found !== undefined && found.ino === ours && found.text === text;
  };
  const stopRenewing = scheduler.every(renewMs, async () => {
    const at = new Date(now());
    // Never refresh a lock another run took over (another file, or other bytes in the same inode).
    // A failed renewal is retried at the next one; the lease outlives several misses.
    if (await isOurs()) await files.utimes(path, at, at).catch(() => undefined);
  });
  return {
    path,
    async release() {
      stopRenewing();
      // Never remove a lock another sync took over meanwhile.
      if (await isOurs()) await files.unlink(path).catch(() => undefined);
    },
  };
}
