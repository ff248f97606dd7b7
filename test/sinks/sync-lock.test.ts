// One sync per output folder: the lock refuses a second holder, is taken over from a dead process
// or an expired lease, is renewed while held, and is released only by its holder.
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LogLevel } from "../../src/core/logger.js";
import { LEASE_MS, LOCK_NAME, RENEW_MS, acquireSyncLock, intervalScheduler, type RenewalScheduler } from "../../src/sinks/sync-lock.js";
import { tempDir } from "./files-fixtures.js";

function logs(): { logger: (level: LogLevel, message: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { logger: (level, message) => lines.push(`${level}: ${message}`), lines };
}

/** A scheduler the test drives: `tick()` runs one renewal and resolves when it is done. */
function manualScheduler(): RenewalScheduler & { tick(): Promise<void>; intervals: number[]; running: () => boolean } {
  let renew: (() => Promise<void>) | undefined;
  const intervals: number[] = [];
  return {
    every(ms, task) {
      intervals.push(ms);
      renew = task;
      return () => {
        renew = undefined;
      };
    },
    async tick() {
      if (renew === undefined) throw new Error("no renewal is scheduled");
      await renew();
    },
    intervals,
    running: () => renew !== undefined,
  };
}

const holder = (pid: number, host = hostname()) => `${JSON.stringify({ pid, host, started_at: "2026-01-01T00:00:00.000Z" })}\n`;

describe("the sync lock", () => {
  it("is exclusive: a second sync is refused, naming the holder, until the first releases it", async () => {
    const dir = join(tempDir(), "out");
    const first = await acquireSyncLock(dir, logs());
    const lock = JSON.parse(readFileSync(join(dir, LOCK_NAME), "utf8")) as { pid: number; host: string };
    expect(lock).toMatchObject({ pid: process.pid, host: hostname() });
    const refused = acquireSyncLock(dir, logs());
    await expect(refused).rejects.toMatchObject({ code: "OUTPUT_LOCKED", failureType: "transient_error" });
    await expect(acquireSyncLock(dir, logs())).rejects.toThrow(new RegExp(`in use by another sync \\(pid ${process.pid} on .*Wait for that sync to finish.*delete .*${LOCK_NAME}`));
    await first.release();
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false);
    const second = await acquireSyncLock(dir, logs());
    await second.release();
  });

  it("takes over a lock whose process on this host is gone, and says so", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_NAME), holder(4242));
    const log = logs();
    const lock = await acquireSyncLock(dir, { ...log, alive: (pid) => pid !== 4242 });
    expect(log.lines).toEqual([expect.stringMatching(/^warn: Taking over the lock of .*: its holder \(pid 4242, started .*\) is no longer running$/)]);
    expect(JSON.parse(readFileSync(join(dir, LOCK_NAME), "utf8"))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it("keeps a lock of another host while its lease is renewed, takes it over once it expired", async () => {
    const dir = tempDir();
    const path = join(dir, LOCK_NAME);
    writeFileSync(path, holder(1, "another-host"));
    await expect(acquireSyncLock(dir, { ...logs(), alive: () => false })).rejects.toMatchObject({ code: "OUTPUT_LOCKED" });
    // The lock's clock is fixed, so the silence it reports is exact however slow the machine.
    const now = Date.now();
    const old = new Date(now - LEASE_MS - 5_000);
    utimesSync(path, old, old);
    const log = logs();
    const lock = await acquireSyncLock(dir, { ...log, now: () => now });
    expect(log.lines[0]).toMatch(new RegExp(`pid 1 on another-host has not renewed it for ${(LEASE_MS + 5_000) / 1000} s`));
    await lock.release();
  });

  it("renews its lease every RENEW_MS while held, to the lock's clock, and stops on release", async () => {
    const dir = tempDir();
    const scheduler = manualScheduler();
    let now = Date.UTC(2026, 0, 1, 12);
    const lock = await acquireSyncLock(dir, { ...logs(), now: () => now, scheduler });
    expect(scheduler.intervals).toEqual([RENEW_MS]);
    const path = join(dir, LOCK_NAME);
    const old = new Date(now - 3_600_000);
    utimesSync(path, old, old);
    now += RENEW_MS;
    await scheduler.tick();
    expect(statSync(path).mtimeMs).toBe(now);
    now += RENEW_MS;
    await scheduler.tick();
    expect(statSync(path).mtimeMs).toBe(now);
    await lock.release();
    expect(scheduler.running()).toBe(false);
  });

  it("takes renewMs as the renewal interval", async () => {
    const scheduler = manualScheduler();
    const lock = await acquireSyncLock(tempDir(), { ...logs(), renewMs: 20, scheduler });
    expect(scheduler.intervals).toEqual([20]);
    await lock.release();
  });

  it("release never removes a lock that another sync took over meanwhile", async () => {
    const dir = tempDir();
    const lock = await acquireSyncLock(dir, logs());
    writeFileSync(join(dir, LOCK_NAME), holder(4243, "elsewhere"));
    await lock.release();
    expect(readFileSync(join(dir, LOCK_NAME), "utf8")).toContain("elsewhere");
  });
});

describe("the real-timer renewal scheduler", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs the renewal every interval until stopped", () => {
    vi.useFakeTimers();
    let renewals = 0;
    const stop = intervalScheduler.every(RENEW_MS, async () => {
      renewals += 1;
    });
    vi.advanceTimersByTime(RENEW_MS - 1);
    expect(renewals).toBe(0);
    vi.advanceTimersByTime(1);
    expect(renewals).toBe(1);
    vi.advanceTimersByTime(2 * RENEW_MS);
    expect(renewals).toBe(3);
    stop();
    vi.advanceTimersByTime(10 * RENEW_MS);
    expect(renewals).toBe(3);
  });
});
