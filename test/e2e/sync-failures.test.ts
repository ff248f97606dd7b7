// Nothing half-done: a sync that fails at any point (job failed, truncated gzip, malformed line,
// resets past the retries, the process killed) leaves no file under a final name from its export
// and the previous state file untouched; the next run completes the work.
import { spawn } from "node:child_process";
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator, type Fault } from "../../src/emulator/index.js";
import { emulatorConfig, scratch } from "../helpers/airbyte.js";
import { SOURCE_BIN } from "../helpers/cli.js";
import { until } from "../helpers/until.js";
import { listFiles, manifests, query, runSync } from "./sync-helpers.js";

let em: Emulator;
/** The output of a complete first sync; each test works on its own copy. */
let baseline: string;
let stateBefore: string;
let filesBefore: string[];

/** Files a loader could see: everything but hidden temporaries. */
const published = (dir: string): string[] => listFiles(dir).filter((f) => !f.split("/").some((part) => part.startsWith(".")));

beforeAll(async () => {
  em = await startEmulator({ seed: 22, tasks: 700, teams: 3, messages: 60 });
  baseline = scratch();
  const first = await runSync(em, baseline);
  expect(first.code, first.stderr).toBe(0);
  // Enough changes that the next export spans a few hundred kB, so faults can hit it mid-file.
  em.workspace.mutate({ creates: 10, modifies: 400, deletes: 1 });
  stateBefore = readFileSync(join(baseline, "_state.json"), "utf8");
  filesBefore = published(baseline);
});
afterAll(async () => em.close());

/** A fresh copy of the first sync's output. */
function copyOfBaseline(): string {
  const out = join(scratch(), "out");
  cpSync(baseline, out, { recursive: true });
  return out;
}

function expectUntouched(out: string): void {
  expect(published(out)).toEqual(filesBefore);
  expect(readFileSync(join(out, "_state.json"), "utf8")).toBe(stateBefore);
}

const partials = (out: string): string[] => (existsSync(join(out, "tasks")) ? readdirSync(join(out, "tasks")).filter((f) => f.endsWith(".partial")) : []);

/**
 * Start a sync of `out` and SIGKILL it while it writes: its download drops after 60 kB and the
 * resumed request is held, so the process is caught with records in a temporary file.
 */
async function killWhileWriting(out: string): Promise<void> {
  const firedFrom = em.faults.fired.length;
  em.faults.arm({ kind: "reset", target: "download", afterBytes: 60_000 });
  em.faults.arm({ kind: "hold", target: "download", skip: 1 });
  const dir = scratch();
  writeFileSync(join(dir, "config.json"), JSON.stringify(emulatorConfig(em, { lookback_window_seconds: 0 })));
  const child = spawn(process.execPath, [SOURCE_BIN, "sync", "--config", join(dir, "config.json"), "--out", out], { stdio: "ignore" });
  const closed = new Promise((resolve) => child.on("close", resolve));
  await em.faults.waitForFired((f) => f.kind === "hold", { since: firedFrom });
  await until("a temporary file of the killed sync", () => partials(out).length > 0);
  child.kill("SIGKILL");
  await closed;
  em.faults.clear();
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
      const out = copyOfBaseline();
      for (const fault of faults) em.faults.arm(fault);
      const r = await runSync(em, out, overrides);
      em.faults.clear();
      expect(r.code, r.stderr).not.toBe(0);
      expectUntouched(out);
      // abort() deleted the temporaries too
      expect(listFiles(out).filter((f) => f.endsWith(".partial"))).toEqual([]);
    });
  }

  it("when the process is killed while writing", async () => {
    const out = copyOfBaseline();
    await killWhileWriting(out);
    expectUntouched(out);
  });

  it("and the next run completes the work, removing what the killed run left", async () => {
    const out = copyOfBaseline();
    await killWhileWriting(out);
    expect(existsSync(join(out, "._state.json.pending"))).toBe(true);
    const r = await runSync(em, out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Resuming export job \d+/);
    expect(listFiles(out).filter((f) => f.endsWith(".partial"))).toEqual([]);
    expect(manifests(out)).toHaveLength(2);
    const since = Date.parse((JSON.parse(stateBefore) as { bookmarks: { tasks: { cursor: string } } }).bookmarks.tasks.cursor);
    const changed = [...em.workspace.objects("task")].filter((t) => Date.parse(t.modified_at as string) > since).map((t) => t.gid).sort();
    const summary = JSON.parse(r.stdout.trim()) as { export_gid: string };
    const rows = await query(`SELECT gid FROM read_parquet('${out}/tasks/*.parquet') WHERE _export_gid = '${summary.export_gid}' AND _deleted_at IS NULL`);
    expect(rows.map((x) => x.gid).sort()).toEqual(changed);
    // Tombstones (objects the baseline wrote that earlier tests deleted) name no live task.
    const tombstones = await query(`SELECT gid FROM read_parquet('${out}/tasks/*.parquet') WHERE _export_gid = '${summary.export_gid}' AND _deleted_at IS NOT NULL`);
    for (const { gid } of tombstones) expect(em.workspace.get("task", String(gid))).toBeUndefined();
    expect(readFileSync(join(out, "_state.json"), "utf8")).not.toBe(stateBefore);
  });
});
