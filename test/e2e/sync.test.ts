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
import { STREAMS as DEFINITIONS, requireStream } from "../../src/streams/index.js";
import { scratch } from "../helpers/airbyte.js";
import { parquetPages } from "../helpers/parquet-pages.js";
import { expectedRows, rowKey } from "../helpers/truth.js";
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
});
afterAll(async () => em.close());

describe("sync --format parquet", () => {
  it("publishes one file per stream, a manifest and the state, and prints a JSON summary", () => {
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout.trim()) as { status: string; export_gid: string; export_created_at: string };
    expect(summary.status).toBe("succeeded");
    const stamp = summary.export_created_at.replace(/[-:.]/g, "");
    // Every stream by default: the export's own and the ones unnested from it, a folder each.
    expect(listFiles(out)).toEqual(
      [`_manifests/${summary.export_gid}.json`, "_state.json", ...DEFINITIONS.map((d) => `${d.name}/${stamp}-00001.parquet`)].sort(),
    );
    const [manifest] = manifests(out);
    expect(manifest?.export_created_at).toBe(summary.export_created_at);
    expect(Object.keys(manifest?.streams ?? {})).toEqual(DEFINITIONS.map((d) => d.name));
    for (const definition of DEFINITIONS) {
      const rows = expectedRows(em.workspace, definition.name).length;
      expect(manifest?.streams[definition.name]?.rows, definition.name).toBe(rows);
      expect(manifest?.streams[definition.name]?.files[0]?.rows).toBe(rows);
    }
    const state = JSON.parse(readFileSync(join(out, "_state.json"), "utf8")) as { bookmarks: Record<string, { cursor?: string }> };
    expect(state.bookmarks.tasks?.cursor).toBe(summary.export_created_at);
    expect(state.bookmarks.messages?.cursor).toBe(summary.export_created_at);
    expect(state.bookmarks.teams?.cursor).toBeUndefined();
    expect(state.bookmarks.stories?.cursor).toBe(summary.export_created_at);
    expect(state.bookmarks.task_tags?.cursor).toBeUndefined();
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

  it("types the derived streams' columns as their schemas say", async () => {
    const describe = async (stream: string) =>
      new Map((await query(`DESCRIBE SELECT * FROM read_parquet('${out}/${stream}/*.parquet')`)).map((r) => [r.column_name, r.column_type]));
    const values = await describe("task_custom_field_values");
    expect(Object.fromEntries(values)).toMatchObject({
      task_gid: "VARCHAR",
      custom_field_gid: "VARCHAR",
      task_modified_at: "TIMESTAMP WITH TIME ZONE",
      number_value: "DOUBLE",
      date_value: "DATE",
      date_time_value: "TIMESTAMP WITH TIME ZONE",
      enum_option_gid: "VARCHAR",
      multi_enum_option_gids: "VARCHAR[]",
      people_gids: "VARCHAR[]",
    });
    const stories = await describe("stories");
    expect(stories.get("parent_modified_at")).toBe("TIMESTAMP WITH TIME ZONE");
    expect(stories.get("created_at")).toBe("TIMESTAMP WITH TIME ZONE");
    expect(stories.get("created_by")).toMatch(/^STRUCT\(gid VARCHAR, resource_type VARCHAR, "?name"? VARCHAR\)$/);
    expect(Object.fromEntries(await describe("task_memberships"))).toMatchObject({ task_gid: "VARCHAR", project_gid: "VARCHAR", section_gid: "VARCHAR" });
    expect((await describe("sections")).get("project_gid")).toBe("VARCHAR");
  });

  it("holds the derived streams' ground truth: every value of every row", async () => {
    for (const definition of DEFINITIONS.filter((d) => d.source.kind !== "resource")) {
      const rows = await parquetRows(`${out}/${definition.name}/*.parquet`, definition.primaryKey);
      const expected = expectedRows(em.workspace, definition.name);
      expect(rows.size, definition.name).toBe(expected.length);
      for (const object of expected) {
        const key = rowKey(object, definition.primaryKey);
        const row = rows.get(key);
        expect(row, `${definition.name} ${key}`).toBeDefined();
        for (const [field, node] of Object.entries(definition.schema.properties)) {
          expect(actualValue(node, row?.[field]), `${definition.name} ${key} ${field}`).toEqual(expectedValue(node, object[field]));
        }
        expect(row?._extra === null ? {} : JSON.parse(row?._extra as string), `${definition.name} ${key} _extra`).toEqual(unknownFields(definition.schema, object));
      }
    }
  });

  it("rebuilds the nested data from the tables: tasks, task_memberships, sections and task_custom_field_values joined", async () => {
    // Per task: its projects' sections by name and the Priority custom field's option, from the join
    // streams, must equal what the task's own nested columns say.
    const joined = await query(`
      SELECT t.gid, m.project_gid, s.name AS section, v.enum_option_name AS priority
      FROM read_parquet('${out}/tasks/*.parquet') t
      JOIN read_parquet('${out}/task_memberships/*.parquet') m ON m.task_gid = t.gid
      LEFT JOIN read_parquet('${out}/sections/*.parquet') s ON s.gid = m.section_gid AND s.project_gid = m.project_gid
      LEFT JOIN (SELECT * FROM read_parquet('${out}/task_custom_field_values/*.parquet') WHERE custom_field_name = 'Priority') v ON v.task_gid = t.gid`);
    const nested = await query(`
      SELECT t.gid, mm.project.gid AS project_gid, mm.section.name AS section,
        (SELECT cf.enum_value.name FROM UNNEST(t.custom_fields) AS c(cf) WHERE cf.name = 'Priority') AS priority
      FROM read_parquet('${out}/tasks/*.parquet') t, UNNEST(t.memberships) AS u(mm)`);
    const key = (r: Record<string, unknown>): string => JSON.stringify([r.gid, r.project_gid, r.section, r.priority]);
    expect(joined.length).toBeGreaterThan(0);
    expect(joined.some((r) => r.priority !== null)).toBe(true);
    expect(joined.map(key).sort()).toEqual(nested.map(key).sort());
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
    // Its own emulator and folder: the changes it makes must not reach the other tests. Its clock
    // runs with real time, moved a second on before the changes (lookback 0: the same ms is missed).
    let offset = 0;
    const own = await startEmulator({ seed: 21, tasks: 600, teams: 4, messages: 120, clock: { now: () => Date.now() + offset } });
    try {
      const dir = scratch();
      const full = await runSync(own, dir);
      expect(full.code, full.stderr).toBe(0);
      const before = JSON.parse(readFileSync(join(dir, "_state.json"), "utf8")) as { bookmarks: { tasks: { cursor: string } } };
      offset += 1_000;
      const changed = own.workspace.mutate({ creates: 7, modifies: 11, deletes: 2 });
      const second = await runSync(own, dir);
      expect(second.code, second.stderr).toBe(0);
      const summary = JSON.parse(second.stdout.trim()) as { export_gid: string; export_created_at: string };
      expect(manifests(dir)).toHaveLength(2);
      const manifest = manifests(dir).find((m) => m.export_gid === summary.export_gid);
      const after = JSON.parse(readFileSync(join(dir, "_state.json"), "utf8")) as { bookmarks: { tasks: { cursor: string } } };
      expect(Date.parse(after.bookmarks.tasks.cursor)).toBeGreaterThan(Date.parse(before.bookmarks.tasks.cursor));
      expect(after.bookmarks.tasks.cursor).toBe(summary.export_created_at);
      const since = Date.parse(before.bookmarks.tasks.cursor);
      // Rows of the first sync, per stream, to know what was given and is gone now.
      const firstRows = async (definition: (typeof DEFINITIONS)[number]) =>
        (await query(`SELECT ${definition.primaryKey.join(", ")} FROM read_parquet('${dir}/${definition.name}/*.parquet') WHERE _export_gid <> '${summary.export_gid}'`)).map((r) => rowKey(r, definition.primaryKey));
      for (const [stream, type] of [["tasks", "task"], ["messages", "message"]] as const) {
        const expected = [...own.workspace.objects(type)].filter((o) => Date.parse(o.modified_at as string) > since).map((o) => o.gid).sort();
        const got = await query(`SELECT gid FROM read_parquet('${dir}/${stream}/*.parquet') WHERE _export_gid = '${summary.export_gid}' AND _deleted_at IS NULL`);
        expect(got.map((r) => r.gid).sort()).toEqual(expected);
        // Tombstones: the deleted objects the first sync wrote, once each, with _deleted_at set.
        const tombstones = await query(`SELECT gid, _deleted_at FROM read_parquet('${dir}/${stream}/*.parquet') WHERE _deleted_at IS NOT NULL`);
        const given = new Set(await firstRows(DEFINITIONS.find((d) => d.name === stream) ?? DEFINITIONS[0]!));
        expect(tombstones.map((r) => r.gid).sort()).toEqual(changed.deleted.filter((g) => given.has(g)).sort());
        expect(manifest?.streams[stream]?.rows).toBe(expected.length + tombstones.length);
        expect(manifest?.streams[stream]?.deleted_rows).toBe(tombstones.length > 0 ? tombstones.length : undefined);
      }
      expect(changed.created.length + changed.modified.length).toBeGreaterThan(0);
      expect(changed.deleted.length).toBeGreaterThan(0);
      expect(manifest?.streams.teams?.rows).toBe(own.workspace.count("team"));
      // Child streams follow their parents (the rows of the changed ones, tombstones of the rows now
      // gone); join streams are whole again.
      for (const definition of DEFINITIONS.filter((d) => d.source.kind !== "resource")) {
        const expected = expectedRows(own.workspace, definition.name, definition.supportsIncremental ? { after: before.bookmarks.tasks.cursor } : {});
        const live = definition.supportsIncremental ? " AND _deleted_at IS NULL" : "";
        const got = await query(`SELECT ${definition.primaryKey.join(", ")} FROM read_parquet('${dir}/${definition.name}/*.parquet') WHERE _export_gid = '${summary.export_gid}'${live}`);
        expect(got.map((r) => rowKey(r, definition.primaryKey)).sort(), definition.name).toEqual(expected.map((r) => rowKey(r, definition.primaryKey)).sort());
        let tombstones = 0;
        if (definition.supportsIncremental) {
          const now = new Set(expectedRows(own.workspace, definition.name).map((r) => rowKey(r, definition.primaryKey)));
          const gone = (await firstRows(definition)).filter((k) => !now.has(k)).sort();
          const dead = await query(`SELECT ${definition.primaryKey.join(", ")} FROM read_parquet('${dir}/${definition.name}/*.parquet') WHERE _deleted_at IS NOT NULL`);
          expect(dead.map((r) => rowKey(r, definition.primaryKey)).sort(), definition.name).toEqual(gone);
          tombstones = dead.length;
        }
        expect(manifest?.streams[definition.name]?.rows).toBe(expected.length + tombstones);
      }
    } finally {
      await own.close();
    }
  });
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
  });
});
