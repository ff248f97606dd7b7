// Nothing half-done: a sync that fails at any point (job failed, truncated gzip, malformed line,
// resets past the retries, the process killed) leaves no file under a final name from its export
// and the previous state file untouched; the next run completes the work.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator, type Fault } from "../../src/emulator/index.js";
import { emulatorConfig, scratch } from "../helpers/airbyte.js";
import { SOURCE_BIN } from "../helpers/cli.js";
import { listFiles, manifests, query, runSync } from "./sync-helpers.js";

let em: Emulator;
let out: string;
let stateBefore: string;
let filesBefore: string[];

/** Files a loader could see: everything but hidden temporaries. */
const published = (dir: string): string[] => listFiles(dir).filter((f) => !f.split("/").some((part) => part.startsWith(".")));

beforeAll(async () => {
  em = await startEmulator({ seed: 22, tasks: 700, teams: 3, messages: 60 });
  out = scratch();
  const first = await runSync(em, out);
  expect(first.code, first.stderr).toBe(0);
  // Enough changes that the next export spans a few hundred kB, so faults can hit it mid-file.
  em.workspace.mutate({ creates: 10, modifies: 400, deletes: 1 });
  stateBefore = readFileSync(join(out, "_state.json"), "utf8");
  filesBefore = published(out);
}, 60_000);
afterAll(async () => em.close());

function expectUntouched(): void {
  expect(published(out)).toEqual(filesBefore);
  expect(readFileSync(join(out, "_state.json"), "utf8")).toBe(stateBefore);
}

describe("a failed sync publishes nothing", () => {
  const cases: [string, Fault[], Record<string, unknown>][] = [
    ["the export job failed", [{ kind: "job-failed" }], {}],
    ["the export file is truncated", [{ kind: "file-truncated", keepFraction: 0.6 }], {}],
    ["a line is malformed (late in the file)", [{ kind: "file-malformed-line", line: 45 }], {}],
    [
      "connection resets exhaust the retries",
      // One reset after some records were written, then resets before any byte: no more progress.
      [
        { kind: "reset", target: "download", afterBytes: 60_000 },
        { kind: "reset", target: "download", afterBytes: 0, skip: 1, times: 50 },
      ],
      { max_retries: 1 },
    ],
  ];
  for (const [what, faults, overrides] of cases) {
    it(`when ${what}`, async () => {
      for (const fault of faults) em.faults.arm(fault);
      const r = await runSync(em, out, overrides);
      em.faults.clear();
      expect(r.code, r.stderr).not.toBe(0);
      expectUntouched();
      // abort() deleted the temporaries too
      expect(listFiles(out).filter((f) => f.endsWith(".partial"))).toEqual([]);
    }, 30_000);
  }

  it("when the process is killed while writing", async () => {
    // The case before gave up on a transient failure, so its job is still recorded and this run resumes
    // it: a probe of the file (request 1), then the download, reset after 60 kB (2), then a stalled retry (3).
    expect(existsSync(join(out, "._state.json.pending"))).toBe(true);
    em.faults.arm({ kind: "reset", target: "download", afterBytes: 60_000, skip: 1 });
    em.faults.arm({ kind: "latency", target: "download", ms: 15_000, skip: 2 });
    const dir = scratch();
    writeFileSync(join(dir, "config.json"), JSON.stringify(emulatorConfig(em, { lookback_window_seconds: 0 })));
    const child = spawn(process.execPath, [SOURCE_BIN, "sync", "--config", join(dir, "config.json"), "--out", out], { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    const partials = (): string[] => (existsSync(join(out, "tasks")) ? readdirSync(join(out, "tasks")).filter((f) => f.endsWith(".partial")) : []);
    while (partials().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(partials().length).toBeGreaterThan(0);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.on("close", resolve));
    em.faults.clear();
    expectUntouched();
  }, 30_000);

  it("and the next run completes the work, removing what the killed run left", async () => {
    const r = await runSync(em, out);
    expect(r.code, r.stderr).toBe(0);
    expect(listFiles(out).filter((f) => f.endsWith(".partial"))).toEqual([]);
    expect(manifests(out)).toHaveLength(2);
    const since = Date.parse((JSON.parse(stateBefore) as { bookmarks: { tasks: { cursor: string } } }).bookmarks.tasks.cursor);
    const changed = [...em.workspace.objects("task")].filter((t) => Date.parse(t.modified_at as string) > since).map((t) => t.gid).sort();
    const summary = JSON.parse(r.stdout.trim()) as { export_gid: string };
    const rows = await query(`SELECT gid FROM read_parquet('${out}/tasks/*.parquet') WHERE _export_gid = '${summary.export_gid}'`);
    expect(rows.map((x) => x.gid).sort()).toEqual(changed);
    expect(readFileSync(join(out, "_state.json"), "utf8")).not.toBe(stateBefore);
  }, 30_000);
});
