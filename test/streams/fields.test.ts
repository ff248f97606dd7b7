import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { exportFieldList, normalizeSelection, parentNeeds, projectRecordSchema, requireStream, type StreamDefinition } from "../../src/streams/index.js";
import { leafPaths } from "../../src/streams/fields.js";
import { resourceStream } from "../../src/sync/plan.js";

/** The `fields` of an export of this stream alone, as the sync plans it. */
function exportFields(stream: StreamDefinition, selected?: readonly string[]): string[] | undefined {
  const [need] = [...parentNeeds(stream, selected, resourceStream).values()];
  if (need === undefined) throw new Error("no need");
  return exportFieldList(stream, need);
}

const tasks = requireStream("tasks", "test");
const teams = requireStream("teams", "test");
const messages = requireStream("messages", "test");
const allFields = (s: StreamDefinition) => Object.keys(s.schema.properties);

describe("exportFields", () => {
  it("sends no fields list without a selection, or when the selection is the default set", () => {
    expect(exportFields(tasks)).toBeUndefined();
    expect(exportFields(tasks, tasks.defaultFields)).toBeUndefined();
    expect(exportFields(teams, [...teams.defaultFields].reverse())).toBeUndefined();
    // gid, resource_type and the cursor are added anyway, so leaving them out changes nothing.
    const withoutKeys = messages.defaultFields.filter((f) => !["gid", "resource_type", "modified_at"].includes(f));
    expect(exportFields(messages, withoutKeys)).toBeUndefined();
  });

  it("always leads with gid, resource_type and the cursor", () => {
    expect(exportFields(tasks, ["name"])).toEqual(["gid", "resource_type", "modified_at", "name"]);
    expect(exportFields(tasks, [])).toEqual(["gid", "resource_type", "modified_at"]);
    expect(exportFields(teams, ["name"])).toEqual(["gid", "resource_type", "name"]);
    expect(exportFields(messages, ["title", "text"])).toEqual(["gid", "resource_type", "modified_at", "title", "text"]);
  });

  it("expands nested objects to dotted leaf paths, so compact objects keep their names", () => {
    expect(exportFields(tasks, ["assignee", "memberships"])).toEqual([
      "gid", "resource_type", "modified_at",
      // schema order: memberships comes before assignee
      "memberships.project.gid", "memberships.project.resource_type", "memberships.project.name",
      "memberships.section.gid", "memberships.section.resource_type", "memberships.section.name",
      "assignee.gid", "assignee.resource_type", "assignee.name",
    ]);
    const custom = exportFields(tasks, ["custom_fields"]) ?? [];
    expect(custom).toEqual(
      expect.arrayContaining([
        "custom_fields.text_value", "custom_fields.number_value", "custom_fields.display_value",
        "custom_fields.enum_value.gid", "custom_fields.enum_value.name", "custom_fields.enum_value.color", "custom_fields.enum_value.enabled",
        "custom_fields.multi_enum_values.name", "custom_fields.date_value.date", "custom_fields.date_value.date_time",
        "custom_fields.people_value.name", "custom_fields.reference_value.name", "custom_fields.input_restrictions",
      ]),
    );
    expect(custom).not.toContain("custom_fields");
    expect(custom).not.toContain("custom_fields.enum_value");
  });

  it("selecting every field names defaults and opt-ins explicitly", () => {
    const fields = exportFields(tasks, allFields(tasks)) ?? [];
    const topLevel = new Set(fields.map((path) => path.split(".")[0]));
    expect([...topLevel].sort()).toEqual([...allFields(tasks)].sort());
    for (const optIn of ["html_notes", "num_subtasks", "is_rendered_as_separator"]) expect(fields).toContain(optIn);
    for (const optIn of ["created_by.gid", "assigned_by.name", "dependencies.gid", "dependents.gid", "external.data"]) {
      expect(fields).toContain(optIn);
    }
    expect(new Set(fields).size).toBe(fields.length);
    expect(exportFields(teams, allFields(teams))).toEqual(expect.arrayContaining(["description", "html_description", "members.name"]));
    expect(exportFields(messages, allFields(messages))).toContain("html_notes");
  });

  it("one opt-in on top of the defaults names every default too", () => {
    const fields = exportFields(messages, [...messages.defaultFields, "html_notes"]) ?? [];
    const topLevel = new Set(fields.map((path) => path.split(".")[0]));
    expect([...topLevel].sort()).toEqual([...allFields(messages)].sort());
  });

  it("refuses unknown fields, naming them and the stream", () => {
    expect(() => exportFields(tasks, ["name", "colour"])).toThrow(ConfigError);
    expect(() => exportFields(tasks, ["name", "colour"])).toThrow(/^field 'colour' selected for stream 'tasks' is not in its schema/);
    expect(() => exportFields(teams, ["a", "b"])).toThrow(/^field 'a', 'b' selected for stream 'teams' are not in its schema/);
    expect(() => exportFields(teams, ["assignee.name"])).toThrow("'assignee.name'");
  });
});

describe("leafPaths", () => {
  it("stops at scalars and arrays of scalars", () => {
    expect(leafPaths("name", { type: "string" })).toEqual(["name"]);
    expect(leafPaths("xs", { type: "array", items: { type: "string" } })).toEqual(["xs"]);
    expect(leafPaths("o", { type: ["null", "object"], properties: { a: { type: "integer" }, b: { type: "object", properties: {} } } }))
      .toEqual(["o.a", "o.b"]);
  });
});

describe("normalizeSelection", () => {
  it("returns the defaults without a selection, else the selection plus keys and cursor in schema order", () => {
    expect(normalizeSelection(tasks)).toEqual([...tasks.defaultFields]);
    expect(normalizeSelection(tasks, ["notes", "name"])).toEqual(["gid", "resource_type", "name", "modified_at", "notes"]);
    expect(normalizeSelection(teams, [])).toEqual(["gid", "resource_type"]);
  });
});

describe("projectRecordSchema", () => {
  it("keeps only the selected fields, with gid, resource_type and the cursor", () => {
    const schema = projectRecordSchema(tasks, ["name", "assignee"]);
    expect(Object.keys(schema.properties)).toEqual(["gid", "resource_type", "name", "modified_at", "assignee"]);
    expect(schema.properties["assignee"]).toEqual(tasks.schema.properties["assignee"]);
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.additionalProperties).toBe(true);
    expect(schema.required).toEqual(["gid", "resource_type"]);
  });

  it("describes the default fields without a selection, and leaves the definition untouched", () => {
    const schema = projectRecordSchema(teams);
    expect(Object.keys(schema.properties)).toEqual([...teams.defaultFields]);
    expect(Object.keys(teams.schema.properties)).toContain("description");
  });
});
