// The output folder's lock under races and a full disk, driven in-process through the lock's file
// operations (node:fs/promises, wrapped): two runs that find the same stale lock are held at the
// same step, so the interleaving is the one that let both through when a stale lock was removed and
// then recreated; a write that fails with ENOSPC is injected at the boundary (test/reliability/
// files.test.ts shows the same on a real full tmpfs where the machine allows mounting one).
import * as fsp from "node:fs/promises";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_NAME, acquireSyncLock, type LockFiles, type LockOptions, type SyncLock } from "../../src/sinks/sync-lock.js";
import { scratch } from "../helpers/airbyte.js";

const DEAD_PID = 999_999;
const dead = (dir: string): void => writeFileSync(join(dir, LOCK_NAME), `${JSON.stringify({ pid: DEAD_PID, host: hostname(), started_at: "2026-01-01T00:00:00.000Z" })}\n`);

/** A promise and the function that resolves it. */
function gate(): { passed: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

/** The lock's file operations, with a hook before each call (to hold a run at one step). */
function filesWith(before: (op: keyof LockFiles, path: string) => Promise<void>): LockFiles {
  return {
    open: async (path, flags, mode) => (await before("open", path), fsp.open(path, flags, mode)),
    readFile: async (path, encoding) => (await before("readFile", path), fsp.readFile(path, encoding)),
    stat: async (path) => (await before("stat", path), fsp.stat(path)),
    rename: async (from, to) => (await before("rename", from), fsp.rename(from, to)),
    link: async (existing, path) => (await before("link", path), fsp.link(existing, path)),
    unlink: async (path) => (await before("unlink", path), fsp.unlink(path)),
    utimes: async (path, atime, mtime) => (await before("utimes", path), fsp.utimes(path, atime, mtime)),
  };
}

function options(startedAt: number, files: LockFiles): LockOptions {
  return { logger: () => undefined, now: () => startedAt, alive: (pid) => pid !== DEAD_PID, files };
}

const holderOf = (dir: string): { started_at: string } => JSON.parse(readFileSync(join(dir, LOCK_NAME), "utf8")) as { started_at: string };

describe("taking over a stale lock is atomic", () => {
  it("two runs that both read the same stale lock before either acts: exactly one takes it over, the other is refused", async () => {
    const dir = scratch();
    dead(dir);
    // Each run is held after it has read the stale lock (its first stat of it) until both have.
    const bothRead = gate();
    let reads = 0;
    const files = (): LockFiles => {
      let first = true;
      return filesWith(async (op, path) => {
        if (op !== "stat" || !path.endsWith(LOCK_NAME) || !first) return;
        first = false;
        if (++reads === 2) bothRead.open();
        await bothRead.passed;
      });
    };
    const runs = await Promise.allSettled([acquireSyncLock(dir, options(Date.parse("2026-06-01T00:00:00.001Z"), files())), acquireSyncLock(dir, options(Date.parse("2026-06-01T00:00:00.002Z"), files()))]);
    expect(reads).toBe(2);
    const won = runs.filter((r): r is PromiseFulfilledResult<SyncLock> => r.status === "fulfilled");
    const lost = runs.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toMatchObject({ code: "OUTPUT_LOCKED", failureType: "transient_error" });
    // The lock names the winner, and nothing of the takeover is left beside it.
    const winner = runs[0]?.status === "fulfilled" ? "2026-06-01T00:00:00.001Z" : "2026-06-01T00:00:00.002Z";
    expect(holderOf(dir).started_at).toBe(winner);
    expect(readdirSync(dir)).toEqual([LOCK_NAME]);
    await won[0]?.value.release();
  });

  it("a run that judged the lock stale but acts only after another took it over: the fresh lock is left as it was (same file), the late run refused", async () => {
    const dir = scratch();
    dead(dir);
    const firstDone = gate();
    // The late run is held at the start of its takeover (its ticket) until the other holds the lock.
    let held = false;
    const late = acquireSyncLock(
      dir,
      options(
        Date.parse("2026-06-01T00:00:00.002Z"),
        filesWith(async (op, path) => {
          if (op === "open" && path.includes(".takeover-") && !held) {
            held = true;
            await firstDone.passed;
          }
        }),
      ),
    );
    // Let the late run reach its hold first.
    while (!held) await new Promise((resolve) => setImmediate(resolve));
    const first = await acquireSyncLock(dir, options(Date.parse("2026-06-01T00:00:00.001Z"), fsp));
    const ino = statSync(join(dir, LOCK_NAME)).ino;
    firstDone.open();
    await expect(late).rejects.toMatchObject({ code: "OUTPUT_LOCKED" });
    expect(statSync(join(dir, LOCK_NAME)).ino).toBe(ino);
    expect(holderOf(dir).started_at).toBe("2026-06-01T00:00:00.001Z");
    expect(readdirSync(dir)).toEqual([LOCK_NAME]);
    await first.release();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("a full disk while the lock is written (ENOSPC injected at the write)", () => {
  it("leaves no lock behind, and says what to do: FS_DISK_FULL, transient", async () => {
    const dir = scratch();
    const full: LockFiles = {
      ...fsp,
      open: async (path, flags, mode) => {
        const handle = await fsp.open(path, flags, mode);
        return {
          writeFile: async () => {
            throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write", errno: -28 });
          },
          close: () => handle.close(),
        };
      },
    };
    await expect(acquireSyncLock(dir, { logger: () => undefined, files: full })).rejects.toMatchObject({
      code: "FS_DISK_FULL",
      failureType: "transient_error",
      message: expect.stringMatching(new RegExp(`^Cannot take the lock ${dir}/\\.sync\\.lock: no space left on the device \\(ENOSPC\\)\\..*Nothing was read or written; the next run tries again\\.$`)),
    });
    expect(readdirSync(dir)).toEqual([]);
    // The next run, on a disk with room again, takes the lock at once (no lease to wait out).
    const lock = await acquireSyncLock(dir, { logger: () => undefined });
    await lock.release();
  });
});
