// Pages encoded in the worker thread are the same bytes as in the sync's thread; the worker's
// failures reach the writer; a column keeps its dictionary only while it pays. The worker runs from
// the compiled build (Node 20 cannot start a worker from TypeScript), as in production.
import { openSync, closeSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { streamColumns, type ParquetEncoding } from "../../src/sinks/files/index.js";
import { EncoderThread } from "../../src/sinks/files/parquet-channel.js";
import { CREATED_BY, ENCODING, RECORDS, SCHEMA, query, record, tempDir, testParquet } from "./files-fixtures.js";

/** The encoding thread runs the compiled worker (`npm test` builds first), as a sync does. */
const thread = new EncoderThread(new URL("../../dist/src/sinks/files/parquet-worker.js", import.meta.url));
afterAll(() => thread.close());

const stamp = { extractedAt: Date.parse("2026-01-02T03:04:05.678Z"), exportGid: "77" };

/** 40 copies of the fixture records (new gids): several batches and row groups, every edge. */
const MANY = Array.from({ length: 40 }, (_, copy) => RECORDS.map((r) => record({ ...r.object, gid: `${copy}-${String(r.object.gid)}` }))).flat();

async function writeWith(encoding: ParquetEncoding, name: string): Promise<string> {
  const path = join(tempDir(), name);
  const part = await testParquet(streamColumns(SCHEMA), { encoding, batchJsonBytes: 3_000, rowGroupBytes: 1_000 }).open(path);
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
    expect(groups?.n).toBeGreaterThan(1);
  });

  it("rejects a batch the worker cannot encode, with the worker's reason", async () => {
    const path = join(tempDir(), "bad.parquet");
    const fd = openSync(path, "wx");
    const spillFd = openSync(`${path}.pages`, "wx+");
    try {
      const file = await thread.open(
        { columns: streamColumns(SCHEMA), compression: "zstd", pageVersion: 1, rowGroupBytes: 1 << 20, footerBytes: 1 << 20, keyValues: [], createdBy: CREATED_BY },
        { fd, spillFd },
      );
      await expect(file.add({ rows: 1, header: new Int32Array(0), data: new Uint8Array(8) })).rejects.toThrow(/failed in the encoding thread: a batch of 0 leaf columns for a file of \d+/);
      // The failed file takes no more work.
      await expect(file.finish()).rejects.toThrow(/not open/);
    } finally {
      closeSync(fd);
      closeSync(spillFd);
    }
  });
});

describe("dictionary encoding", () => {
  it("is kept per column chunk while it pays, and falls back to PLAIN for unique values", async () => {
    const path = join(tempDir(), "dictionary.parquet");
    const part = await testParquet(streamColumns(SCHEMA), { batchJsonBytes: 1_000 }).open(path);
    // `name`: one repeated value (a dictionary wins); `gid`: unique long values (PLAIN wins).
    const rows = Array.from({ length: 3_000 }, (_, i) => record({ gid: `${String(i).padStart(6, "0")}-${"u".repeat(30)}-${i * 7919}`, resource_type: "thing", name: i % 3 === 0 ? "same" : "other" }));
    await part.write(rows, stamp);
    await part.close();
    const chunks = await query(
      `SELECT path_in_schema AS p, encodings AS e, dictionary_page_offset IS NOT NULL AS dict FROM parquet_metadata('${path}') WHERE path_in_schema IN ('gid', 'name')`,
    );
    expect(chunks).toEqual(
      expect.arrayContaining([
        { p: "gid", e: "RLE, PLAIN", dict: false },
        { p: "name", e: "RLE, PLAIN_DICTIONARY", dict: true },
      ]),
    );
    const [count] = await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path}') WHERE name = 'same'`);
    expect(count?.n).toBe(1_000);
  });
});
