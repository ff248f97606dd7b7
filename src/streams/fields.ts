// Field selection: which top-level fields a sync wants (Airbyte column selection, Singer metadata,
// --streams) and the schema of the records it yields. needs.ts turns a selection into the export's
// `fields` list.
//
// Semantics: no selection (undefined) means the stream's default fields (for the export's own types,
// Asana's defaults: no `fields` list is sent). A selection is a list of top-level schema fields; the
// key, resource_type, the cursor and a child row's parent columns are always added. When it equals the
// default set, no `fields` list is sent either; otherwise the list names every selected field, opt-ins
// included, expanded to dotted leaf paths (`assignee.name`), because under opt_fields rules naming
// `assignee` alone returns only its gid.
import { ConfigError } from "../core/errors.js";
import type { StreamDefinition } from "./definitions.js";
import { baseType, type JsonSchemaNode, type JsonSchemaObject } from "./json-schema.js";

/**
 * Fields always exported and emitted, whatever the selection: they carry identity, routing and state
 * (the key, resource_type, the cursor, and a child row's parent columns), in schema order.
 */
export function alwaysSelected(stream: StreamDefinition): string[] {
  const always = new Set([...stream.primaryKey, "resource_type", ...(stream.cursorField === undefined ? [] : [stream.cursorField])]);
  if (stream.source.kind === "children") for (const column of Object.values(stream.source.parentColumns)) always.add(column);
  return Object.keys(stream.schema.properties).filter((field) => always.has(field));
}

/**
 * The top-level fields a selection amounts to, in schema order: the defaults when `selected` is
 * undefined, else the selection plus gid, resource_type and the cursor. Unknown names are a ConfigError.
 */
export function normalizeSelection(stream: StreamDefinition, selected?: readonly string[]): string[] {
  if (selected === undefined) return [...stream.defaultFields];
  const known = Object.keys(stream.schema.properties);
  const unknown = selected.filter((field) => !known.includes(field));
  if (unknown.length > 0) {
    const names = unknown.map((f) => `'${f}'`).join(", ");
    throw new ConfigError(
      `field ${names} selected for stream '${stream.name}' ${unknown.length === 1 ? "is" : "are"} not in its schema ` +
        `(run discover again, or choose from: ${known.join(", ")})`,
      "UNKNOWN_FIELD",
    );
  }
  const wanted = new Set([...alwaysSelected(stream), ...selected]);
  return known.filter((field) => wanted.has(field));
}

/** The dotted leaf paths under one field (`assignee` -> `assignee.gid`, `assignee.resource_type`, `assignee.name`). */
export function leafPaths(path: string, node: JsonSchemaNode, out: string[] = []): string[] {
  const inner = baseType(node.type) === "array" ? node.items : node;
  const properties = inner !== undefined && baseType(inner.type) === "object" ? inner.properties : undefined;
  if (properties === undefined || Object.keys(properties).length === 0) {
    out.push(path);
    return out;
  }
  for (const [key, child] of Object.entries(properties)) leafPaths(`${path}.${key}`, child, out);
  return out;
}

/** The stream's JSON Schema limited to the fields of a selection (see normalizeSelection). */
export function projectRecordSchema(stream: StreamDefinition, selected?: readonly string[]): JsonSchemaObject {
  const fields = normalizeSelection(stream, selected);
  const properties: Record<string, JsonSchemaNode> = {};
  for (const field of fields) {
    const node = stream.schema.properties[field];
    if (node !== undefined) properties[field] = node;
  }
  return {
    ...stream.schema,
    required: stream.schema.required.filter((field) => fields.includes(field)),
    properties,
  };
}

/**
 * A schema with a destination type's deletion column (a nullable date-time, DESIGN.md "deletions"),
 * for the streams whose deletions are reported: the incremental ones. Others come back unchanged.
 */
export function withDeletionColumn(stream: StreamDefinition, schema: JsonSchemaObject, column: string): JsonSchemaObject {
  if (!stream.supportsIncremental) return schema;
  return { ...schema, properties: { ...schema.properties, [column]: { type: ["null", "string"], format: "date-time" } } };
}
