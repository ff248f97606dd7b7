// A small stream schema with every column type, records that exercise each edge, and DuckDB reads.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { ExportRecord } from "../../src/core/record.js";
import { ObjectRecord } from "../helpers/records.js";
import { PageCodecs } from "../../src/sinks/files/index.js";
import type { ParquetSettings } from "../../src/sinks/files/choose.js";
import { inThreadEncoding } from "../../src/sinks/files/parquet-channel.js";
import { parquetFormat, type ParquetOptions } from "../../src/sinks/files/parquet.js";
import type { Column } from "../../src/sinks/files/columns.js";
import { parseStreamSchema } from "../../src/streams/schema-files.js";

/** This test process's page codecs (one per thread: zstd's module is instantiated once) and Parquet encoding in this thread. */
export const CODECS = new PageCodecs();
export const ENCODING = inThreadEncoding(CODECS);

/** The footer's created_by in tests. */
export const CREATED_BY = "source-asana-export version 0.0.0-test (build test)";

/** Parquet settings of a sink in tests: in this thread, zstd, failing on unrepresentable lines. */
export const PARQUET: ParquetSettings = { format: "parquet", compression: "zstd", encoding: ENCODING, onInvalidRecord: "fail", createdBy: CREATED_BY };

/** The Parquet format of `columns` with test defaults (zstd, this thread, fail on unrepresentable lines). */
export function testParquet(columns: readonly Column[], options: Partial<ParquetOptions> = {}) {
  return parquetFormat({ columns, compression: "zstd", encoding: ENCODING, stream: "things", onInvalidRecord: "fail", createdBy: CREATED_BY, ...options });
}

/** A scratch folder. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "asana-export-files-"));
}

/** Every type the connector maps: scalars, formats, nullable, struct, list of structs, list of lists, untyped object. */
export const SCHEMA = parseStreamSchema(
  {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    description: "test stream",
    additionalProperties: true,
    required: ["gid", "resource_type"],
    properties: {
      gid: { type: "string" },
      resource_type: { type: "string" },
      name: { type: ["null", "string"] },
      done: { type: "boolean" },
      count: { type: ["null", "integer"] },
      score: { type: ["null", "number"] },
      due_at: { type: ["null", "string"], format: "date-time" },
      due_on: { type: ["null", "string"], format: "date" },
      owner: { type: ["null", "object"], properties: { gid: { type: "string" }, name: { type: "string" } } },
      tags: { type: "array", items: { type: "object", properties: { gid: { type: "string" }, name: { type: ["null", "string"] } } } },
      grid: { type: "array", items: { type: "array", items: { type: "integer" } } },
      blob: { type: ["null", "object"] },
    },
  },
  "test schema",
);

/** A record from an object: raw text is JSON.stringify unless given. */
export function record(object: Record<string, unknown>, raw = JSON.stringify(object)): ExportRecord {
  return new ObjectRecord(object, { raw });
}

/** Records with every edge: unicode, nulls, empty and absent lists, unknown and misfit fields. */
export const RECORDS: ExportRecord[] = [
  record({
    gid: "1",
    resource_type: "thing",
    name: "emoji 🎉👩‍💻 CJK 日本語 RTL مرحبا line\u2028sep nul\u0000byte",
    done: true,
    count: 9007199254740991,
    score: 1.5,
    due_at: "2024-03-14T08:10:22.077Z",
    due_on: "2024-02-29",
    owner: { gid: "9", name: "Zoë", email: "z@example.com" },
    tags: [{ gid: "t1", name: "a" }, { gid: "t2", name: null, color: "red" }],
    grid: [[1, 2], [], [3]],
    blob: { any: ["thing", 1] },
    brand_new: { nested: true },
  }),
  record({ gid: "2", resource_type: "thing", name: null, done: false, count: null, score: null, due_at: null, due_on: null, owner: null, tags: [], grid: [], blob: null }),
  record({ gid: "3", resource_type: "thing" }),
  record({ gid: "4", resource_type: "thing", count: "12", score: "x", due_at: "not a time", due_on: "2024-13-45T00", done: "yes", tags: { not: "a list" }, owner: ["not", "an object"] }),
];

/** The `_extra` each record must carry (by JSON path), in RECORDS order. */
export const EXTRAS: (Record<string, unknown> | null)[] = [
  { "owner.email": "z@example.com", "tags[1].color": "red", brand_new: { nested: true } },
  null,
  null,
  { count: "12", score: "x", due_at: "not a time", due_on: "2024-13-45T00", done: "yes", tags: { not: "a list" }, owner: ["not", "an object"] },
];

let db: Promise<DuckDBInstance> | undefined;

/** Rows of a DuckDB query as JSON-friendly objects. */
export async function query(sql: string): Promise<Record<string, unknown>[]> {
  db ??= DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await (await db).connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}
