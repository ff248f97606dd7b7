// The conversion anchor: DuckDB turns the export's JSONL.gz into one Parquet file by itself.
//   node dist/bench/suite/duckdb-child.js INPUT.jsonl.gz OUTPUT.parquet   (prints {"rows":N} on stderr)
import { DuckDBInstance } from "@duckdb/node-api";

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) throw new Error("usage: duckdb-child INPUT OUTPUT");
const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const db = await DuckDBInstance.create(":memory:");
const conn = await db.connect();
// Schema auto-detected from a sample, as a user would run it; zstd as our sync writes by default.
await conn.run(
  `COPY (SELECT * FROM read_json(${quote(input)}, format = 'newline_delimited', maximum_object_size = 268435456)) ` +
    `TO ${quote(output)} (FORMAT parquet, COMPRESSION zstd)`,
);
const reader = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${quote(output)})`);
process.stderr.write(`${JSON.stringify({ rows: Number(reader.getRowObjects()[0]?.n ?? 0) })}\n`);
conn.closeSync();
db.closeSync();
