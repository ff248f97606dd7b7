// Query timings over two sets of Parquet files, interleaved, in one DuckDB process:
//   node dist/bench/suite/query-child.js OURS_GLOB DUCKDB_GLOB GID RUNS
// Prints {"groupBy": {"ours": ms, "duckdb": ms}, "gidFilter": {...}} (medians of RUNS runs each) on stdout.
// The queries are what a warehouse engineer runs first: an aggregate over a nested leaf, and a
// selective filter on the primary key.
import { DuckDBInstance } from "@duckdb/node-api";

const [ours, duckdb, gid, runs] = process.argv.slice(2);
const RUNS = Number(runs);
if (ours === undefined || duckdb === undefined || gid === undefined || !(RUNS > 0)) throw new Error("usage: query-child OURS_GLOB DUCKDB_GLOB GID RUNS");
const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const QUERIES = {
  groupBy: (glob: string) => `SELECT assignee.gid AS a, count(*) AS n FROM read_parquet(${quote(glob)}) GROUP BY 1 ORDER BY 2 DESC LIMIT 5`,
  gidFilter: (glob: string) => `SELECT gid, name, assignee.name AS who FROM read_parquet(${quote(glob)}) WHERE gid = ${quote(gid)}`,
} as const;

const db = await DuckDBInstance.create(":memory:", { threads: "2" });
const conn = await db.connect();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const result: Record<string, { ours: number; duckdb: number; rows: number }> = {};
for (const [name, sql] of Object.entries(QUERIES)) {
  const times: Record<"ours" | "duckdb", number[]> = { ours: [], duckdb: [] };
  const answers: Record<"ours" | "duckdb", string> = { ours: "", duckdb: "" };
  for (let run = 0; run < RUNS + 1; run++) {
    for (const [which, glob] of [["ours", ours], ["duckdb", duckdb]] as const) {
      const started = performance.now();
      const reader = await conn.runAndReadAll(sql(glob));
      const ms = performance.now() - started;
      answers[which] = JSON.stringify(reader.getRowObjectsJson());
      // The first round warms the file cache and DuckDB's metadata cache for both.
      if (run > 0) times[which].push(ms);
    }
  }
  if (answers.ours !== answers.duckdb) throw new Error(`${name}: the answers differ: ${answers.ours.slice(0, 200)} vs ${answers.duckdb.slice(0, 200)}`);
  result[name] = { ours: median(times.ours), duckdb: median(times.duckdb), rows: (JSON.parse(answers.ours) as unknown[]).length };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
conn.closeSync();
db.closeSync();
