// Which Parquet writer: every candidate converts the same emulator-generated tasks export
// (JSONL.gz) to typed Parquet, each in its own process, interleaved across runs (this VM drifts by
// tens of percent: compare the ratios of one run). DuckDB's own conversion is the anchor.
//   npx tsc -p tsconfig.json && node dist/bench/parquet-writers.js [--tasks 50000] [--runs 3] [--only a,b]
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, existsSync, renameSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";
import { createWorkspace } from "../src/emulator/data/index.js";
import { CANDIDATES, type Candidate } from "./parquet-candidates.js";
import { writeSection } from "./suite/report.js";

const resultsPath = fileURLToPath(new URL("../../bench/RESULTS.md", import.meta.url));

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The emulator's seeded tasks as an export file (seed 7; generation is deterministic). */
async function generate(file: string, tasks: number): Promise<void> {
  const workspace = createWorkspace({ seed: 7, tasks, teams: 1, messages: 1, clock: { now: () => Date.UTC(2026, 0, 1) } });
  const gzip = createGzip({ level: 6 });
  const out = createWriteStream(`${file}.part`);
  gzip.pipe(out);
  for (const task of workspace.objects("task")) if (!gzip.write(`${JSON.stringify(task)}\n`)) await once(gzip, "drain");
  gzip.end();
  await once(out, "close");
  renameSync(`${file}.part`, file);
}

interface Measure {
  rows?: number;
  error?: string;
  ms: number;
  bytes: number;
  rssMb: number;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const tasks = Number(flag("--tasks") ?? 50_000);
  const runs = Number(flag("--runs") ?? 3);
  const only = flag("--only")?.split(",");
  const candidates = CANDIDATES.filter((c) => only === undefined || only.includes(c));
  const input = join(tmpdir(), `asana-export-bench-tasks-${tasks}.jsonl.gz`);
  if (!existsSync(input)) await generate(input, tasks);
  console.log(`input: ${tasks} emulator tasks, ${(statSync(input).size / 1e6).toFixed(1)} MB gzip; ${runs} run(s), median`);
  const child = fileURLToPath(new URL("./parquet-candidates.js", import.meta.url));
  const results = new Map<Candidate, Measure[]>(candidates.map((c) => [c, []]));
  for (let r = 0; r < runs; r++) {
    for (const candidate of candidates) {
      const out = join(tmpdir(), `asana-export-bench-out-${candidate}`);
      const text = execFileSync(process.execPath, [child, candidate, input, out], { encoding: "utf8", maxBuffer: 1 << 20 });
      results.get(candidate)?.push(JSON.parse(text) as Measure);
    }
  }
  const anchor = median((results.get("duckdb-zstd") ?? []).filter((m) => m.error === undefined).map((m) => m.ms));
  const rows = ["| candidate | wall s | x DuckDB | peak RSS MB | output MB | rows |", "| --- | ---: | ---: | ---: | ---: | ---: |"];
  for (const [candidate, measures] of results) {
    const failed = measures.find((m) => m.error !== undefined);
    if (failed) {
      rows.push(`| ${candidate} | failed: ${(failed.error ?? "").split("\n")[0] ?? ""} (peak RSS ${failed.rssMb.toFixed(0)} MB) | | | | |`);
      continue;
    }
    const ms = median(measures.map((m) => m.ms));
    const rss = Math.max(...measures.map((m) => m.rssMb));
    const last = measures.at(-1);
    rows.push(`| ${candidate} | ${(ms / 1000).toFixed(2)} | ${(ms / anchor).toFixed(2)} | ${rss.toFixed(0)} | ${((last?.bytes ?? 0) / 1e6).toFixed(1)} | ${last?.rows ?? ""} |`);
  }
  const body = [
    `## Parquet writers: ${tasks.toLocaleString("en-US")} tasks (${new Date().toISOString().slice(0, 16)}Z)`,
    "",
    `\`node dist/bench/parquet-writers.js\`: the emulator's tasks (seed 7) from a local JSONL.gz file to typed Parquet, each candidate its own process, ` +
      `median of ${runs} interleaved run(s), Node ${process.version}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(", ")}.`,
    "",
    rows.join("\n"),
  ].join("\n");
  writeSection(resultsPath, "writers", body);
  console.log(body);
}

await main();
