// The typed columns of a stream's files, derived from its JSON Schema (the one source of Parquet
// typing): date-time -> UTC timestamp (microseconds), date -> DATE, integer -> INT64, number -> DOUBLE, string,
// boolean, object -> struct, array -> list. Every column is optional (nullable).
import { createHash } from "node:crypto";
import { baseType, type JsonSchemaNode, type JsonSchemaObject } from "../../streams/index.js";
import type { RecordStamp } from "./format.js";

/** The type of one column or nested field. `json` holds a value as JSON text. */
export type ColumnType =
  | { kind: "string" }
  | { kind: "json" }
  | { kind: "timestamp" }
  | { kind: "date" }
  | { kind: "boolean" }
  | { kind: "int64" }
  | { kind: "double" }
  | { kind: "struct"; fields: readonly Column[] }
  | { kind: "list"; element: ColumnType };

/** A named column (top level) or struct field. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

/** What an added column is filled from: the row's stamp and its `_extra` JSON text. */
export interface AddedRow {
  stamp: RecordStamp;
  extra: Uint8Array | undefined;
}

/** A column every file row gets besides the schema's. Values: strings, timestamps as epoch ms, JSON as its text. */
export interface AddedColumn extends Column {
  value(row: AddedRow): string | number | Uint8Array | null;
}

/**
 * The added columns, in file order: loaders dedupe on them and find unknown fields in `_extra`.
 * One more column is one more line here (and its value in RecordStamp).
 */
export const ADDED_COLUMNS: readonly AddedColumn[] = [
  { name: "_extra", type: { kind: "json" }, value: (row) => row.extra ?? null },
  { name: "_extracted_at", type: { kind: "timestamp" }, value: (row) => row.stamp.extractedAt },
  { name: "_export_gid", type: { kind: "string" }, value: (row) => row.stamp.exportGid },
];

/** The column type of a JSON Schema node. */
export function columnType(node: JsonSchemaNode): ColumnType {
  switch (baseType(node.type)) {
    case "string":
      return node.format === "date-time" ? { kind: "timestamp" } : node.format === "date" ? { kind: "date" } : { kind: "string" };
    case "boolean":
      return { kind: "boolean" };
    case "integer":
      return { kind: "int64" };
    case "number":
      return { kind: "double" };
    case "array":
      // jsonSchemaNode guarantees items on arrays; a missing one would mean "anything".
      return node.items === undefined ? { kind: "json" } : { kind: "list", element: columnType(node.items) };
    case "object": {
      const props = Object.entries(node.properties ?? {});
      // Parquet has no empty group: an object the schema does not describe is kept as JSON.
      if (props.length === 0) return { kind: "json" };
      return { kind: "struct", fields: props.map(([name, child]) => ({ name, type: columnType(child) })) };
    }
  }
}

/** The columns of a stream's files: the schema's properties in order, then the added columns. */
export function streamColumns(schema: JsonSchemaObject): Column[] {
  const columns: Column[] = Object.entries(schema.properties).map(([name, node]) => ({ name, type: columnType(node) }));
  for (const added of ADDED_COLUMNS) {
    if (schema.properties[added.name] !== undefined) throw new Error(`the stream schema may not define the reserved column '${added.name}'`);
  }
  return [...columns, ...ADDED_COLUMNS.map(({ name, type }) => ({ name, type }))];
}

/** A short, stable hash of a column list: the manifest records it so loaders notice schema changes. */
export function columnsHash(columns: readonly Column[]): string {
  return createHash("sha256").update(JSON.stringify(columns)).digest("hex").slice(0, 16);
}

/** The column type as SQL-ish text (`STRUCT(gid VARCHAR, ...)[]`), for manifests and docs. */
export function describeType(type: ColumnType): string {
  switch (type.kind) {
    case "string":
      return "VARCHAR";
    case "json":
      return "JSON";
    case "timestamp":
      return "TIMESTAMP WITH TIME ZONE";
    case "date":
      return "DATE";
    case "boolean":
      return "BOOLEAN";
    case "int64":
      return "BIGINT";
    case "double":
      return "DOUBLE";
    case "struct":
      return `STRUCT(${type.fields.map((f) => `${JSON.stringify(f.name)} ${describeType(f.type)}`).join(", ")})`;
    case "list":
      return `${describeType(type.element)}[]`;
  }
}
