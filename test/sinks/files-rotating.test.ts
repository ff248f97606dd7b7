// The rotating writer: hidden temporaries until commit, parts by size, abort, per-part commit
// (as Singer BATCH uses it), and JSON Lines that are the raw text.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { RotatingFileWriter, streamColumns, type WrittenFile } from "../../src/sinks/files/index.js";
import { jsonlFormat } from "../../src/sinks/files/jsonl.js";
import { partName } from "../../src/sinks/files/rotating.js";
import { SCHEMA, query, record, tempDir, testParquet } from "./files-fixtures.js";

const STAMP = { extractedAt: 0, exportGid: "1" };
const records = (n: number, from = 0): ReturnType<typeof record>[] =>
  Array.from({ length: n }, (_, i) => record({ gid: String(from + i), resource_type: "thing", name: `name ${from + i} ${"x".repeat(200)}` }));

/** Parquet in small batches and row groups, so files grow (and rotate) as the records arrive. */
function parquet(options: { footerBytes?: number } = {}) {
  return testParquet(streamColumns(SCHEMA), { compression: "none", batchJsonBytes: 2_000, rowGroupBytes: 8_000, ...options });
}

describe("RotatingFileWriter", () => {
  it("keeps parts under hidden temporary names until commit, then renames them in order", async () => {
    const dir = tempDir();
    const writer = new RotatingFileWriter({ dir, format: parquet(), maxFileBytes: 20_000 });
    for (let i = 0; i < 10; i++) await writer.write(records(50, i * 50), STAMP);
    await writer.close();
    const before = readdirSync(dir);
    expect(before.length).toBeGreaterThan(1);
    expect(before.every((f) => f.startsWith(".") && f.endsWith(".parquet.partial"))).toBe(true);
    const files = await writer.commit("20260101T000000000Z");
    expect(readdirSync(dir).sort()).toEqual(files.map((f) => f.path.slice(dir.length + 1)));
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(files.map((_, i) => partName("20260101T000000000Z", i + 1, "parquet")));
    expect(files.reduce((n, f) => n + f.rows, 0)).toBe(500);
    for (const f of files) {
      const [row] = await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${f.path}')`);
      expect(row?.n).toBe(f.rows);
      expect(readFileSync(f.path).length).toBe(f.bytes);
    }
    const [all] = await query(`SELECT count(DISTINCT gid)::INTEGER AS n FROM read_parquet('${join(dir, "*.parquet")}')`);
    expect(all?.n).toBe(500);
  });

  it("starts a new Parquet part once the footer's row-group metadata reaches its byte bound", async () => {
    const dir = tempDir();
    // Tiny row groups, so the footer grows fast; the bound is bytes of footer, not a count of groups.
    const writer = new RotatingFileWriter({ dir, format: testParquet(streamColumns(SCHEMA), { batchJsonBytes: 1, rowGroupBytes: 1, footerBytes: 6_000 }), maxFileBytes: 1 << 30 });
    for (let i = 0; i < 8; i++) await writer.write(records(10, i * 10), STAMP);
    const files = await writer.commit("g");
    expect(files.length).toBeGreaterThan(1);
    expect(files.reduce((n, f) => n + f.rows, 0)).toBe(80);
    for (const f of files.slice(0, -1)) {
      const [meta] = await query(`SELECT footer_size::INTEGER AS footer, num_row_groups::INTEGER AS groups FROM parquet_file_metadata('${f.path}')`);
      // Checked after each write of 10 one-row groups: the footer passed the bound during the last one.
      expect(Number(meta?.footer)).toBeGreaterThanOrEqual(6_000);
      expect(Number(meta?.groups)).toBe(f.rows);
    }
  });

  it("abort deletes the open part and every uncommitted one", async () => {
    const dir = tempDir();
    const writer = new RotatingFileWriter({ dir, format: parquet(), maxFileBytes: 20_000 });
    for (let i = 0; i < 6; i++) await writer.write(records(50, i * 50), STAMP);
    expect(readdirSync(dir).length).toBeGreaterThan(1);
    await writer.abort();
    expect(readdirSync(dir)).toEqual([]);
    await expect(writer.write(records(1), STAMP)).rejects.toThrow(/after abort/);
  });

  it("commitEachPart publishes each part as soon as it is complete (for Singer BATCH)", async () => {
    const dir = tempDir();
    const seen: WrittenFile[] = [];
    const writer = new RotatingFileWriter({ dir, format: jsonlFormat({ gzip: false }), maxFileBytes: 4_000, baseName: "batch", commitEachPart: true, onCommitted: (f) => void seen.push(f) });
    // Each write of 40 records (~10 kB) passes the 4 kB limit: a part is published after each one.
    for (let i = 0; i < 5; i++) {
      await writer.write(records(40, i * 40), STAMP);
      expect(seen.length).toBe(i + 1);
    }
    await writer.write(records(3, 200), STAMP);
    const rest = await writer.commit();
    expect(rest.map((f) => f.rows)).toEqual([3]);
    expect(writer.files).toEqual(seen);
    expect(seen.map((f) => f.path.slice(dir.length + 1))).toEqual([1, 2, 3, 4, 5, 6].map((p) => partName("batch", p, "jsonl")));
    expect(seen.reduce((n, f) => n + f.rows, 0)).toBe(203);
    expect(readdirSync(dir).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });

  it("writes nothing for a stream without records", async () => {
    const dir = join(tempDir(), "empty");
    const writer = new RotatingFileWriter({ dir, format: parquet(), maxFileBytes: 1 << 20 });
    expect(await writer.commit("x")).toEqual([]);
  });
});

describe("jsonlFormat", () => {
  it("writes each record's raw text, byte for byte, gzip-compressed", async () => {
    const dir = tempDir();
    const raw = ['{"gid":"1",  "name": "spaced",  "n": 1.0}', '{"gid":"2","name":"line\\u2028sep 🎉 日本語"}', '{"gid":"3"}'];
    const writer = new RotatingFileWriter({ dir, format: jsonlFormat({ gzip: true }), maxFileBytes: 1 << 20 });
    await writer.write(raw.map((r) => record(JSON.parse(r) as Record<string, unknown>, r)), STAMP);
    const [file] = await writer.commit("j");
    expect(file?.path).toMatch(/j-00001\.jsonl\.gz$/);
    expect(gunzipSync(readFileSync(file?.path ?? "")).toString("utf8")).toBe(`${raw.join("\n")}\n`);
    expect(file?.rows).toBe(3);
  });

  it("writes plain .jsonl when compression is none", async () => {
    const dir = tempDir();
    const writer = new RotatingFileWriter({ dir, format: jsonlFormat({ gzip: false }), maxFileBytes: 1 << 20 });
    await writer.write([record({ gid: "1" })], STAMP);
    const [file] = await writer.commit("p");
    expect(file?.path).toMatch(/p-00001\.jsonl$/);
    expect(readFileSync(file?.path ?? "", "utf8")).toBe('{"gid":"1"}\n');
  });
});
