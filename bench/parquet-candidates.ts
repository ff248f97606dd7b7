// One candidate of bench/parquet-writers.ts, run in its own process:
//   node dist/bench/parquet-candidates.js CANDIDATE INPUT.jsonl.gz OUTDIR
// Prints {rows, bytes, ms, rssMb} as JSON. Every candidate writes the tasks stream's typed columns.
import { createReadStream, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ExportRecord } from "../src/core/record.js";
import { decodeExport } from "../src/export-file/decode.js";
import { PageCodecs, RotatingFileWriter, chooseEncoding, fileFormat, streamColumns, type RowGroupEncoding } from "../src/sinks/files/index.js";
import { ROW_GROUP_JSON_BYTES, ROW_GROUP_ROWS, parquetFormat } from "../src/sinks/files/parquet.js";
import { recordShredder, type Extra } from "../src/sinks/files/shred.js";
import { requireStream } from "../src/streams/index.js";
import { arrowParquet } from "./parquet-arrow.js";
import { duckdbConvert } from "./parquet-duckdb.js";

/** The candidates, in the order the report lists them. */
export const CANDIDATES = [
  "shred-only",
  "hyparquet-zstd",
  "hyparquet-zstd-10k-rows",
  "hyparquet-snappy",
  "hyparquet-none",
  "parquet-wasm-zstd",
  "duckdb-zstd",
  "duckdb-zstd-1thread-256MB",
  "jsonl-gz",
] as const;
export type Candidate = (typeof CANDIDATES)[number];

const tasks = requireStream("tasks", "bench");

async function* batches(input: string): AsyncGenerator<ExportRecord[]> {
  for await (const batch of decodeExport(createReadStream(input, { highWaterMark: 1 << 20 }))) yield batch;
}

function dirBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
}

async function run(candidate: Candidate, input: string, out: string, encoding: RowGroupEncoding): Promise<number> {
  const stamp = { extractedAt: Date.now(), exportGid: "1" };
  switch (candidate) {
    case "shred-only": {
      // Download-free floor of our path: gunzip, parse, shred into leaf columns; no Parquet encoding.
      const columns = streamColumns(tasks.schema);
      const shredder = recordShredder(columns, columns.length - 3);
      let rows = 0;
      let json = 0;
      for await (const batch of batches(input)) {
        for (const r of batch) {
          const extra: Extra = {};
          shredder.shred(r.object, extra);
          json += r.raw.length;
          // Drop the page data at the writer's row-group bound, as the writer would after encoding.
          if (++rows % ROW_GROUP_ROWS === 0 || json >= ROW_GROUP_JSON_BYTES) {
            shredder.take();
            json = 0;
          }
        }
      }
      return rows;
    }
    case "hyparquet-zstd-10k-rows": {
      // The same writer with larger row groups (10,000 rows or 16 MiB of JSON): the row-group bound's effect.
      const format = parquetFormat({ columns: streamColumns(tasks.schema), compression: "zstd", rowGroupRows: 10_000, rowGroupJsonBytes: 16 << 20, encoding });
      const writer = new RotatingFileWriter({ dir: out, format, maxFileBytes: 512 * 1024 * 1024 });
      for await (const batch of batches(input)) await writer.write(batch, stamp);
      return (await writer.commit("bench")).reduce((n, f) => n + f.rows, 0);
    }
    case "hyparquet-zstd":
    case "hyparquet-snappy":
    case "hyparquet-none":
    case "jsonl-gz": {
      const compression = candidate === "hyparquet-snappy" ? "snappy" : candidate === "hyparquet-none" ? "none" : candidate === "jsonl-gz" ? "gzip" : "zstd";
      const format = fileFormat(tasks, candidate === "jsonl-gz" ? { format: "jsonl", compression } : { format: "parquet", compression, encoding });
      const writer = new RotatingFileWriter({ dir: out, format, maxFileBytes: 512 * 1024 * 1024 });
      for await (const batch of batches(input)) await writer.write(batch, stamp);
      const files = await writer.commit("bench");
      return files.reduce((n, f) => n + f.rows, 0);
    }
    case "parquet-wasm-zstd":
      return arrowParquet(batches(input), streamColumns(tasks.schema), join(out, "bench.parquet"), stamp);
    case "duckdb-zstd":
      return duckdbConvert(input, streamColumns(tasks.schema), join(out, "bench.parquet"), { threads: 2 });
    case "duckdb-zstd-1thread-256MB":
      return duckdbConvert(input, streamColumns(tasks.schema), join(out, "bench.parquet"), { threads: 1, memoryLimit: "256MB" });
  }
}

const [candidate, input, out] = process.argv.slice(2);
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain && candidate !== undefined && input !== undefined && out !== undefined) {
  if (!(CANDIDATES as readonly string[]).includes(candidate)) throw new Error(`unknown candidate ${candidate}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // One candidate a process: the encoding lives as long as the run, as in a sync.
  const encoding = chooseEncoding(new PageCodecs());
  const started = performance.now();
  let result: { rows: number } | { error: string };
  try {
    result = { rows: await run(candidate as Candidate, input, out, encoding) };
  } catch (error) {
    result = { error: (error as Error).message.split("\n")[0] ?? "failed" };
  } finally {
    await encoding.close();
  }
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ...result, ms, bytes: dirBytes(out), rssMb: process.resourceUsage().maxRSS / 1024 }));
}
