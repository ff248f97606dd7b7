// The standalone sink on its own: publication order (files, manifest, state last), what abort and a
// failing finish leave behind, and the state file's shape.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SyncEvent } from "../../src/core/events.js";
import { manifestSchema } from "../../src/sinks/standalone-manifest.js";
import { StandaloneSink } from "../../src/sinks/standalone.js";
import { fileSafeTime, removeStaleTemporaries } from "../../src/sinks/standalone-leftovers.js";
import { requireStream } from "../../src/streams/index.js";
import { listFiles } from "../e2e/sync-helpers.js";
import { PARQUET, record, tempDir } from "./files-fixtures.js";

const CREATED = "2026-03-04T05:06:07.089Z";
const tasks = requireStream("tasks", "test");
const teams = requireStream("teams", "test");

function sink(out: string, statePath = join(out, "_state.json")): StandaloneSink {
  return new StandaloneSink({
    outDir: out,
    files: PARQUET,
    maxFileBytes: 1 << 30,
    statePath,
    streams: [tasks, teams],
    previousState: { messages: { version: 1, cursor: "2020-01-01T00:00:00.000Z" } },
    clock: { now: () => Date.parse("2026-03-04T06:00:00Z") },
  });
}

/** The events of a successful sync of two tasks and one team. */
const EVENTS: SyncEvent[] = [
  { kind: "state", stream: "tasks", state: { version: 1, pending_export: { job_gid: "5" } }, recordCount: 0 },
  { kind: "progress", job: "succeeded", exportGid: "900", exportCreatedAt: CREATED },
  { kind: "records", stream: "tasks", records: [record({ gid: "1", resource_type: "task" }), record({ gid: "2", resource_type: "task" })], emittedAt: 1 },
  { kind: "records", stream: "teams", records: [record({ gid: "3", resource_type: "team" })], emittedAt: 2 },
  { kind: "state", stream: "tasks", state: { version: 1, cursor: CREATED }, recordCount: 2, exportGid: "900", exportCreatedAt: CREATED },
  { kind: "state", stream: "teams", state: { version: 1 }, recordCount: 1, exportGid: "900", exportCreatedAt: CREATED },
];

async function feed(s: StandaloneSink, events: readonly SyncEvent[]): Promise<void> {
  for (const e of events) await s.handle(e);
}

describe("StandaloneSink", () => {
  it("publishes the files, then the manifest, then the state (merged with untouched streams)", async () => {
    const out = tempDir();
    const s = sink(out);
    await feed(s, EVENTS);
    expect(listFiles(out).every((f) => f.split("/").pop()?.startsWith("."))).toBe(true);
    await s.finish();
    const stamp = fileSafeTime(CREATED);
    expect(stamp).toBe("20260304T050607089Z");
    expect(listFiles(out)).toEqual(["_manifests/900.json", "_state.json", `tasks/${stamp}-00001.parquet`, `teams/${stamp}-00001.parquet`]);
    const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(out, "_manifests/900.json"), "utf8")));
    expect(manifest).toMatchObject({ export_gid: "900", export_created_at: CREATED, format: "parquet", compression: "zstd", written_at: "2026-03-04T06:00:00.000Z" });
    expect(manifest.streams.tasks).toMatchObject({ rows: 2, cursor: CREATED, files: [{ path: `tasks/${stamp}-00001.parquet`, rows: 2 }] });
    expect(manifest.streams.teams?.cursor).toBeUndefined();
    expect(manifest.streams.tasks?.columns_hash).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.parse(readFileSync(join(out, "_state.json"), "utf8"))).toEqual({
      bookmarks: { messages: { version: 1, cursor: "2020-01-01T00:00:00.000Z" }, tasks: { version: 1, cursor: CREATED }, teams: { version: 1 } },
    });
    expect(s.outcome?.streams.map((r) => [r.stream, r.rows, r.files.length])).toEqual([["tasks", 2, 1], ["teams", 1, 1]]);
  });

  it("abort leaves no data file and the state untouched, only the running job's record for the rerun", async () => {
    const out = tempDir();
    writeFileSync(join(out, "_state.json"), "previous");
    const s = sink(out);
    await feed(s, EVENTS.slice(0, 4));
    await s.abort();
    expect(listFiles(out)).toEqual(["._state.json.pending", "_state.json"]);
    expect(readFileSync(join(out, "_state.json"), "utf8")).toBe("previous");
    expect(JSON.parse(readFileSync(join(out, "._state.json.pending"), "utf8"))).toEqual({ bookmarks: { tasks: EVENTS[0]?.kind === "state" ? EVENTS[0].state : {} } });
  });

  it("a state without the job (the sync gave it up) removes the job's record", async () => {
    const out = tempDir();
    const s = sink(out);
    await feed(s, EVENTS.slice(0, 1));
    expect(listFiles(out)).toEqual(["._state.json.pending"]);
    await s.handle({ kind: "state", stream: "tasks", state: { version: 1 }, recordCount: 0 });
    expect(listFiles(out)).toEqual([]);
  });

  it("a finish that cannot write the state withdraws the files and manifest it published", async () => {
    const out = tempDir();
    const statePath = join(out, "state-is-a-folder");
    mkdirSync(join(statePath, "x"), { recursive: true });
    const s = sink(out, statePath);
    await feed(s, EVENTS);
    await expect(s.finish()).rejects.toThrow();
    expect(listFiles(out).filter((f) => !f.startsWith("state-is-a-folder") && f !== ".state-is-a-folder.pending")).toEqual([]);
  });

  it("refuses records before the export is named", async () => {
    const s = sink(tempDir());
    await expect(s.handle({ kind: "records", stream: "tasks", records: [record({ gid: "1" })], emittedAt: 0 })).rejects.toThrow(/before the export was named/);
  });

  it("removeStaleTemporaries deletes only temporaries named as our writers name them", async () => {
    const out = tempDir();
    mkdirSync(join(out, "tasks"));
    mkdirSync(join(out, "_manifests"));
    const ours = ["tasks/.0a1b2c3d4e5f-00001.parquet.partial", "tasks/.0a1b2c3d4e5f-00002.jsonl.gz.partial", "_manifests/.1200000000000009.json.0a1b2c3d.partial", "._state.json.0a1b2c3d.partial", ".._state.json.pending.0a1b2c3d.partial"];
    const theirs = ["tasks/20260101T000000000Z-00001.parquet", "tasks/.abc-00001.parquet.partial", "tasks/.notes.partial", ".editor-backup.partial", "_manifests/.draft.partial"];
    for (const f of [...ours, ...theirs]) writeFileSync(join(out, f), "x");
    expect(await removeStaleTemporaries(out, ["tasks", "teams"], join(out, "_state.json"))).toBe(ours.length);
    expect(listFiles(out).sort()).toEqual([...theirs].sort());
  });
});
