// Parquet files as DuckDB reads them: column types from the JSON Schema, values (unicode, nulls,
// empty lists, lists of lists), unknown and misfit values kept in _extra, row groups, codecs.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RotatingFileWriter, streamColumns } from "../../src/sinks/files/index.js";
import { columnType, describeType } from "../../src/sinks/files/columns.js";
import type { Compression } from "../../src/sinks/files/codecs.js";
import { requireStream } from "../../src/streams/index.js";
import { EXTRAS, RECORDS, SCHEMA, query, record, tempDir, testParquet } from "./files-fixtures.js";

const STAMP = { extractedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678), exportGid: "777" };

async function writeParquet(options: { compression?: Compression; rowGroupBytes?: number; records?: typeof RECORDS } = {}): Promise<string> {
  const dir = tempDir();
  const format = testParquet(streamColumns(SCHEMA), {
    compression: options.compression ?? "zstd",
    // One line a batch, so row groups close at the line that reaches the bound.
    ...(options.rowGroupBytes === undefined ? {} : { rowGroupBytes: options.rowGroupBytes, batchJsonBytes: 1 }),
  });
  const writer = new RotatingFileWriter({ dir, format, maxFileBytes: 1 << 30 });
  await writer.write(options.records ?? RECORDS, STAMP);
  const [file] = await writer.commit("test");
  if (file === undefined) throw new Error("no file");
  return file.path;
}

describe("columns from the JSON Schema", () => {
  it("maps each type, with the three added columns last", () => {
    const types = Object.fromEntries(streamColumns(SCHEMA).map((c) => [c.name, describeType(c.type)]));
    expect(types).toEqual({
      gid: "VARCHAR",
      resource_type: "VARCHAR",
      name: "VARCHAR",
      done: "BOOLEAN",
      count: "BIGINT",
      score: "DOUBLE",
      due_at: "TIMESTAMP WITH TIME ZONE",
      due_on: "DATE",
      owner: 'STRUCT("gid" VARCHAR, "name" VARCHAR)',
      tags: 'STRUCT("gid" VARCHAR, "name" VARCHAR)[]',
      grid: "BIGINT[][]",
      blob: "JSON",
      _extra: "JSON",
      _extracted_at: "TIMESTAMP WITH TIME ZONE",
      _export_gid: "VARCHAR",
    });
    expect(columnType(requireStream("tasks", "test").schema.properties.custom_fields!).kind).toBe("list");
  });

  it("refuses a schema that defines a reserved column", () => {
    expect(() => streamColumns({ ...SCHEMA, properties: { ...SCHEMA.properties, _extra: { type: "string" } } })).toThrow(/reserved column '_extra'/);
  });
});

describe("parquet files read by DuckDB", () => {
  it("have the expected column types", async () => {
    const path = await writeParquet();
    const types = Object.fromEntries((await query(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).map((r) => [r.column_name, r.column_type]));
    expect(types).toEqual({
      gid: "VARCHAR",
      resource_type: "VARCHAR",
      name: "VARCHAR",
      done: "BOOLEAN",
      count: "BIGINT",
      score: "DOUBLE",
      due_at: "TIMESTAMP WITH TIME ZONE",
      due_on: "DATE",
      owner: 'STRUCT(gid VARCHAR, "name" VARCHAR)',
      tags: 'STRUCT(gid VARCHAR, "name" VARCHAR)[]',
      grid: "BIGINT[][]",
      blob: "VARCHAR",
      _extra: "VARCHAR",
      _extracted_at: "TIMESTAMP WITH TIME ZONE",
      _export_gid: "VARCHAR",
    });
  });

  it("hold every value, with nulls, empty lists and unicode intact", async () => {
    const path = await writeParquet();
    const rows = await query(
      `SELECT gid, name, done, count::VARCHAR AS count, score, epoch_ms(due_at) AS due_at, due_on::VARCHAR AS due_on, owner, tags, grid, blob,
              _extra, epoch_ms(_extracted_at) AS extracted, _export_gid FROM read_parquet('${path}') ORDER BY gid`,
    );
    expect(rows[0]).toEqual({
      gid: "1",
      name: "emoji 🎉👩‍💻 CJK 日本語 RTL مرحبا line\u2028sep nul\u0000byte",
      done: true,
      count: "9007199254740991",
      score: 1.5,
      due_at: String(Date.parse("2024-03-14T08:10:22.077Z")),
      due_on: "2024-02-29",
      owner: { gid: "9", name: "Zoë" },
      tags: [{ gid: "t1", name: "a" }, { gid: "t2", name: null }],
      grid: [["1", "2"], [], ["3"]], // getRowObjectsJson gives BIGINT as text
      blob: JSON.stringify({ any: ["thing", 1] }),
      _extra: JSON.stringify(EXTRAS[0]),
      extracted: String(STAMP.extractedAt),
      _export_gid: "777",
    });
    const nulls = { name: null, count: null, score: null, due_at: null, due_on: null, owner: null, blob: null, _extra: null };
    expect(rows[1]).toMatchObject({ ...nulls, gid: "2", done: false, tags: [], grid: [] });
    expect(rows[2]).toMatchObject({ ...nulls, gid: "3", done: null, tags: null, grid: null });
    expect(rows[3]).toMatchObject({ ...nulls, _extra: expect.any(String), done: null, tags: null });
    expect(JSON.parse(rows[3]?._extra as string)).toEqual(EXTRAS[3]);
  });

  it("are written in row groups of the configured bound (uncompressed bytes)", async () => {
    const many = Array.from({ length: 40 }, (_, i) => record({ gid: String(i), resource_type: "thing", name: `n${i} ${"y".repeat(500)}` }));
    const path = await writeParquet({ rowGroupBytes: 4000, records: many });
    const groups = await query(
      `SELECT row_group_id, max(row_group_num_rows)::INTEGER AS n, max(row_group_bytes)::INTEGER AS bytes FROM parquet_metadata('${path}') GROUP BY ALL ORDER BY 1`,
    );
    expect(groups.length).toBeGreaterThan(3);
    expect(groups.reduce((n, g) => n + Number(g.n), 0)).toBe(40);
    // Each group but the last closed at the line that took it past the bound.
    for (const g of groups.slice(0, -1)) expect(Number(g.bytes)).toBeGreaterThanOrEqual(4000 - 600);
    expect((await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path}')`))[0]?.n).toBe(40);
  });

  it.each([
    ["zstd", "ZSTD"],
    ["snappy", "SNAPPY"],
    ["gzip", "GZIP"],
    ["none", "UNCOMPRESSED"],
  ] as const)("compress with %s", async (compression, codec) => {
    const path = await writeParquet({ compression });
    const codecs = await query(`SELECT DISTINCT compression FROM parquet_metadata('${path}')`);
    expect(codecs.map((c) => c.compression)).toEqual([codec]);
    expect((await query(`SELECT count(*)::INTEGER AS n, max(length(name))::INTEGER AS l FROM read_parquet('${path}')`))[0]).toEqual({ n: 4, l: expect.any(Number) });
  });

  it("carry the stream's real schema: a tasks row with custom fields", async () => {
    const tasks = requireStream("tasks", "test");
    const dir = tempDir();
    const writer = new RotatingFileWriter({ dir, format: testParquet(streamColumns(tasks.schema), { stream: "tasks" }), maxFileBytes: 1 << 30 });
    const task = {
      gid: "10",
      resource_type: "task",
      custom_fields: [
        { gid: "c1", name: "Priority", enum_value: { gid: "e1", name: "High" }, number_value: null },
        { gid: "c2", name: "Cost", number_value: 12.5, display_value: "12.5" },
      ],
    };
    await writer.write([record(task)], STAMP);
    await writer.commit("t");
    const rows = await query(
      `SELECT cf.name, cf.enum_value.name AS option, cf.number_value FROM read_parquet('${join(dir, "*.parquet")}') t, UNNEST(t.custom_fields) AS u(cf) ORDER BY 1`,
    );
    expect(rows).toEqual([
      { name: "Cost", option: null, number_value: 12.5 },
      { name: "Priority", option: "High", number_value: null },
    ]);
  });
});
