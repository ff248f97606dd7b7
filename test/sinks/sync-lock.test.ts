// One sync per output folder: the lock refuses a second holder, is taken over from a dead process
// or an expired lease, is renewed while held, and is released only by its holder.
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LogLevel } from "../../src/core/logger.js";
import { LEASE_MS, LOCK_NAME, acquireSyncLock } from "../../src/sinks/sync-lock.js";
import { tempDir } from "./files-fixtures.js";

function logs(): { logger: (level: LogLevel, message: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { logger: (level, message) => lines.push(`${level}: ${message}`), lines };
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
    const old = new Date(Date.now() - LEASE_MS - 5_000);
    utimesSync(path, old, old);
    const log = logs();
    const lock = await acquireSyncLock(dir, log);
    expect(log.lines[0]).toMatch(/pid 1 on another-host has not renewed it for 6\d s/);
    await lock.release();
  });

  it("renews its lease while held", async () => {
    const dir = tempDir();
    const lock = await acquireSyncLock(dir, { ...logs(), renewMs: 20 });
    const path = join(dir, LOCK_NAME);
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(path, old, old);
    await new Promise((r) => setTimeout(r, 120));
    expect(Date.now() - statSync(path).mtimeMs).toBeLessThan(10_000);
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
