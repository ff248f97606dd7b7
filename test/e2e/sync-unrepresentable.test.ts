// A line the Parquet writer cannot represent (a task whose `name` key appears twice) follows
// on_invalid_record through the built CLI: by default the sync fails with RECORD_UNREPRESENTABLE,
// publishes nothing and forgets the export job (resuming it would fail the same way forever); with
// skip, the line is counted in the warning, the manifest and the summary, and the rest is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { scratch } from "../helpers/airbyte.js";
import { listFiles, manifests, query, runSync } from "./sync-helpers.js";

let em: Emulator;

beforeAll(async () => {
  em = await startEmulator({ seed: 31, tasks: 300, teams: 2, messages: 20 });
}, 60_000);
afterAll(async () => em.close());

const exportsStarted = (): number => em.requests.filter((q) => q.method === "POST" && q.path.endsWith("/exports/resource")).length;

describe("a line the Parquet writer cannot represent", () => {
  it("fails the sync by default, publishes nothing, and the next run starts a new export instead of resuming the job", async () => {
    const out = scratch();
    const before = exportsStarted();
    em.faults.arm({ kind: "file-duplicate-key", line: 40 });
    const failed = await runSync(em, out);
    em.faults.clear();
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toMatch(/RECORD_UNREPRESENTABLE|cannot be written to Parquet/);
    expect(failed.stderr).toMatch(/cannot be resumed \(RECORD_UNREPRESENTABLE\)/);
    expect(listFiles(out).filter((f) => f.endsWith(".parquet") || f.startsWith("_manifests"))).toEqual([]);
    // The job is not resumed: the rerun asks for a new export (whose file is clean) and succeeds.
    const again = await runSync(em, out);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/Resuming export job/);
    expect(exportsStarted() - before).toBe(2);
  }, 60_000);

  it("is skipped and reported with on_invalid_record = skip", async () => {
    const out = scratch();
    em.faults.arm({ kind: "file-duplicate-key", line: 40 });
    const r = await runSync(em, out, { on_invalid_record: "skip" });
    em.faults.clear();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Skipped invalid lines \(on_invalid_record = skip\): 1 tasks line\(s\) the Parquet writer cannot represent \(first: \d+ at line 40: the key "name" appears twice/);
    const [manifest] = manifests(out);
    expect(manifest?.streams.tasks?.skipped_lines).toBe(1);
    expect(manifest?.streams.tasks?.rows).toBe(em.workspace.count("task") - 1);
    expect(manifest?.streams.teams?.skipped_lines).toBeUndefined();
    const summary = JSON.parse(r.stdout.trim()) as { streams: { stream: string; skipped: number }[] };
    expect(summary.streams.find((s) => s.stream === "tasks")?.skipped).toBe(1);
    const [row] = await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${out}/tasks/*.parquet') WHERE name = 'duplicated key'`);
    expect(row?.n).toBe(0);
  }, 60_000);
});
