import { describe, expect, it } from "vitest";
import { baseType, requireStream, type JsonSchemaNode } from "../../src/streams/index.js";

/** The export's own types, whose schemas copy Asana's (the derived streams' are checked in derived-schemas.test.ts). */
const RESOURCE_STREAMS = ["tasks", "teams", "messages"] as const;
type StreamName = (typeof RESOURCE_STREAMS)[number];
import { admitsNull, nonNullType } from "../helpers/json-schema.js";
import { nodeAt, propertyNames, rawSchema } from "./helpers.js";

const NODE_KEYWORDS = new Set(["type", "description", "format", "properties", "items", "required", "additionalProperties"]);
const TOP_KEYWORDS = new Set([...NODE_KEYWORDS, "$schema"]);
const TYPES = ["string", "number", "integer", "boolean", "object", "array"];

/** Walk a raw schema node; report anything Airbyte or our Parquet typing would not take. */
function walk(node: unknown, path: string, top: boolean, problems: string[], isProperty: boolean): void {
  if (typeof node !== "object" || node === null || Array.isArray(node)) {
    problems.push(`${path}: not an object`);
    return;
  }
  const record = node as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(top ? TOP_KEYWORDS : NODE_KEYWORDS).has(key)) problems.push(`${path}: keyword '${key}' is not allowed`);
  }
  const type = record["type"];
  const typeOk =
    (typeof type === "string" && TYPES.includes(type)) ||
    (Array.isArray(type) && type.length === 1 && TYPES.includes(String(type[0]))) ||
    (Array.isArray(type) && type.length === 2 && type[0] === "null" && TYPES.includes(String(type[1])));
  if (!typeOk) problems.push(`${path}: type ${JSON.stringify(type)} is not T, [T] or ["null", T]`);
  if (isProperty && (typeof record["description"] !== "string" || record["description"] === "")) {
    problems.push(`${path}: has no description`);
  }
  const base = Array.isArray(type) ? type[type.length - 1] : type;
  if (base === "array" && record["items"] === undefined) problems.push(`${path}: array without items`);
  if (base === "object" && !top && record["properties"] === undefined) problems.push(`${path}: object without properties`);
  const properties = record["properties"];
  if (properties !== undefined) {
    for (const [key, child] of Object.entries(properties as Record<string, unknown>)) {
      walk(child, `${path}.${key}`, false, problems, true);
    }
  }
  if (record["items"] !== undefined) walk(record["items"], `${path}[]`, false, problems, false);
}

/** Every property path in a schema, `[]` marking array items. */
function allPaths(node: JsonSchemaNode | { properties: Record<string, JsonSchemaNode> }, prefix = ""): [string, JsonSchemaNode][] {
  const out: [string, JsonSchemaNode][] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    out.push([path, child]);
    const inner = child.items ?? child;
    if (inner.properties !== undefined) out.push(...allPaths(inner, child.items ? `${path}[]` : path));
  }
  return out;
}

const schemaOf = (name: StreamName) => requireStream(name, "test").schema;


// Field names extracted by hand from asana/task_team_schemas.yaml and ASANA_EXPORT_API.md.
const DOCUMENTED: Record<StreamName, string[]> = {
  tasks: [
    // TaskCompact
    "gid", "resource_type", "name", "resource_subtype", "created_by",
    // TaskBase
    "approval_status", "assignee_status", "assigned_by", "completed", "completed_at", "completed_by", "created_at",
    // (the deprecated hearted, hearts and num_hearts are left out: the export does not list them)
    "dependencies", "dependents", "due_at", "due_on", "external", "html_notes",
    "is_rendered_as_separator", "liked", "likes", "memberships", "modified_at", "notes", "num_likes",
    "num_subtasks", "start_at", "start_on", "actual_time_minutes",
    // TaskResponse
    "assignee", "assignee_section", "custom_fields", "custom_type", "custom_type_status_option", "followers", "parent",
    "projects", "tags", "workspace", "permalink_url",
    // export only
    "attachments", "stories",
  ],
  teams: [
    "gid", "resource_type", "name", "description", "html_description", "organization", "permalink_url", "visibility",
    "edit_team_name_or_description_access_level", "edit_team_visibility_or_trash_team_access_level",
    "member_invite_management_access_level", "guest_invite_management_access_level",
    "join_request_management_access_level", "team_member_removal_access_level", "team_content_management_access_level",
    "endorsed", "custom_field_settings", "members",
  ],
  messages: [
    "gid", "resource_type", "resource_subtype", "status_type", "created_by", "created_at", "modified_at", "title", "text",
    "num_likes", "likes", "followers", "parents", "stories", "attachments", "html_notes",
  ],
};

const NULLABLE_TOP: Record<StreamName, string[]> = {
  tasks: [
    "assigned_by", "completed_at", "completed_by", "due_at", "due_on", "start_at", "start_on", "actual_time_minutes",
    "assignee", "assignee_section", "custom_type", "custom_type_status_option", "parent",
    // documented as returned only when set or opted in; opted in and unset, it is null
    "external",
  ],
  teams: [],
  messages: ["status_type"],
};

const CUSTOM_FIELD_VALUE = [
  "gid", "resource_type", "name", "type", "enum_options", "enabled", "representation_type", "id_prefix",
  "input_restrictions", "is_formula_field", "date_value", "enum_value", "multi_enum_values", "number_value", "text_value",
  "display_value", "description", "precision", "format", "currency_code", "custom_label", "custom_label_position",
  "is_global_to_workspace", "has_notifications_enabled", "asana_created_field", "is_value_read_only", "created_by",
  "people_value", "reference_value", "html_text_value", "privacy_setting", "default_access_level", "resource_subtype",
];
const CUSTOM_FIELD_NULLABLE = [
  "id_prefix", "date_value", "enum_value", "number_value", "text_value", "display_value", "currency_code", "custom_label",
  "custom_label_position", "asana_created_field", "created_by", "html_text_value",
];

describe("the schema walker", () => {
  it("flags composition keywords, enums, bad type forms, missing descriptions and items", () => {
    const problems: string[] = [];
    const bad = {
      $schema: "x",
      type: "object",
      properties: {
        a: { $ref: "#/definitions/a", type: "string", description: "a" },
        b: { type: ["string", "null"], description: "b" },
        c: { type: "string", enum: ["x"], description: "c" },
        d: { type: "array", description: "d" },
        e: { type: "string" },
        f: { anyOf: [], type: "string", description: "f" },
      },
    };
    walk(bad, "bad", true, problems, false);
    expect(problems).toEqual([
      "bad.a: keyword '$ref' is not allowed",
      'bad.b: type ["string","null"] is not T, [T] or ["null", T]',
      "bad.c: keyword 'enum' is not allowed",
      "bad.d: array without items",
      "bad.e: has no description",
      "bad.f: keyword 'anyOf' is not allowed",
    ]);
  });
});

describe.each(RESOURCE_STREAMS)("schemas/%s.json", (name) => {
  it("is a draft-07 object schema open to new fields, requiring gid and resource_type", () => {
    const raw = rawSchema(name) as Record<string, unknown>;
    expect(raw["$schema"]).toBe("http://json-schema.org/draft-07/schema#");
    expect(raw["type"]).toBe("object");
    expect(raw["additionalProperties"]).toBe(true);
    expect(raw["required"]).toEqual(["gid", "resource_type"]);
  });

  it("uses only allowed keywords and type forms, and describes every field", () => {
    const problems: string[] = [];
    walk(rawSchema(name), name, true, problems, false);
    expect(problems).toEqual([]);
    expect(JSON.stringify(rawSchema(name))).not.toMatch(/"(\$ref|allOf|anyOf|oneOf|not|enum|const)"\s*:/);
  });

  it("has exactly the documented top-level fields", () => {
    expect(propertyNames(schemaOf(name)).sort()).toEqual([...DOCUMENTED[name]].sort());
  });

  it("makes exactly the documented top-level fields nullable", () => {
    const nullable = Object.entries(schemaOf(name).properties).filter(([, node]) => admitsNull(node.type)).map(([k]) => k);
    expect(nullable.sort()).toEqual([...NULLABLE_TOP[name]].sort());
  });

  it("is read by the connector's baseType as JSON Schema reads it, at every depth", () => {
    for (const [path, node] of allPaths(schemaOf(name))) {
      expect({ path, type: baseType(node.type) }).toEqual({ path, type: nonNullType(node.type) });
    }
  });

  it("types date-times and dates by name: *_at is date-time, *_on is date, at every depth", () => {
    for (const [path, node] of allPaths(schemaOf(name))) {
      const leaf = path.split(".").pop() ?? "";
      if (leaf.endsWith("_at")) expect({ path, format: node.format }).toEqual({ path, format: "date-time" });
      if (leaf.endsWith("_on")) expect({ path, format: node.format }).toEqual({ path, format: "date" });
    }
  });

  it("gives compact references gid, resource_type and name", () => {
    const compacts: Record<StreamName, string[]> = {
      tasks: [
        "assignee", "assigned_by", "completed_by", "followers[]", "projects[]", "tags[]", "workspace", "parent",
        "memberships[].project", "memberships[].section", "assignee_section", "custom_type", "likes[].user",
        "custom_fields[].people_value[]", "custom_fields[].reference_value[]", "stories[].created_by",
      ],
      teams: ["organization", "members[]", "custom_field_settings[].parent"],
      messages: ["created_by", "followers[]", "parents[]", "likes[].user", "attachments[].parent"],
    };
    for (const path of compacts[name]) {
      expect({ path, fields: propertyNames(schemaOf(name), path).slice(0, 3) }).toEqual({
        path,
        fields: ["gid", "resource_type", "name"],
      });
      expect(nonNullType(nodeAt(schemaOf(name), path).type)).toBe("object");
    }
  });
});

describe("nested shapes", () => {
  const tasks = schemaOf("tasks");

  it("custom field values carry every documented field, with documented nullability", () => {
    expect(propertyNames(tasks, "custom_fields[]").sort()).toEqual([...CUSTOM_FIELD_VALUE].sort());
    const nullable = Object.entries(nodeAt(tasks, "custom_fields[]").properties ?? {})
      .filter(([, node]) => admitsNull(node.type))
      .map(([k]) => k);
    expect(nullable.sort()).toEqual([...CUSTOM_FIELD_NULLABLE].sort());
    expect(propertyNames(tasks, "custom_fields[].enum_value")).toEqual(["gid", "resource_type", "name", "enabled", "color"]);
    expect(propertyNames(tasks, "custom_fields[].multi_enum_values[]")).toEqual(["gid", "resource_type", "name", "enabled", "color"]);
    expect(propertyNames(tasks, "custom_fields[].date_value")).toEqual(["date", "date_time"]);
    expect(nodeAt(tasks, "custom_fields[].date_value.date").format).toBe("date");
    expect(nodeAt(tasks, "custom_fields[].date_value.date_time")).toMatchObject({ type: ["null", "string"], format: "date-time" });
    expect(nodeAt(tasks, "custom_fields[].number_value").type).toEqual(["null", "number"]);
  });

  it("attachments are exported without download_url and view_url", () => {
    for (const name of ["tasks", "messages"] as const) {
      const fields = propertyNames(schemaOf(name), "attachments[]");
      expect(fields).toEqual(expect.arrayContaining(["gid", "resource_type", "name", "created_at", "host", "parent", "size"]));
      expect(fields).not.toContain("download_url");
      expect(fields).not.toContain("view_url");
    }
  });

  it("stories carry the story compact fields and likes", () => {
    expect(propertyNames(tasks, "stories[]")).toEqual(
      expect.arrayContaining(["gid", "resource_type", "created_at", "created_by", "resource_subtype", "text", "type", "likes"]),
    );
  });

  it("dependencies are gid references, likes are {gid, user}, external is {gid, data}", () => {
    expect(propertyNames(tasks, "dependencies[]")).toEqual(["gid", "resource_type"]);
    expect(propertyNames(tasks, "dependents[]")).toEqual(["gid", "resource_type"]);
    expect(propertyNames(tasks, "likes[]")).toEqual(["gid", "user"]);
    expect(propertyNames(tasks, "external")).toEqual(["gid", "data"]);
  });

  it("numbers and integers as documented", () => {
    expect(nodeAt(tasks, "num_likes").type).toBe("integer");
    expect(nodeAt(tasks, "num_subtasks").type).toBe("integer");
    expect(nodeAt(tasks, "actual_time_minutes").type).toEqual(["null", "number"]);
    expect(nodeAt(schemaOf("messages"), "num_likes").type).toBe("integer");
  });

  it("documented enums are listed in descriptions, not enforced", () => {
    expect(nodeAt(tasks, "resource_subtype").description).toContain("default_task, milestone, approval, custom");
    expect(nodeAt(schemaOf("teams"), "visibility").description).toContain("secret, request_to_join, public");
    expect(nodeAt(schemaOf("messages"), "status_type").description).toContain("on_track");
  });
});
