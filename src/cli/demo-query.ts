// The demo's DuckDB queries over the Parquet files. DuckDB (@duckdb/node-api) is a development
// dependency: `npm ci` installs it, with its platform binary, from the npm registry; the connector
// itself does not need it. Where it cannot load, the demo says so and skips the queries.
import { join } from "node:path";
import type * as DuckDB from "@duckdb/node-api";

/** A query, what it shows, and its SQL given the output folder. */
const QUERIES: { title: string; sql: (out: string) => string }[] = [
  {
    title: "Rows of tasks per export (the second holds only what changed, and a tombstone per deleted task)",
    sql: (out) => `SELECT _export_gid AS export_gid, count(*) AS tasks, count(*) FILTER (WHERE _deleted_at IS NOT NULL) AS deleted, min(_extracted_at) AS extracted_at
      FROM read_parquet('${join(out, "tasks", "*.parquet")}') GROUP BY ALL ORDER BY extracted_at`,
  },
  {
    title: "Latest version of each task (dedupe on gid, newest modified_at, tombstones dropped), joined to its Priority custom field",
    sql: (out) => `WITH tasks AS (
        SELECT * FROM read_parquet('${join(out, "tasks", "*.parquet")}')
        QUALIFY row_number() OVER (PARTITION BY gid ORDER BY modified_at DESC, _extracted_at DESC) = 1 AND _deleted_at IS NULL)
      SELECT coalesce(cf.enum_value.name, '(not set)') AS priority, count(*) AS tasks,
             count(*) FILTER (WHERE completed) AS completed, max(modified_at) AS last_modified
      FROM tasks, UNNEST(custom_fields) AS u(cf)
      WHERE cf.name = 'Priority' GROUP BY ALL ORDER BY tasks DESC`,
  },
  {
    title:
      "The board of the busiest project: tasks per section, from the join streams (task_memberships, sections, projects; " +
      "full-refresh streams, so the rows of the latest export are the current ones)",
    sql: (out) => `WITH all_memberships AS (SELECT * FROM read_parquet('${join(out, "task_memberships", "*.parquet")}')),
      memberships AS (
        SELECT * FROM all_memberships WHERE _export_gid = (SELECT arg_max(_export_gid, _extracted_at) FROM all_memberships)),
      sections AS (
        SELECT * FROM read_parquet('${join(out, "sections", "*.parquet")}') QUALIFY row_number() OVER (PARTITION BY gid ORDER BY _extracted_at DESC) = 1),
      projects AS (
        SELECT * FROM read_parquet('${join(out, "projects", "*.parquet")}') QUALIFY row_number() OVER (PARTITION BY gid ORDER BY _extracted_at DESC) = 1),
      busiest AS (SELECT project_gid FROM memberships GROUP BY ALL ORDER BY count(*) DESC, project_gid LIMIT 1)
      SELECT p.name AS project, s.name AS section, count(*) AS tasks
      FROM memberships m JOIN busiest USING (project_gid) JOIN projects p ON p.gid = m.project_gid
      LEFT JOIN sections s ON s.gid = m.section_gid
      GROUP BY ALL ORDER BY tasks DESC, section`,
  },
  {
    title: "The same Priority breakdown from task_custom_field_values (typed columns, no UNNEST; newest row per task and field)",
    sql: (out) => `WITH latest AS (
        SELECT * FROM read_parquet('${join(out, "task_custom_field_values", "*.parquet")}')
        QUALIFY row_number() OVER (PARTITION BY task_gid, custom_field_gid ORDER BY task_modified_at DESC, _extracted_at DESC) = 1 AND _deleted_at IS NULL)
      SELECT coalesce(enum_option_name, '(not set)') AS priority, count(*) AS tasks
      FROM latest WHERE custom_field_name = 'Priority' GROUP BY ALL ORDER BY tasks DESC`,
  },
];

function table(rows: Record<string, string | null>[]): string {
  const first = rows[0];
  if (first === undefined) return "(no rows)\n";
  const keys = Object.keys(first);
  const cell = (v: string | null): string => v ?? "NULL";
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k] ?? null).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return `${[line(keys), line(widths.map((w) => "-".repeat(w))), ...rows.map((r) => line(keys.map((k) => cell(r[k] ?? null))))].join("\n")}\n`;
}

/** Run the demo queries over `outDir` and print their results. */
export async function runDemoQuery(outDir: string, out: NodeJS.WritableStream): Promise<void> {
  let duckdb: typeof DuckDB;
  try {
    duckdb = await import("@duckdb/node-api");
  } catch (error) {
    out.write(`DuckDB is not installed for this platform (${(error as Error).message.split("\n")[0] ?? ""}); skipping the queries.\n`);
    return;
  }
  const instance = await duckdb.DuckDBInstance.create(":memory:", { threads: "2" });
  const connection = await instance.connect();
  try {
    for (const query of QUERIES) {
      const sql = query.sql(outDir);
      out.write(`\n-- ${query.title}\n${sql.replace(/^ {6}/gm, "")};\n\n`);
      const reader = await connection.runAndReadAll(sql);
      out.write(table(reader.getRowObjectsJson() as Record<string, string | null>[]));
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
