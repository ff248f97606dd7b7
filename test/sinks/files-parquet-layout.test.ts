// The layout warehouses and engines read well, asserted from the file itself: version-1 data pages
// with PLAIN booleans (version 2 on request), dictionary or PLAIN pages per chunk, statistics on
// every leaf (nested ones included), row groups of the configured size, created_by in the form
// readers parse.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { RotatingFileWriter, streamColumns } from "../../src/sinks/files/index.js";
import { inThreadEncoding, type ParquetEncoding } from "../../src/sinks/files/parquet-channel.js";
import { requireStream } from "../../src/streams/index.js";
import { hybridRuns, parquetPages } from "../helpers/parquet-pages.js";
import { CODECS, CREATED_BY, RECORDS, SCHEMA, query, record, tempDir, testParquet } from "./files-fixtures.js";

const STAMP = { extractedAt: Date.UTC(2026, 0, 2), exportGid: "5" };

/** 3,000 rows of every shape: repeated values (dictionaries), unique ones (PLAIN), nulls, lists. */
const ROWS = Array.from({ length: 3_000 }, (_, i) =>
  record({
    ...(RECORDS[i % RECORDS.length]?.object ?? {}),
    gid: `g${String(i).padStart(5, "0")}`,
    name: `unique name ${i} ${"n".repeat(i % 40)}`,
    done: i % 3 === 0,
    owner: i % 5 === 0 ? null : { gid: `u${i % 17}`, name: `user ${i % 17}` },
  }),
);

async function write(options: { pageVersion?: 1 | 2; rowGroupBytes?: number } = {}): Promise<string> {
  const dir = tempDir();
  const writer = new RotatingFileWriter({ dir, format: testParquet(streamColumns(SCHEMA), { ...options, batchJsonBytes: 16_000 }), maxFileBytes: 1 << 30 });
  await writer.write(ROWS, STAMP);
  const [file] = await writer.commit("layout");
  if (file === undefined) throw new Error("no file");
  return file.path;
}

describe("the default layout", () => {
  it("has version-1 data pages only, booleans PLAIN, dictionary pages where a dictionary paid", async () => {
    const chunks = parquetPages(await write());
    const pages = chunks.flatMap((c) => c.pages);
    expect(new Set(pages.map((p) => p.type))).toEqual(new Set([0, 2]));
    for (const chunk of chunks.filter((c) => c.type === "BOOLEAN")) {
      expect(chunk.pages.every((p) => p.type === 0 && p.encoding === 0), chunk.path).toBe(true);
    }
    for (const chunk of chunks) {
      const [first, ...rest] = chunk.pages;
      // A dictionary page comes first; data pages that use it say PLAIN_DICTIONARY, others PLAIN.
      if (first?.type === 2) expect(first.encoding, chunk.path).toBe(2);
      for (const page of first?.type === 2 ? rest : chunk.pages) expect([0, 2], chunk.path).toContain(page.encoding);
    }
    const byPath = new Map(chunks.map((c) => [c.path, c]));
    expect(byPath.get("owner.gid")?.pages[0]?.type).toBe(2);
    expect(byPath.get("gid")?.pages.every((p) => p.encoding === 0)).toBe(true);
  });

  it("gives every leaf, nested ones included, its null count and min/max, and a dictionary's chunk its distinct count", async () => {
    const path = await write();
    const stats = await query(
      `SELECT path_in_schema AS p, stats_null_count::INTEGER AS nulls, stats_min_value AS min, stats_max_value AS max, stats_distinct_count::INTEGER AS distinct FROM parquet_metadata('${path}') ORDER BY column_id`,
    );
    expect(stats.length).toBe(17); // 15 columns; owner and tags have two leaves each
    for (const s of stats) expect(s.nulls, String(s.p)).not.toBeNull();
    const at = (p: string): Record<string, unknown> | undefined => stats.find((s) => s.p === p);
    expect(at("gid")).toMatchObject({ nulls: 0, min: "g00000", max: "g02999" });
    expect(at("owner, gid")).toMatchObject({ nulls: 600, min: "u0", max: "u9", distinct: 17 });
    // Unique values are PLAIN: no dictionary counted them.
    expect(at("gid")?.distinct).toBeNull();
    expect(at("tags, list, element, gid")).toMatchObject({ min: "t1", max: "t2" });
    expect(at("done")).toMatchObject({ nulls: 0, min: "false", max: "true" });
    expect(at("count")).toMatchObject({ min: "9007199254740991", max: "9007199254740991" });
    expect(at("grid, list, element, list, element")).toMatchObject({ min: "1", max: "3" });
    expect(at("due_on")).toMatchObject({ min: "2024-02-29", max: "2024-02-29" });
    // A filter on a nested leaf can skip: DuckDB prunes the row group by its statistics.
    const [none] = await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path}') WHERE owner.gid = 'zz'`);
    expect(none?.n).toBe(0);
  });

  it("names its writer as readers parse it, and keeps the stream's metadata", async () => {
    const path = await write();
    const [meta] = await query(`SELECT created_by, format_version::INTEGER AS v, num_rows::INTEGER AS n FROM parquet_file_metadata('${path}')`);
    expect(meta).toEqual({ created_by: CREATED_BY, v: 1, n: 3_000 });
    expect(CREATED_BY).toMatch(/^source-asana-export version \S+ \(build \S+\)$/);
  });

  it("writes one row group of about 128 MiB (uncompressed) by default, and smaller ones when asked", async () => {
    const [one] = await query(`SELECT count(DISTINCT row_group_id)::INTEGER AS n FROM parquet_metadata('${await write()}')`);
    expect(one?.n).toBe(1);
    const small = await write({ rowGroupBytes: 64 * 1024 });
    const groups = await query(
      `SELECT row_group_id AS g, max(row_group_num_rows)::INTEGER AS rows, max(row_group_bytes)::INTEGER AS bytes FROM parquet_metadata('${small}') GROUP BY 1 ORDER BY 1`,
    );
    expect(groups.length).toBeGreaterThan(2);
    expect(groups.reduce((n, g) => n + Number(g.rows), 0)).toBe(3_000);
    // Closed at the batch whose pages and waiting entries (counted PLAIN, an overestimate that
    // dictionaries shrink) reached the bound; never past it by more than a batch.
    for (const g of groups.slice(0, -1)) expect(Number(g.bytes)).toBeGreaterThanOrEqual((64 * 1024) / 4);
    for (const g of groups) expect(Number(g.bytes)).toBeLessThanOrEqual(64 * 1024 + 16_000);
  });
});

describe("pages and row groups at size", () => {
  // 48,000 rows: `name` unique (PLAIN), about 150 bytes a row, 7 MB in all; `owner` repeated (a dictionary).
  const BIG = Array.from({ length: 48_000 }, (_, i) =>
    record({ gid: `g${i}`, resource_type: "thing", name: `${String(i).padStart(8, "0")} ${"a long unique name ".repeat(7)}`, owner: { gid: `u${i % 50}`, name: `user ${i % 50}` } }),
  );
  const BATCH = 64 * 1024;
  const MIB = 1024 * 1024;

  async function writeBig(rowGroupBytes?: number, compression: "zstd" | "none" = "zstd"): Promise<string> {
    const dir = tempDir();
    const writer = new RotatingFileWriter({
      dir,
      format: testParquet(streamColumns(SCHEMA), { batchJsonBytes: BATCH, compression, ...(rowGroupBytes === undefined ? {} : { rowGroupBytes }) }),
      maxFileBytes: 1 << 30,
    });
    await writer.write(BIG, STAMP);
    const [file] = await writer.commit("big");
    if (file === undefined) throw new Error("no file");
    return file.path;
  }

  it("writes a column's pages at up to 1 MiB (encoded, before compression) and close to it, the last of each chunk smaller", async () => {
    const chunks = parquetPages(await writeBig());
    const name = chunks.filter((c) => c.path === "name");
    expect(name.length).toBe(1);
    const pages = name[0]?.pages ?? [];
    expect(pages.length).toBeGreaterThanOrEqual(5);
    // A page is written before the batch that would take it past 1 MiB: within a batch's worth of the column under it.
    for (const page of pages.slice(0, -1)) {
      expect(page.uncompressed).toBeGreaterThan(MIB - BATCH);
      expect(page.uncompressed).toBeLessThanOrEqual(MIB);
    }
    expect(pages.at(-1)?.uncompressed).toBeLessThanOrEqual(MIB);
    // A column that fills no page keeps one for the whole chunk: its dictionary page, one data page.
    expect(chunks.find((c) => c.path === "owner.gid")?.pages.map((p) => p.type)).toEqual([2, 0]);
  });

  it("bit-packs levels and dictionary indices in runs readers unpack fast: whole blocks of 32 values, at most 256", async () => {
    // One data page of 48,000 owner.gid entries (an optional leaf of an optional struct): its
    // definition levels, then the dictionary indices. Uncompressed, so the runs can be read here.
    const path = await writeBig(undefined, "none");
    const file = new Uint8Array(readFileSync(path));
    const chunk = parquetPages(path).find((c) => c.path === "owner.gid");
    const page = chunk?.pages[1];
    expect(page).toMatchObject({ type: 0, encoding: 2, numValues: BIG.length });
    const body = file.subarray(page?.bodyAt ?? 0, (page?.bodyAt ?? 0) + (page?.uncompressed ?? 0));
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const levelsLength = view.getUint32(0, true);
    const levels = hybridRuns(body.subarray(4, 4 + levelsLength), 2);
    expect(levels.reduce((n, r) => n + r.count, 0)).toBeGreaterThanOrEqual(BIG.length);
    const width = body[4 + levelsLength] as number;
    expect(width).toBe(6); // 50 owners
    const indices = hybridRuns(body.subarray(5 + levelsLength), width);
    for (const runs of [levels, indices]) {
      const packed = runs.filter((r) => r.packed);
      for (const run of packed.slice(0, -1)) expect(run.count % 32 === 0 && run.count <= 256, `a run of ${run.count}`).toBe(true);
    }
    expect(indices.every((r) => r.packed)).toBe(true);
    expect(indices.length).toBe(Math.ceil(BIG.length / 256));
  });

  it("closes each row group once it holds row_group_size_mb (uncompressed), never past it by more than a batch", async () => {
    const path = await writeBig(2 * MIB);
    const groups = await query(
      `SELECT row_group_id AS g, max(row_group_num_rows)::INTEGER AS rows, max(row_group_bytes)::INTEGER AS bytes FROM parquet_metadata('${path}') GROUP BY 1 ORDER BY 1`,
    );
    expect(groups.length).toBeGreaterThanOrEqual(3);
    expect(groups.reduce((n, g) => n + Number(g.rows), 0)).toBe(BIG.length);
    for (const g of groups.slice(0, -1)) {
      expect(Number(g.bytes)).toBeGreaterThanOrEqual(2 * MIB);
      expect(Number(g.bytes)).toBeLessThan(2 * MIB + BATCH);
    }
    // Every row group starts its chunks afresh: a dictionary page at the head of each owner.gid chunk.
    const owner = parquetPages(path).filter((c) => c.path === "owner.gid");
    expect(owner.length).toBe(groups.length);
    for (const chunk of owner) expect(chunk.pages[0]?.type).toBe(2);
  });
});

describe("waiting pages past the thread's memory bound", () => {
  // A bound of 8 KiB for all waiting pages: every column's page is spilled many times while it
  // fills (levels, repeated ones included, dictionary indices, PLAIN values, booleans).
  const tight = (): ParquetEncoding => inThreadEncoding(CODECS, { pendingPageBytes: 8 * 1024, dictionaryMemory: 8 << 20 });

  async function writeWith(encoding: ParquetEncoding | undefined, pageVersion: 1 | 2): Promise<string> {
    const dir = tempDir();
    const writer = new RotatingFileWriter({ dir, format: testParquet(streamColumns(SCHEMA), { pageVersion, compression: "none", batchJsonBytes: 4_000, ...(encoding === undefined ? {} : { encoding }) }), maxFileBytes: 1 << 30 });
    await writer.write(ROWS, STAMP);
    const [file] = await writer.commit("spilled");
    if (file === undefined) throw new Error("no file");
    return file.path;
  }

  for (const pageVersion of [1, 2] as const) {
    it(`go to the page store and come back whole: the same values, the same pages as without the bound (v${pageVersion})`, async () => {
      const spilled = await writeWith(tight(), pageVersion);
      const roomy = await writeWith(undefined, pageVersion);
      const sql = (p: string): string => `SELECT to_json(t)::VARCHAR AS j FROM read_parquet('${p}') t ORDER BY gid`;
      const rows = await query(sql(spilled));
      expect(rows.length).toBe(ROWS.length);
      expect(rows).toEqual(await query(sql(roomy)));
      // hyparquet, a second reader, agrees on every value (uncompressed files: it has no zstd of its own).
      const read = async (p: string): Promise<unknown[]> => parquetReadObjects({ file: await asyncBufferFromFile(p), rowFormat: "object" });
      expect(JSON.stringify(await read(spilled), (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).toBe(
        JSON.stringify(await read(roomy), (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
      );
      // Pages are not cut by the bound: each chunk has its pages as it would with room to spare.
      const pages = (p: string): string[] => parquetPages(p).map((c) => `${c.path}: ${c.pages.map((g) => `${g.type}/${g.encoding}/${g.numValues}`).join(" ")}`);
      expect(pages(spilled)).toEqual(pages(roomy));
    });
  }
});

describe("version-2 data pages, on request", () => {
  it("has only version-2 data pages (booleans still PLAIN, dictionaries RLE_DICTIONARY), and reads back the same", async () => {
    const v2 = await write({ pageVersion: 2 });
    const chunks = parquetPages(v2);
    expect(new Set(chunks.flatMap((c) => c.pages.map((p) => p.type)))).toEqual(new Set([2, 3]));
    for (const chunk of chunks.filter((c) => c.type === "BOOLEAN")) expect(chunk.pages.every((p) => p.encoding === 0)).toBe(true);
    expect(chunks.find((c) => c.path === "owner.gid")?.pages.slice(1).every((p) => p.encoding === 8)).toBe(true);
    const v1 = await write();
    const sql = (p: string): string => `SELECT to_json(t)::VARCHAR AS j FROM read_parquet('${p}') t ORDER BY gid`;
    expect(await query(sql(v2))).toEqual(await query(sql(v1)));
    const [meta] = await query(`SELECT format_version::INTEGER AS v FROM parquet_file_metadata('${v2}')`);
    expect(meta?.v).toBe(2);
  });
});

describe("the tasks schema", () => {
  it("has a page sequence that accounts for every value of every leaf", async () => {
    const tasks = requireStream("tasks", "test");
    const dir = tempDir();
    const writer = new RotatingFileWriter({ dir, format: testParquet(streamColumns(tasks.schema), { stream: "tasks" }), maxFileBytes: 1 << 30 });
    await writer.write([record({ gid: "1", resource_type: "task", custom_fields: [{ gid: "c", name: "n" }], stories: [] })], STAMP);
    const [file] = await writer.commit("t");
    const chunks = parquetPages(file?.path ?? join(dir, "missing"));
    expect(chunks.length).toBe(294);
    const values = await query(`SELECT path_in_schema AS p, num_values::INTEGER AS n FROM parquet_metadata('${file?.path ?? ""}') ORDER BY column_id`);
    expect(chunks.map((c) => c.pages.filter((p) => p.type !== 2).reduce((n, p) => n + p.numValues, 0))).toEqual(values.map((v) => v.n));
  });
});
