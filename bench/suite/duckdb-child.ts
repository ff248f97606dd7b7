// The conversion anchor: DuckDB turns the export's JSONL.gz into Parquet by itself.
//   node dist/bench/suite/duckdb-child.js auto  INPUT.jsonl.gz OUTPUT.parquet   one file, schema auto-detected
//   node dist/bench/suite/duckdb-child.js typed INPUT.jsonl.gz OUTDIR           OUTDIR/<stream>/part.parquet, the
//                                                                             stream's typed columns, as our sync writes
// Prints {"rows":N} on stderr. zstd, as our sync writes by default.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { streamColumns } from "../../src/sinks/files/index.js";
import { describeType } from "../../src/sinks/files/columns.js";
import { TOP_LEVEL } from "./top-level.js";

const [mode, input, output] = process.argv.slice(2);
if ((mode !== "auto" && mode !== "typed") || input === undefined || output === undefined) {
  throw new Error("usage: duckdb-child auto|typed INPUT OUTPUT");
}
const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const db = await DuckDBInstance.create(":memory:");
const conn = await db.connect();
let rows = 0;
const count = async (path: string): Promise<number> => {
  const reader = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${quote(path)})`);
  return Number(reader.getRowObjects()[0]?.n ?? 0);
};
if (mode === "auto") {
  await conn.run(
    `COPY (SELECT * FROM read_json(${quote(input)}, format = 'newline_delimited', maximum_object_size = 268435456)) ` +
      `TO ${quote(output)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  rows = await count(output);
} else {
  // One pass per stream, keeping the lines of its resource_type, typed like our Parquet files.
  for (const { definition: stream, resourceType } of TOP_LEVEL) {
    const columns = streamColumns(stream.schema).filter((c) => !c.name.startsWith("_"));
    const spec = columns.map((c) => `${quote(c.name)}: ${quote(describeType(c.type))}`).join(", ");
    const path = join(output, stream.name, "part.parquet");
    mkdirSync(join(output, stream.name), { recursive: true });
    await conn.run(
      `COPY (SELECT * FROM read_json(${quote(input)}, format = 'newline_delimited', columns = {${spec}}, maximum_object_size = 268435456) ` +
        `WHERE resource_type = ${quote(resourceType)}) TO ${quote(path)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    rows += await count(path);
  }
}
process.stderr.write(`${JSON.stringify({ rows })}\n`);
conn.closeSync();
db.closeSync();
