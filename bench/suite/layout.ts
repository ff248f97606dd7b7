// Our Parquet files against typed DuckDB's for the same export: total size per stream, row groups
// and files of the tasks stream, page version, and the timings of two queries over each (query-child.ts).
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";

/**
 * Runs of each query over each set of files. The queries take 4-12 ms, and over 7 runs their
 * ratio moved between 1.01x and 1.23x from one bench run to the next on the same files' layout;
 * the median of 31 interleaved runs costs about a second more.
 */
const QUERY_RUNS = 31;

/** What the comparison found. */
export interface LayoutComparison {
  /** Bytes of every Parquet file per stream. */
  sizes: { stream: string; ours: number; duckdb: number }[];
  /** The tasks stream's files. */
  tasks: { files: number; rowGroups: number; rowsPerGroup: number[]; groupMb: number[]; fileMb: number[]; pageVersions: string; duckdbRowGroups: number };
  /** Query medians in ms over ours and over DuckDB's. */
  queries: Record<string, { ours: number; duckdb: number; rows: number }>;
}

function parquetFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith(".parquet")).map((n) => join(dir, n));
  } catch {
    return [];
  }
}

const bytes = (files: readonly string[]): number => files.reduce((n, f) => n + statSync(f).size, 0);

/** Compare the last outputs of the two runs. */
export async function compareLayouts(input: { dist: string; ours: string; duckdb: string; gid: string }): Promise<LayoutComparison> {
  const streams = readdirSync(input.ours).filter((s) => !s.startsWith("_") && !s.startsWith("."));
  const sizes = streams.map((stream) => ({ stream, ours: bytes(parquetFiles(join(input.ours, stream))), duckdb: bytes(parquetFiles(join(input.duckdb, stream))) }));
  const ourTasks = parquetFiles(join(input.ours, "tasks"));
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  const rows = async (sql: string): Promise<Record<string, unknown>[]> => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  const groups = await rows(
    `SELECT file_name AS f, row_group_id AS g, any_value(row_group_num_rows)::BIGINT AS n, any_value(row_group_bytes)::BIGINT AS b FROM parquet_metadata('${join(input.ours, "tasks")}/*.parquet') GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const [duckGroups] = await rows(`SELECT count(DISTINCT row_group_id)::INTEGER AS n FROM parquet_metadata('${join(input.duckdb, "tasks")}/*.parquet')`);
  conn.closeSync();
  db.closeSync();
  // The footer's encoding_stats name every page's type (read by hyparquet, not by our writer).
  const pageVersions = new Set<string>();
  for (const file of ourTasks) {
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
    for (const group of metadata.row_groups) {
      for (const column of group.columns) for (const s of column.meta_data?.encoding_stats ?? []) if (s.page_type !== "DICTIONARY_PAGE") pageVersions.add(s.page_type);
    }
  }
  const queryJson = execFileSync(process.execPath, [join(input.dist, "bench/suite/query-child.js"), `${join(input.ours, "tasks")}/*.parquet`, `${join(input.duckdb, "tasks")}/*.parquet`, input.gid, String(QUERY_RUNS)], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  return {
    sizes,
    tasks: {
      files: ourTasks.length,
      rowGroups: groups.length,
      rowsPerGroup: groups.map((g) => Number(g.n)),
      groupMb: groups.map((g) => Number(g.b) / 2 ** 20),
      fileMb: ourTasks.map((f) => statSync(f).size / 1e6),
      pageVersions: [...pageVersions].sort().join(", "),
      duckdbRowGroups: Number(duckGroups?.n ?? 0),
    },
    queries: JSON.parse(queryJson) as LayoutComparison["queries"],
  };
}

/** The size ratio of all streams together (ours / DuckDB's). */
export function sizeRatio(layout: LayoutComparison): number {
  const ours = layout.sizes.reduce((n, s) => n + s.ours, 0);
  const duckdb = layout.sizes.reduce((n, s) => n + s.duckdb, 0);
  return ours / duckdb;
}

/** The comparison as Markdown. */
export function layoutSection(layout: LayoutComparison): string {
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  const lines = ["| stream | our files MB | DuckDB's MB | ratio |", "| --- | ---: | ---: | ---: |"];
  for (const s of layout.sizes) lines.push(`| ${s.stream} | ${mb(s.ours)} | ${mb(s.duckdb)} | ${(s.ours / s.duckdb).toFixed(3)} |`);
  lines.push(`| all | ${mb(layout.sizes.reduce((n, s) => n + s.ours, 0))} | ${mb(layout.sizes.reduce((n, s) => n + s.duckdb, 0))} | ${sizeRatio(layout).toFixed(3)} |`);
  const t = layout.tasks;
  lines.push(
    "",
    `Tasks: ${t.files} file(s) of ${t.fileMb.map((m) => m.toFixed(1)).join(", ")} MB; ${t.rowGroups} row group(s) of ${t.rowsPerGroup.map((n) => n.toLocaleString("en-US")).join(", ")} rows ` +
      `(${t.groupMb.map((m) => m.toFixed(0)).join(", ")} MiB uncompressed); data page types: ${t.pageVersions}. DuckDB's file: ${t.duckdbRowGroups} row groups.`,
    "",
    `| query over the tasks files (median of ${QUERY_RUNS}, ms) | ours | DuckDB's | ratio |`,
    "| --- | ---: | ---: | ---: |",
  );
  const names: Record<string, string> = { groupBy: "`GROUP BY assignee.gid` (a nested leaf)", gidFilter: "`WHERE gid = '…'` (one row)" };
  for (const [name, q] of Object.entries(layout.queries)) lines.push(`| ${names[name] ?? name} | ${q.ours.toFixed(1)} | ${q.duckdb.toFixed(1)} | ${(q.ours / q.duckdb).toFixed(2)} |`);
  return lines.join("\n");
}
