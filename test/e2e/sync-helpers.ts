// Helpers of the standalone sync tests: run `sync` through the built CLI, read Parquet with DuckDB,
// and the expected typed value of a ground-truth object (an independent reading of the schema).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Emulator } from "../../src/emulator/index.js";
import { manifestSchema, type Manifest } from "../../src/sinks/standalone-manifest.js";
import type { JsonSchemaNode, JsonSchemaObject } from "../../src/streams/index.js";
import { emulatorConfig, scratch, type Json } from "../helpers/airbyte.js";
import { SOURCE_BIN, runCli, type CliResult } from "../helpers/cli.js";
import { nonNullType } from "../helpers/json-schema.js";

/** Run `sync` with a config for the emulator (plus overrides) and extra flags. */
export async function runSync(em: Emulator, out: string, overrides: Json = {}, flags: string[] = [], timeoutMs?: number): Promise<CliResult> {
  const dir = scratch();
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify(emulatorConfig(em, { lookback_window_seconds: 0, ...overrides })));
  return runCli(SOURCE_BIN, ["sync", "--config", config, "--out", out, ...flags], timeoutMs === undefined ? {} : { timeoutMs });
}

/** Every file under `dir` (recursive), relative, sorted. */
export function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort();
  } catch {
    return [];
  }
}

/** The manifests in an output folder. */
export function manifests(out: string): Manifest[] {
  return listFiles(join(out, "_manifests")).map((f) => manifestSchema.parse(JSON.parse(readFileSync(join(out, "_manifests", f), "utf8"))));
}

let db: Promise<DuckDBInstance> | undefined;

/** Rows of a DuckDB query, values as JSON-friendly values. */
export async function query(sql: string): Promise<Record<string, unknown>[]> {
  db ??= DuckDBInstance.create(":memory:", { threads: "2" });
  const connection = await (await db).connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}

/** A timestamp as DuckDB prints it (`2024-10-26 15:22:14.885+00`) in epoch milliseconds. */
export function duckTime(text: string): number {
  return Date.parse(text.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));
}

/** The typed value a Parquet column must hold for a ground-truth value (null when it does not fit). */
export function expectedValue(node: JsonSchemaNode, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const type = nonNullType(node.type);
  if (type === "string") {
    if (typeof value !== "string") return null;
    return node.format === "date-time" ? Date.parse(value) : value;
  }
  if (type === "integer") return Number.isInteger(value) ? value : null;
  if (type === "number") return typeof value === "number" ? value : null;
  if (type === "boolean") return typeof value === "boolean" ? value : null;
  if (type === "array") return Array.isArray(value) ? value.map((v) => expectedValue(node.items as JsonSchemaNode, v)) : null;
  if (typeof value !== "object" || Array.isArray(value)) return null;
  const props = Object.entries(node.properties ?? {});
  if (props.length === 0) return JSON.stringify(value);
  return Object.fromEntries(props.map(([k, child]) => [k, expectedValue(child, (value as Record<string, unknown>)[k])]));
}

/** A DuckDB value read back (to_json text parsed) in the shape of expectedValue. */
export function actualValue(node: JsonSchemaNode, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const type = nonNullType(node.type);
  if (type === "string" && node.format === "date-time") return duckTime(value as string);
  if (type === "array") return (value as unknown[]).map((v) => actualValue(node.items as JsonSchemaNode, v));
  if (type === "object" && Object.keys(node.properties ?? {}).length > 0) {
    const v = value as Record<string, unknown>;
    return Object.fromEntries(Object.entries(node.properties ?? {}).map(([k, child]) => [k, actualValue(child, v[k])]));
  }
  return value;
}

/** Fields of `value` the schema does not know, by JSON path (`created_by.name`, `likes[0].x`). */
export function unknownFields(schema: JsonSchemaObject | JsonSchemaNode, value: unknown, path = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (value === null || typeof value !== "object") return out;
  const type = "$schema" in schema ? "object" : nonNullType(schema.type);
  if (type === "array" && Array.isArray(value)) {
    value.forEach((v, i) => Object.assign(out, unknownFields((schema as JsonSchemaNode).items as JsonSchemaNode, v, `${path}[${i}]`)));
  } else if (type === "object" && !Array.isArray(value)) {
    const props = schema.properties ?? {};
    if (Object.keys(props).length === 0) return out;
    for (const [k, v] of Object.entries(value)) {
      const child = props[k];
      const p = path === "" ? k : `${path}.${k}`;
      if (child === undefined) out[p] = v;
      else Object.assign(out, unknownFields(child, v, p));
    }
  }
  return out;
}

/** A value as parquet-wasm (arrow-rs, read through apache-arrow) or hyparquet gives it, in the shape of expectedValue. */
export function readerValue(node: JsonSchemaNode, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const type = nonNullType(node.type);
  if (type === "string" && node.format === "date-time") return value instanceof Date ? value.getTime() : Number(value);
  if (type === "string" && node.format === "date") {
    const ms = value instanceof Date ? value.getTime() : Number(value) * (typeof value === "number" && Math.abs(value) < 1e7 ? 86_400_000 : 1);
    return new Date(ms).toISOString().slice(0, 10);
  }
  if (type === "integer") return Number(value);
  if (type === "array") {
    const items = Array.isArray(value) ? value : ((value as { toArray(): unknown[] }).toArray() as unknown[]);
    return [...items].map((v) => readerValue(node.items as JsonSchemaNode, v));
  }
  if (type === "object" && Object.keys(node.properties ?? {}).length > 0) {
    const v = (typeof (value as { toJSON?: unknown }).toJSON === "function" ? (value as { toJSON(): unknown }).toJSON() : value) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(node.properties ?? {}).map(([k, child]) => [k, readerValue(child, v[k])]));
  }
  return value;
}

/** Every row of a stream's Parquet files as {key -> parsed to_json row}; the key is the gid, or the key columns joined by `|`. */
export async function parquetRows(glob: string, key: readonly string[] = ["gid"]): Promise<Map<string, Record<string, unknown>>> {
  const rows = await query(`SELECT to_json(t)::VARCHAR AS j FROM read_parquet('${glob}') t`);
  return new Map(
    rows.map((r) => {
      const row = JSON.parse(r.j as string) as Record<string, unknown>;
      return [key.map((k) => String(row[k])).join("|"), row];
    }),
  );
}
