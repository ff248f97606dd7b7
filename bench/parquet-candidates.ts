// One candidate of bench/parquet-writers.ts, run in its own process:
//   node dist/bench/parquet-candidates.js CANDIDATE INPUT.jsonl.gz OUTDIR
// Prints {rows, bytes, ms, rssMb} as JSON. Every candidate writes the tasks stream's typed columns.
import { createReadStream, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ExportRecord } from "../src/core/record.js";
import { decodeExport } from "../src/export-file/decode.js";
import { PageCodecs, RotatingFileWriter, chooseEncoding, fileFormat, parquetCreatedBy, streamColumns, type ParquetEncoding } from "../src/sinks/files/index.js";
import { ADDED_COLUMNS } from "../src/sinks/files/columns.js";
import { inThreadEncoding } from "../src/sinks/files/parquet-channel.js";
import { LineShredder } from "../src/sinks/files/shred/json-shredder.js";
import { BatchBuffers, packBatch } from "../src/sinks/files/shred/packed-batch.js";
import { requireStream } from "../src/streams/index.js";
import { arrowParquet } from "./parquet-arrow.js";
import { duckdbConvert } from "./parquet-duckdb.js";

/** The candidates, in the order the report lists them. */
export const CANDIDATES = [
  "decode-only",
  "shred-only",
  "ours-zstd",
  "ours-zstd-1thread",
  "ours-zstd-wasm",
  "ours-zstd-v2",
  "ours-snappy",
  "ours-none",
  "parquet-wasm-zstd",
  "duckdb-zstd",
  "duckdb-zstd-1thread-256MB",
] as const;
export type Candidate = (typeof CANDIDATES)[number];

const tasks = requireStream("tasks", "bench");

async function* batches(input: string): AsyncGenerator<ExportRecord[]> {
  for await (const batch of decodeExport(createReadStream(input, { highWaterMark: 1 << 20 }))) yield batch.filter((r) => r.resourceType === "task");
}

function dirBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
}

async function ours(input: string, out: string, encoding: ParquetEncoding, compression: "zstd" | "snappy" | "none", pageVersion: 1 | 2): Promise<number> {
  const stamp = { extractedAt: Date.now(), exportGid: "1" };
  const format = fileFormat(tasks, { format: "parquet", compression, encoding, onInvalidRecord: "fail", createdBy: parquetCreatedBy(), pageVersion });
  const writer = new RotatingFileWriter({ dir: out, format, maxFileBytes: 512 * 1024 * 1024 });
  for await (const batch of batches(input)) await writer.write(batch, stamp);
  return (await writer.commit("bench")).reduce((n, f) => n + f.rows, 0);
}

/** Run with the encoding a sync chooses (a worker thread on two cores), closed afterwards. */
async function withThread(run: (encoding: ParquetEncoding) => Promise<number>): Promise<number> {
  const encoding = chooseEncoding(new PageCodecs());
  try {
    return await run(encoding);
  } finally {
    await encoding.close();
  }
}

async function run(candidate: Candidate, input: string, out: string): Promise<number> {
  switch (candidate) {
    case "decode-only": {
      let rows = 0;
      for await (const batch of batches(input)) rows += batch.length;
      return rows;
    }
    case "shred-only": {
      const columns = streamColumns(tasks.schema);
      const shredder = new LineShredder(columns, columns.length - ADDED_COLUMNS.length);
      const stamp = { extractedAt: Date.now(), exportGid: "1" };
      const buffers = new BatchBuffers();
      let rows = 0;
      let json = 0;
      for await (const batch of batches(input)) {
        for (const r of batch) {
          shredder.shred(r.rawBytes, (extra) => ADDED_COLUMNS.map((c) => c.value({ stamp, extra })));
          json += r.rawBytes.length;
          rows++;
          if (json >= 4 << 20) {
            buffers.give(packBatch(rows, shredder.leaves, buffers).data.buffer as ArrayBuffer);
            json = 0;
          }
        }
      }
      return rows;
    }
    case "ours-zstd":
      return withThread((encoding) => ours(input, out, encoding, "zstd", 1));
    case "ours-zstd-1thread":
      return ours(input, out, inThreadEncoding(new PageCodecs()), "zstd", 1);
    case "ours-zstd-wasm":
      return ours(input, out, inThreadEncoding(new PageCodecs("wasm")), "zstd", 1);
    case "ours-zstd-v2":
      return withThread((encoding) => ours(input, out, encoding, "zstd", 2));
    case "parquet-wasm-zstd":
      return arrowParquet(batches(input), streamColumns(tasks.schema), join(out, "bench.parquet"), { extractedAt: Date.now(), exportGid: "1" });
    case "duckdb-zstd":
      return duckdbConvert(input, streamColumns(tasks.schema), join(out, "bench.parquet"), { threads: 2 });
    case "duckdb-zstd-1thread-256MB":
      return duckdbConvert(input, streamColumns(tasks.schema), join(out, "bench.parquet"), { threads: 1, memoryLimit: "256MB" });
    case "ours-snappy":
      return withThread((encoding) => ours(input, out, encoding, "snappy", 1));
    case "ours-none":
      return withThread((encoding) => ours(input, out, encoding, "none", 1));
  }
}

const [candidate, input, out] = process.argv.slice(2);
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain && candidate !== undefined && input !== undefined && out !== undefined) {
  if (!(CANDIDATES as readonly string[]).includes(candidate)) throw new Error(`unknown candidate ${candidate}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const started = performance.now();
  let result: { rows: number } | { error: string };
  try {
    result = { rows: await run(candidate as Candidate, input, out) };
  } catch (error) {
    result = { error: (error as Error).stack ?? String(error) };
  }
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ...result, ms, bytes: dirBytes(out), rssMb: process.resourceUsage().maxRSS / 1024 }) + "\n");
}
