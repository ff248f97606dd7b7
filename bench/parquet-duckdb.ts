// The anchor of bench/parquet-writers.ts: DuckDB converts the JSONL.gz file to Parquet itself, typed
// with the same columns (read_json with explicit `columns`), zstd. Unknown fields are not kept here.
import { DuckDBInstance } from "@duckdb/node-api";
import { describeType, type Column } from "../src/sinks/files/columns.js";

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Convert `input` to one Parquet file at `output`; returns the row count. */
export async function duckdbConvert(input: string, columns: readonly Column[], output: string, settings: { threads: number; memoryLimit?: string }): Promise<number> {
  const db = await DuckDBInstance.create(":memory:", {
    threads: String(settings.threads),
    ...(settings.memoryLimit === undefined ? {} : { memory_limit: settings.memoryLimit }),
    preserve_insertion_order: "false",
  });
  const conn = await db.connect();
  const data = columns.filter((c) => !c.name.startsWith("_"));
  const spec = data.map((c) => `${quote(c.name)}: ${quote(describeType(c.type))}`).join(", ");
  const select = [
    ...data.map((c) => JSON.stringify(c.name)),
    "NULL::VARCHAR AS _extra",
    "now() AS _extracted_at",
    "'1' AS _export_gid",
  ].join(", ");
  await conn.run(
    `COPY (SELECT ${select} FROM read_json(${quote(input)}, format = 'newline_delimited', columns = {${spec}})) ` +
      `TO ${quote(output)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  const reader = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${quote(output)})`);
  const rows = Number(reader.getRowObjects()[0]?.n ?? 0);
  conn.closeSync();
  db.closeSync();
  return rows;
}
