// The streams, as data: a schema file, a source (sources.ts), keys, cursor and the opt-in fields (the
// export filters that apply to each type live in config). Adding a stream is a schema file plus one
// entry in STREAM_SPECS.
import { ConfigError, ConnectorError } from "../core/errors.js";
import { baseType, deepFreeze, type JsonSchemaObject } from "./json-schema.js";
import { loadStreamSchema } from "./schema-files.js";
import type { StreamSource } from "./sources.js";

/** Stream names, in catalog order: the export's own types first, then the streams unnested from them. */
export const STREAM_NAMES = [
  "tasks",
  "teams",
  "messages",
  "stories",
  "attachments",
  "task_custom_field_values",
  "custom_fields",
  "users",
  "projects",
  "sections",
  "tags",
  "task_memberships",
  "task_tags",
  "task_followers",
  "team_memberships",
] as const;
/** A stream name. */
export type StreamName = (typeof STREAM_NAMES)[number];

/** One stream: everything discovery, field selection, routing and validation need to know. */
export interface StreamDefinition {
  readonly name: StreamName;
  /** Where its rows come from. */
  readonly source: StreamSource;
  /** Columns that identify a row (`gid`, or `task_gid` + `tag_gid` for a join stream). */
  readonly primaryKey: readonly string[];
  /** The incremental cursor (a date-time column); undefined for full-refresh-only streams. */
  readonly cursorField: string | undefined;
  readonly supportsIncremental: boolean;
  /** The record schema from schemas/<name>.json, deep-frozen. */
  readonly schema: JsonSchemaObject;
  /** Top-level fields a sync emits without a selection, in schema order. */
  readonly defaultFields: readonly string[];
  /** Top-level fields emitted only when selected (Asana's opt-in fields), in schema order. */
  readonly optInFields: readonly string[];
}

/** What a stream declares; the rest is derived from its schema. */
export interface StreamSpec {
  readonly name: StreamName;
  readonly source: StreamSource;
  readonly primaryKey: readonly string[];
  readonly cursorField?: string;
  readonly optInFields?: readonly string[];
}

/** The value fields of a custom field: a task's values, not the field's definition. */
const CUSTOM_FIELD_VALUES = [
  "display_value", "text_value", "number_value", "date_value", "enum_value", "multi_enum_values", "people_value",
  "reference_value", "html_text_value",
];

/** The declarations of every stream (ASANA_EXPORT_API.md: opt-in fields; DESIGN.md: streams). */
export const STREAM_SPECS: readonly StreamSpec[] = deepFreeze([
  {
    name: "tasks",
    source: { kind: "resource", resourceType: "task" },
    primaryKey: ["gid"],
    cursorField: "modified_at",
    optInFields: [
      "created_by", "dependencies", "dependents", "external", "html_notes", "is_rendered_as_separator",
      "num_subtasks", "assigned_by",
    ],
  },
  { name: "teams", source: { kind: "resource", resourceType: "team" }, primaryKey: ["gid"], optInFields: ["description", "html_description"] },
  {
    name: "messages",
    source: { kind: "resource", resourceType: "message" },
    primaryKey: ["gid"],
    cursorField: "modified_at",
    optInFields: ["html_notes"],
  },
  {
    name: "stories",
    source: {
      kind: "children",
      parents: ["task", "message"],
      field: "stories",
      parentColumns: { gid: "parent_gid", resourceType: "parent_resource_type", modifiedAt: "parent_modified_at" },
    },
    primaryKey: ["gid"],
    cursorField: "parent_modified_at",
  },
  {
    name: "attachments",
    source: {
      kind: "children",
      parents: ["task", "message"],
      field: "attachments",
      parentColumns: { gid: "parent_gid", resourceType: "parent_resource_type", modifiedAt: "parent_modified_at" },
    },
    primaryKey: ["gid"],
    cursorField: "parent_modified_at",
  },
  {
    name: "task_custom_field_values",
    source: {
      kind: "children",
      parents: ["task"],
      field: "custom_fields",
      parentColumns: { gid: "task_gid", modifiedAt: "task_modified_at" },
      columns: {
        custom_field_gid: "gid",
        custom_field_name: "name",
        resource_subtype: "resource_subtype",
        display_value: "display_value",
        text_value: "text_value",
        number_value: "number_value",
        date_value: "date_value.date",
        date_time_value: "date_value.date_time",
        enum_option_gid: "enum_value.gid",
        enum_option_name: "enum_value.name",
        multi_enum_option_gids: "multi_enum_values[].gid",
        multi_enum_option_names: "multi_enum_values[].name",
        people_gids: "people_value[].gid",
        people_names: "people_value[].name",
        reference_gids: "reference_value[].gid",
      },
    },
    primaryKey: ["task_gid", "custom_field_gid"],
    cursorField: "task_modified_at",
  },
  {
    name: "custom_fields",
    source: { kind: "references", referenceType: "custom_field", scope: "paths", parents: { task: ["custom_fields"] }, omit: CUSTOM_FIELD_VALUES },
    primaryKey: ["gid"],
  },
  // Reference streams hold every reference seen anywhere in the export's lines; `parents` lists where
  // they are looked for when the sync reads a narrow export of every object (in an incremental sync).
  // Every place a user is referenced is listed, stories' authors included: a follower removed (which
  // does not move modified_at) may leave a user referenced only by a comment.
  {
    name: "users",
    source: {
      kind: "references",
      referenceType: "user",
      scope: "anywhere",
      parents: {
        task: ["assignee", "assigned_by", "completed_by", "created_by", "followers", "likes.user", "stories.created_by", "custom_fields.people_value", "custom_fields.created_by"],
        team: ["members"],
        message: ["created_by", "followers", "likes.user", "stories.created_by"],
      },
    },
    primaryKey: ["gid"],
  },
  {
    name: "projects",
    source: {
      kind: "references",
      referenceType: "project",
      scope: "anywhere",
      parents: { task: ["projects", "memberships.project"], team: ["custom_field_settings.project"], message: ["parents"] },
    },
    primaryKey: ["gid"],
  },
  {
    name: "sections",
    source: {
      kind: "references",
      referenceType: "section",
      scope: "anywhere",
      parents: { task: ["memberships.section", "assignee_section"] },
      context: { project_gid: { field: "memberships", match: "section.gid", value: "project.gid" } },
    },
    primaryKey: ["gid"],
  },
  {
    name: "tags",
    source: { kind: "references", referenceType: "tag", scope: "anywhere", parents: { task: ["tags"] } },
    primaryKey: ["gid"],
  },
  {
    name: "task_memberships",
    source: { kind: "pairs", parent: "task", field: "memberships", parentKey: "task_gid", columns: { project_gid: "project.gid", section_gid: "section.gid" } },
    primaryKey: ["task_gid", "project_gid"],
  },
  {
    name: "task_tags",
    source: { kind: "pairs", parent: "task", field: "tags", parentKey: "task_gid", columns: { tag_gid: "gid" } },
    primaryKey: ["task_gid", "tag_gid"],
  },
  {
    name: "task_followers",
    source: { kind: "pairs", parent: "task", field: "followers", parentKey: "task_gid", columns: { user_gid: "gid" } },
    primaryKey: ["task_gid", "user_gid"],
  },
  {
    name: "team_memberships",
    source: { kind: "pairs", parent: "team", field: "members", parentKey: "team_gid", columns: { user_gid: "gid" } },
    primaryKey: ["team_gid", "user_gid"],
  },
]);

/** Build a definition from its spec and schema, checking that they agree. */
export function defineStream(spec: StreamSpec, schema: JsonSchemaObject): StreamDefinition {
  const fields = Object.keys(schema.properties);
  const problem = (message: string): ConnectorError =>
    new ConnectorError(`stream '${spec.name}': ${message}`, { code: "SCHEMA_INVALID", failureType: "system_error" });
  const optIn = spec.optInFields ?? [];
  if (spec.primaryKey.length === 0) throw problem("it needs a primary key");
  for (const key of spec.primaryKey) {
    if (!schema.required.includes(key)) throw problem(`the schema must require its key column '${key}'`);
  }
  if (spec.source.kind === "resource" && !schema.required.includes("resource_type")) throw problem("the schema must require 'resource_type'");
  for (const field of optIn) {
    if (!fields.includes(field)) throw problem(`opt-in field '${field}' is not in the schema`);
  }
  for (const column of declaredColumns(spec.source)) {
    if (!fields.includes(column)) throw problem(`column '${column}' of its source is not in the schema`);
  }
  if (spec.cursorField !== undefined) {
    const cursor = schema.properties[spec.cursorField];
    if (cursor === undefined || baseType(cursor.type) !== "string" || cursor.format !== "date-time") {
      throw problem(`cursor '${spec.cursorField}' must be a date-time property of the schema`);
    }
    const derivedCursor = spec.source.kind === "children" ? spec.source.parentColumns.modifiedAt : "modified_at";
    if (spec.source.kind === "pairs" || spec.source.kind === "references" || spec.cursorField !== derivedCursor) {
      throw problem(`cursor '${spec.cursorField}' must be the parent's modified_at: only resources and their children are incremental`);
    }
  }
  return deepFreeze({
    name: spec.name,
    source: spec.source,
    primaryKey: [...spec.primaryKey],
    cursorField: spec.cursorField,
    supportsIncremental: spec.cursorField !== undefined,
    schema,
    defaultFields: fields.filter((f) => !optIn.includes(f)),
    optInFields: fields.filter((f) => optIn.includes(f)),
  });
}

/** The columns a source fills by itself (parent columns and named element columns). */
function declaredColumns(source: StreamSource): string[] {
  switch (source.kind) {
    case "resource":
      return [];
    case "children":
      return [...Object.values(source.parentColumns), ...Object.keys(source.columns ?? {})];
    case "pairs":
      return [source.parentKey, ...Object.keys(source.columns)];
    case "references":
      return ["gid", "resource_type", ...Object.keys(source.context ?? {})];
  }
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
