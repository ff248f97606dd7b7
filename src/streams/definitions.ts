// The streams, as data: a schema file, keys, cursor and the opt-in fields (the export filters that
// apply to each type live in config). Adding a resource type is a schema file plus one entry in STREAM_SPECS.
import { ConfigError, ConnectorError } from "../core/errors.js";
import { baseType, deepFreeze, type JsonSchemaObject } from "./json-schema.js";
import { loadStreamSchema } from "./schema-files.js";

/** Stream names, in catalog order. */
export const STREAM_NAMES = ["tasks", "teams", "messages"] as const;
/** A stream name. */
export type StreamName = (typeof STREAM_NAMES)[number];
/** An Asana export resource type. */
export type ResourceType = "task" | "team" | "message";

/** One stream: everything discovery, field selection, routing and validation need to know. */
export interface StreamDefinition {
  readonly name: StreamName;
  readonly resourceType: ResourceType;
  readonly primaryKey: readonly ["gid"];
  /** The incremental cursor; undefined for full-refresh-only streams. */
  readonly cursorField: "modified_at" | undefined;
  readonly supportsIncremental: boolean;
  /** The record schema from schemas/<name>.json, deep-frozen. */
  readonly schema: JsonSchemaObject;
  /** Top-level fields the export returns without a `fields` list, in schema order. */
  readonly defaultFields: readonly string[];
  /** Top-level fields returned only when named in `fields`, in schema order. */
  readonly optInFields: readonly string[];
}

/** What a stream declares; the rest is derived from its schema. */
export interface StreamSpec {
  readonly name: StreamName;
  readonly resourceType: ResourceType;
  readonly cursorField: "modified_at" | undefined;
  readonly optInFields: readonly string[];
}

/** The declarations of every stream (ASANA_EXPORT_API.md: opt-in fields). */
export const STREAM_SPECS: readonly StreamSpec[] = deepFreeze([
  {
    name: "tasks",
    resourceType: "task",
    cursorField: "modified_at",
    optInFields: [
      "created_by", "dependencies", "dependents", "external", "html_notes", "is_rendered_as_separator",
      "num_subtasks", "assigned_by",
    ],
  },
  { name: "teams", resourceType: "team", cursorField: undefined, optInFields: ["description", "html_description"] },
  {
    name: "messages",
    resourceType: "message",
    cursorField: "modified_at",
    optInFields: ["html_notes"],
  },
]);

/** Build a definition from its spec and schema, checking that they agree. */
export function defineStream(spec: StreamSpec, schema: JsonSchemaObject): StreamDefinition {
  const fields = Object.keys(schema.properties);
  const problem = (message: string): ConnectorError =>
    new ConnectorError(`stream '${spec.name}': ${message}`, { code: "SCHEMA_INVALID", failureType: "system_error" });
  for (const key of ["gid", "resource_type"]) {
    if (!schema.required.includes(key)) throw problem(`the schema must require '${key}'`);
  }
  for (const field of spec.optInFields) {
    if (!fields.includes(field)) throw problem(`opt-in field '${field}' is not in the schema`);
  }
  if (spec.cursorField !== undefined) {
    const cursor = schema.properties[spec.cursorField];
    if (cursor === undefined || baseType(cursor.type) !== "string" || cursor.format !== "date-time") {
      throw problem(`cursor '${spec.cursorField}' must be a date-time property of the schema`);
    }
  }
  return deepFreeze({
    name: spec.name,
    resourceType: spec.resourceType,
    primaryKey: ["gid"] as const,
    cursorField: spec.cursorField,
    supportsIncremental: spec.cursorField !== undefined,
    schema,
    defaultFields: fields.filter((f) => !spec.optInFields.includes(f)),
    optInFields: fields.filter((f) => spec.optInFields.includes(f)),
  });
}

/** Every stream, in catalog order, with schemas loaded from the package's schemas/ folder. */
export const STREAMS: readonly StreamDefinition[] = Object.freeze(
  STREAM_SPECS.map((spec) => defineStream(spec, loadStreamSchema(spec.name))),
);

const byName = new Map<string, StreamDefinition>(STREAMS.map((s) => [s.name, s]));

/** The stream with this name, or a ConfigError naming it (`where` says which input) and the valid names. */
export function requireStream(name: string, where: string): StreamDefinition {
  const stream = byName.get(name);
  if (stream !== undefined) return stream;
  throw new ConfigError(
    `${where} names stream '${name}', which this source does not have; valid streams: ${STREAM_NAMES.join(", ")}`,
    "UNKNOWN_STREAM",
  );
}
