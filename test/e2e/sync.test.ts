// The standalone sync through the built CLI against the emulator: typed Parquet that DuckDB reads
// back equal to the ground truth, then an incremental run, and the JSONL format.
import { readFileSync, readdirSync } from "node:fs";
import { decompress as zstdDecompress, init as zstdInit } from "@bokuweb/zstd-wasm";
import { tableFromIPC } from "apache-arrow";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import * as parquetWasm from "parquet-wasm";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { compileFields } from "../../src/emulator/server/project-fields.js";
import { requireStream } from "../../src/streams/index.js";
import { scratch } from "../helpers/airbyte.js";
import { parquetPages } from "../helpers/parquet-pages.js";
import { actualValue, expectedValue, listFiles, manifests, parquetRows, query, readerValue, runSync, unknownFields } from "./sync-helpers.js";

const STREAMS = [
  ["tasks", "task"],
  ["teams", "team"],
  ["messages", "message"],
] as const;

let em: Emulator;
let out: string;
let first: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  em = await startEmulator({ seed: 21, tasks: 600, teams: 4, messages: 120 });
  out = scratch();
  first = await runSync(em, out);
}, 60_000);
afterAll(async () => em.close());

describe("sync --format parquet", () => {
  it("publishes one file per stream, a manifest and the state, and prints a JSON summary", () => {
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout.trim()) as { status: string; export_gid: string; export_created_at: string };
    expect(summary.status).toBe("succeeded");
    const stamp = summary.export_created_at.replace(/[-:.]/g, "");
    expect(listFiles(out)).toEqual(
      [`_manifests/${summary.export_gid}.json`, "_state.json", `messages/${stamp}-00001.parquet`, `tasks/${stamp}-00001.parquet`, `teams/${stamp}-00001.parquet`].sort(),
    );
    const [manifest] = manifests(out);
    expect(manifest?.export_created_at).toBe(summary.export_created_at);
    for (const [stream, type] of STREAMS) {
      expect(manifest?.streams[stream]?.rows).toBe(em.workspace.count(type));
      expect(manifest?.streams[stream]?.files[0]?.rows).toBe(em.workspace.count(type));
    }
    const state = JSON.parse(readFileSync(join(out, "_state.json"), "utf8")) as { bookmarks: Record<string, { cursor?: string }> };
    expect(state.bookmarks.tasks?.cursor).toBe(summary.export_created_at);
    expect(state.bookmarks.messages?.cursor).toBe(summary.export_created_at);
    expect(state.bookmarks.teams?.cursor).toBeUndefined();
    expect(first.stderr).toMatch(/stream\s+rows\s+files\s+bytes\s+new cursor/);
  });

  it("types every column as the schema says", async () => {
    const types = new Map((await query(`DESCRIBE SELECT * FROM read_parquet('${out}/tasks/*.parquet')`)).map((r) => [r.column_name, r.column_type]));
    expect(types.get("gid")).toBe("VARCHAR");
    expect(types.get("created_at")).toBe("TIMESTAMP WITH TIME ZONE");
    expect(types.get("due_on")).toBe("DATE");
    expect(types.get("completed")).toBe("BOOLEAN");
    expect(types.get("num_likes")).toBe("BIGINT");
    expect(types.get("actual_time_minutes")).toBe("DOUBLE");
    expect(types.get("assignee")).toMatch(/^STRUCT\(gid VARCHAR, resource_type VARCHAR, "?name"? VARCHAR\)$/);
    expect(types.get("custom_fields")).toMatch(/^STRUCT\(.*number_value DOUBLE.*\)\[\]$/);
    expect(types.get("tags")).toMatch(/^STRUCT\(.*\)\[\]$/);
    expect(types.get("_extra")).toBe("VARCHAR");
    expect(types.get("_extracted_at")).toBe("TIMESTAMP WITH TIME ZONE");
    expect(types.get("_export_gid")).toBe("VARCHAR");
  });

  it("holds exactly the ground truth: every value of every row, unknown fields in _extra", async () => {
    const [manifest] = manifests(out);
    for (const [stream, type] of STREAMS) {
      const definition = requireStream(stream, "test");
      const rows = await parquetRows(`${out}/${stream}/*.parquet`);
      expect(rows.size).toBe(em.workspace.count(type));
      // What the export holds: each object projected to the type's default fields.
      const exported = compileFields(type, undefined, "fields");
      for (const object of [...em.workspace.objects(type)].map(exported)) {
        const row = rows.get(object.gid as string);
        expect(row, `${stream} ${object.gid}`).toBeDefined();
        for (const [field, node] of Object.entries(definition.schema.properties)) {
          expect(actualValue(node, row?.[field]), `${stream} ${object.gid} ${field}`).toEqual(expectedValue(node, object[field]));
        }
        const extra = unknownFields(definition.schema, object);
        expect(row?._extra === null ? {} : JSON.parse(row?._extra as string)).toEqual(extra);
        expect(row?._export_gid).toBe(manifest?.export_gid);
      }
    }
  });

  it("reads back equal to the ground truth through parquet-wasm (arrow-rs) with apache-arrow, and through hyparquet", async () => {
    await zstdInit();
    for (const [stream, type] of STREAMS) {
      const definition = requireStream(stream, "test");
      const exported = compileFields(type, undefined, "fields");
      const truth = new Map([...em.workspace.objects(type)].map((o) => [o.gid, exported(o)]));
      for (const name of readdirSync(join(out, stream))) {
        const path = join(out, stream, name);
        const bytes = new Uint8Array(readFileSync(path));
        const arrow = tableFromIPC(parquetWasm.readParquet(bytes).intoIPCStream()).toArray().map((r) => (r as { toJSON(): Record<string, unknown> }).toJSON());
        const hyparquet = (await parquetReadObjects({ file: await asyncBufferFromFile(path), compressors: { ZSTD: (input: Uint8Array) => zstdDecompress(input) } })) as Record<string, unknown>[];
        for (const [reader, rows] of [["parquet-wasm", arrow], ["hyparquet", hyparquet]] as const) {
          expect(rows.length, `${reader} ${path}`).toBe(truth.size);
          for (const row of rows) {
            const object = truth.get(row.gid as string);
            expect(object, `${reader} ${stream} ${String(row.gid)}`).toBeDefined();
            for (const [field, node] of Object.entries(definition.schema.properties)) {
              expect(readerValue(node, row[field]), `${reader} ${stream} ${String(row.gid)} ${field}`).toEqual(expectedValue(node, object?.[field]));
            }
            const extra = unknownFields(definition.schema, object);
            expect(row._extra === null || row._extra === undefined ? {} : JSON.parse(row._extra as string), `${reader} _extra`).toEqual(extra);
          }
        }
      }
    }
  });

  it("lays the files out as warehouses want: v1 pages, PLAIN booleans, statistics on every leaf, one row group here", async () => {
    for (const [stream] of STREAMS) {
      for (const name of readdirSync(join(out, stream))) {
        const path = join(out, stream, name);
        const chunks = parquetPages(path);
        expect(new Set(chunks.flatMap((c) => c.pages.map((p) => p.type))).has(3), path).toBe(false);
        for (const c of chunks.filter((c) => c.type === "BOOLEAN")) expect(c.pages.every((p) => p.encoding === 0), c.path).toBe(true);
        const stats = await query(`SELECT count(*) FILTER (WHERE stats_null_count IS NULL)::INTEGER AS missing, count(DISTINCT row_group_id)::INTEGER AS groups FROM parquet_metadata('${path}')`);
        expect(stats[0]).toEqual({ missing: 0, groups: 1 });
        const [meta] = await query(`SELECT created_by FROM parquet_file_metadata('${path}')`);
        expect(meta?.created_by).toMatch(/^source-asana-export version \d+\.\d+\.\d+ \(build [0-9a-f]{12}\)$/);
      }
    }
  });

  it("keeps unicode and nulls intact", async () => {
    const [row] = await query(`SELECT
        count(*) FILTER (WHERE notes LIKE '%🎉🚀✅%') AS emoji,
        count(*) FILTER (WHERE notes LIKE '%日本語%') AS cjk,
        count(*) FILTER (WHERE notes LIKE '%مرحبا%') AS rtl,
        count(*) FILTER (WHERE contains(notes, chr(8232))) AS line_separator,
        count(*) FILTER (WHERE due_on IS NULL) AS null_dates,
        count(*) FILTER (WHERE completed_at IS NULL) AS null_times
      FROM read_parquet('${out}/tasks/*.parquet')`);
    for (const key of ["emoji", "cjk", "rtl", "line_separator", "null_dates", "null_times"]) expect(Number(row?.[key]), key).toBeGreaterThan(0);
    const truth = [...em.workspace.objects("task")].filter((t) => typeof t.notes === "string" && t.notes.includes("\u2028")).length;
    expect(Number(row?.line_separator)).toBe(truth);
  });

  it("joins tasks to their custom field values", async () => {
    const rows = await query(`SELECT t.gid, cf.name AS field, cf.display_value AS shown, cf.number_value AS number
      FROM read_parquet('${out}/tasks/*.parquet') t, UNNEST(t.custom_fields) AS u(cf)`);
    const truth = [...em.workspace.objects("task")].flatMap((t) =>
      ((t.custom_fields as Record<string, unknown>[] | undefined) ?? []).map((cf) => ({ gid: t.gid, field: cf.name, shown: cf.display_value ?? null, number: cf.number_value ?? null })),
    );
    expect(rows.length).toBe(truth.length);
    const key = (r: Record<string, unknown>): string => JSON.stringify([r.gid, r.field, r.shown, r.number]);
    expect(rows.map(key).sort()).toEqual(truth.map(key).sort());
  });

  it("then writes only what changed: a second manifest, and the cursor advances", async () => {
    const before = JSON.parse(readFileSync(join(out, "_state.json"), "utf8")) as { bookmarks: { tasks: { cursor: string } } };
    const changed = em.workspace.mutate({ creates: 7, modifies: 11, deletes: 2 });
    const second = await runSync(em, out);
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout.trim()) as { export_gid: string; export_created_at: string };
    expect(manifests(out)).toHaveLength(2);
    const manifest = manifests(out).find((m) => m.export_gid === summary.export_gid);
    const after = JSON.parse(readFileSync(join(out, "_state.json"), "utf8")) as { bookmarks: { tasks: { cursor: string } } };
    expect(Date.parse(after.bookmarks.tasks.cursor)).toBeGreaterThan(Date.parse(before.bookmarks.tasks.cursor));
    expect(after.bookmarks.tasks.cursor).toBe(summary.export_created_at);
    const since = Date.parse(before.bookmarks.tasks.cursor);
    for (const [stream, type] of [["tasks", "task"], ["messages", "message"]] as const) {
      const expected = [...em.workspace.objects(type)].filter((o) => Date.parse(o.modified_at as string) > since).map((o) => o.gid).sort();
      const got = await query(`SELECT gid FROM read_parquet('${out}/${stream}/*.parquet') WHERE _export_gid = '${summary.export_gid}'`);
      expect(got.map((r) => r.gid).sort()).toEqual(expected);
      expect(manifest?.streams[stream]?.rows).toBe(expected.length);
    }
    expect(changed.created.length + changed.modified.length).toBeGreaterThan(0);
    expect(manifest?.streams.teams?.rows).toBe(em.workspace.count("team"));
  }, 30_000);
});

describe("sync --format jsonl", () => {
  it("writes gzip JSON Lines whose lines are the exported objects, with the same manifest and state", async () => {
    const dir = scratch();
    const r = await runSync(em, dir, {}, ["--format", "jsonl", "--streams", "tasks,teams"]);
    expect(r.code, r.stderr).toBe(0);
    const [manifest] = manifests(dir);
    expect(Object.keys(manifest?.streams ?? {})).toEqual(["tasks", "teams"]);
    for (const [stream, type] of [["tasks", "task"], ["teams", "team"]] as const) {
      const files = manifest?.streams[stream]?.files ?? [];
      expect(files[0]?.path).toMatch(new RegExp(`^${stream}/\\d{8}T\\d{9}Z-00001\\.jsonl\\.gz$`));
      const text = files.map((f) => gunzipSync(readFileSync(join(dir, f.path))).toString("utf8")).join("");
      const lines = text.split("\n").filter((l) => l !== "");
      expect(lines.length).toBe(em.workspace.count(type));
      const exported = compileFields(type, undefined, "fields");
      const truth = new Map([...em.workspace.objects(type)].map((o) => [o.gid, exported(o)]));
      for (const line of lines) {
        const object = JSON.parse(line) as { gid: string };
        expect(object).toEqual(JSON.parse(JSON.stringify(truth.get(object.gid))));
      }
    }
    const state = JSON.parse(readFileSync(join(dir, "_state.json"), "utf8")) as { bookmarks: Record<string, unknown> };
    expect(Object.keys(state.bookmarks).sort()).toEqual(["tasks", "teams"]);
  }, 30_000);
});
