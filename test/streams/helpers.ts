// Shared test helpers for test/streams: raw schema files, schema navigation, and sample records.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot, type JsonSchemaNode } from "../../src/streams/index.js";
import type { StreamName } from "../../src/streams/definitions.js";

/** The raw parsed JSON of schemas/<name>.json, as on disk (not through our zod model). */
export function rawSchema(name: StreamName): unknown {
  return JSON.parse(readFileSync(join(packageRoot(), "schemas", `${name}.json`), "utf8"));
}

type HasProperties = { properties?: Record<string, JsonSchemaNode> | undefined };

/** The node at a path like `custom_fields[].enum_value` ("[]" steps into array items). */
export function nodeAt(schema: HasProperties, path: string): JsonSchemaNode {
  let current: HasProperties & { items?: JsonSchemaNode | undefined } = schema;
  let found: JsonSchemaNode | undefined;
  for (const part of path.split(".")) {
    const isArray = part.endsWith("[]");
    const key = isArray ? part.slice(0, -2) : part;
    found = current.properties?.[key];
    if (found === undefined) throw new Error(`no property '${key}' on the way to '${path}'`);
    if (isArray) {
      if (found.items === undefined) throw new Error(`'${key}' has no items on the way to '${path}'`);
      found = found.items;
    }
    current = found;
  }
  if (found === undefined) throw new Error(`empty path`);
  return found;
}

/** Property names of the node at a path (or of the schema itself for ""). */
export function propertyNames(schema: HasProperties, path = ""): string[] {
  const node = path === "" ? schema : nodeAt(schema, path);
  return Object.keys(node.properties ?? {});
}

const user = (gid: string) => ({ gid, resource_type: "user", name: `User ${gid}` });

/** A task as the export could return it with every field present. */
export function sampleTask(): Record<string, unknown> {
  return {
    gid: "1201",
    resource_type: "task",
    name: "Buy catnip",
    resource_subtype: "default_task",
    created_by: { gid: "11", resource_type: "user" },
    approval_status: "pending",
    assignee_status: "upcoming",
    assigned_by: null,
    completed: false,
    completed_at: null,
    completed_by: null,
    created_at: "2012-02-22T02:06:58.147Z",
    dependencies: [{ gid: "1202", resource_type: "task" }],
    dependents: [],
    due_at: null,
    due_on: "2019-09-15",
    external: { gid: "my_gid", data: "blob" },
    html_notes: "<body>Mittens</body>",
    is_rendered_as_separator: false,
    liked: true,
    likes: [{ gid: "77", user: user("11") }],
    memberships: [
      {
        project: { gid: "5", resource_type: "project", name: "Stuff" },
        section: { gid: "6", resource_type: "section", name: "Next" },
      },
    ],
    modified_at: "2012-02-23T02:06:58.147Z",
    notes: "Mittens really likes the stuff from Humboldt.",
    num_likes: 1,
    num_subtasks: 3,
    start_at: null,
    start_on: null,
    actual_time_minutes: 200.5,
    assignee: user("12"),
    assignee_section: null,
    custom_fields: [
      {
        gid: "31",
        resource_type: "custom_field",
        name: "Priority",
        type: "enum",
        resource_subtype: "enum",
        enabled: true,
        enum_options: [{ gid: "41", resource_type: "enum_option", name: "Low", enabled: true, color: "blue" }],
        enum_value: { gid: "41", resource_type: "enum_option", name: "Low", enabled: true, color: "blue" },
        multi_enum_values: [],
        number_value: null,
        text_value: null,
        date_value: { date: "2024-08-23", date_time: null },
        people_value: [user("13")],
        reference_value: [{ gid: "9", resource_type: "project", name: "P" }],
        display_value: "Low",
        precision: 2,
        created_by: null,
      },
    ],
    custom_type: null,
    custom_type_status_option: null,
    followers: [user("11")],
    parent: null,
    projects: [{ gid: "5", resource_type: "project", name: "Stuff" }],
    tags: [{ gid: "8", resource_type: "tag", name: "Grade A" }],
    workspace: { gid: "1", resource_type: "workspace", name: "Acme" },
    permalink_url: "https://app.asana.com/1/1/task/1201",
    attachments: [
      {
        gid: "51",
        resource_type: "attachment",
        name: "Screenshot.png",
        resource_subtype: "asana",
        created_at: "2012-02-22T02:06:58.147Z",
        permanent_url: null,
        host: "asana",
        parent: { gid: "1201", resource_type: "task", name: "Buy catnip", resource_subtype: "default_task" },
        size: 12345,
      },
    ],
    stories: [
      {
        gid: "61",
        resource_type: "story",
        created_at: "2012-02-22T02:06:58.147Z",
        created_by: user("11"),
        resource_subtype: "comment_added",
        type: "comment",
        text: "Looks good",
        sticker_name: null,
        old_dates: { start_on: null, due_at: null, due_on: "2019-09-15" },
        new_number_value: 5.2,
      },
    ],
  };
}

/** A team as the export could return it. */
export function sampleTeam(): Record<string, unknown> {
  return {
    gid: "2001",
    resource_type: "team",
    name: "Marketing",
    description: "All developers",
    html_description: "<body>All developers</body>",
    organization: { gid: "1", resource_type: "workspace", name: "Acme" },
    permalink_url: "https://app.asana.com/0/resource/2001/list",
    visibility: "public",
    edit_team_name_or_description_access_level: "all_team_members",
    team_content_management_access_level: "no_restriction",
    endorsed: false,
    custom_field_settings: [
      {
        gid: "71",
        resource_type: "custom_field_setting",
        is_important: true,
        parent: { gid: "5", resource_type: "project", name: "Stuff" },
        custom_field: { gid: "31", resource_type: "custom_field", name: "Priority", resource_subtype: "enum" },
      },
    ],
    members: [user("11"), user("12")],
  };
}

/** A status-update message as the export could return it. */
export function sampleMessage(): Record<string, unknown> {
  return {
    gid: "3001",
    resource_type: "message",
    resource_subtype: "status_update",
    status_type: "on_track",
    created_by: user("11"),
    created_at: "2024-01-01T00:00:00Z",
    modified_at: "2024-01-02T00:00:00.000Z",
    title: "Status Update - Jun 15",
    text: "Moving forward",
    html_notes: "<body>Moving forward</body>",
    num_likes: 0,
    likes: [],
    followers: [user("11")],
    parents: [{ gid: "5", resource_type: "project", name: "Stuff" }],
    stories: [],
    attachments: [],
  };
}
