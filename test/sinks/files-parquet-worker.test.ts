// Row groups encoded in the worker thread are the same bytes as in the sync's thread; errors in the
// worker reach the writer; a column tries its dictionary again after plain row groups. The worker
// runs from the compiled build (Node 20 cannot start a worker from TypeScript), as in production.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { streamColumns, type RowGroupEncoding } from "../../src/sinks/files/index.js";
import { EncoderThread } from "../../src/sinks/files/parquet-channel.js";
import { parquetFormat } from "../../src/sinks/files/parquet.js";
import { DICTIONARY_RETRY_GROUPS } from "../../src/sinks/files/parquet-encode.js";
import { ENCODING, RECORDS, SCHEMA, query, record, tempDir } from "./files-fixtures.js";

/** The encoding thread runs the compiled worker (`npm test` builds first), as a sync does. */
const thread = new EncoderThread(new URL("../../dist/src/sinks/files/parquet-worker.js", import.meta.url));
afterAll(() => thread.close());

const stamp = { extractedAt: Date.parse("2026-01-02T03:04:05.678Z"), exportGid: "77" };

/** 40 copies of the fixture records (new gids), in row groups of 7: many groups, every edge. */
const MANY = Array.from({ length: 40 }, (_, copy) => RECORDS.map((r) => record({ ...r.object, gid: `${copy}-${String(r.object.gid)}` }))).flat();

async function writeWith(encoding: RowGroupEncoding, name: string): Promise<string> {
  const path = join(tempDir(), name);
  const part = await parquetFormat({ columns: streamColumns(SCHEMA), compression: "zstd", rowGroupRows: 7, encoding }).open(path);
  for (let i = 0; i < MANY.length; i += 9) await part.write(MANY.slice(i, i + 9), stamp);
  await part.close();
  return path;
}

describe("Parquet encoding in a worker thread", () => {
  it("writes the same bytes as encoding in this thread", async () => {
    const inWorker = await writeWith(thread, "worker.parquet");
    const inThread = await writeWith(ENCODING, "thread.parquet");
    expect(readFileSync(inWorker).equals(readFileSync(inThread))).toBe(true);
    const [row] = await query(`SELECT count(*)::INTEGER AS n, count(DISTINCT gid)::INTEGER AS gids FROM read_parquet('${inWorker}')`);
    expect(row).toEqual({ n: MANY.length, gids: MANY.length });
    const [groups] = await query(`SELECT count(DISTINCT row_group_id)::INTEGER AS n FROM parquet_metadata('${inWorker}')`);
    expect(groups?.n).toBe(Math.ceil(MANY.length / 7));
  });

  it("rejects a row group the worker cannot encode, with the worker's reason", async () => {
    const encoder = await thread.open({ columns: streamColumns(SCHEMA), dataCount: 12, compression: "zstd" });
    await expect(encoder.encode({ rows: 1, leaves: [] })).rejects.toThrow(/Encoding a Parquet row group failed: a row group of 0 leaf columns for a file of \d+/);
    encoder.close();
  });
});

describe("dictionary encoding", () => {
  it("tries the dictionary again some row groups after a column was written plain", async () => {
    const path = join(tempDir(), "retry.parquet");
    const part = await parquetFormat({ columns: streamColumns(SCHEMA), compression: "zstd", rowGroupRows: 10, encoding: ENCODING }).open(path);
    // `name`: unique values in the first row group (plain wins), then one repeated value (a dictionary wins).
    const rows = Array.from({ length: 10 * (DICTIONARY_RETRY_GROUPS + 3) }, (_, i) =>
      record({ gid: String(i), resource_type: "thing", name: i < 10 ? `unique ${i} ${"x".repeat(40)}` : "same" }),
    );
    await part.write(rows, stamp);
    await part.close();
    const chunks = await query(
      `SELECT row_group_id::INTEGER AS g, dictionary_page_offset IS NOT NULL AS dict FROM parquet_metadata('${path}') WHERE path_in_schema = 'name' ORDER BY g`,
    );
    // Tried and plain; then plain without a trial for DICTIONARY_RETRY_GROUPS groups; then tried again, and kept.
    expect(chunks.map((c) => c.dict)).toEqual([false, ...Array<boolean>(DICTIONARY_RETRY_GROUPS).fill(false), true, true]);
    const [count] = await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path}') WHERE name = 'same'`);
    expect(count?.n).toBe(rows.length - 10);
  });
});
