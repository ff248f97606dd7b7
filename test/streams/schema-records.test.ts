// The stream schemas against sample records, judged by ajv (an independent validator).
import { describe, expect, it } from "vitest";
import { projectRecordSchema, requireStream } from "../../src/streams/index.js";
import { schemaProblems } from "../helpers/json-schema.js";
import { sampleMessage, sampleTask, sampleTeam } from "./helpers.js";

const tasks = requireStream("tasks", "test");
const teams = requireStream("teams", "test");
const messages = requireStream("messages", "test");

describe("stream schemas and records", () => {
  it("accept complete sample records of every stream", () => {
    expect(schemaProblems(tasks.schema, sampleTask())).toEqual([]);
    expect(schemaProblems(teams.schema, sampleTeam())).toEqual([]);
    expect(schemaProblems(messages.schema, sampleMessage())).toEqual([]);
  });

  it("accept enum values Asana has not documented yet (no enum keyword)", () => {
    expect(schemaProblems(tasks.schema, { ...sampleTask(), resource_subtype: "brand_new_subtype", approval_status: "escalated" })).toEqual([]);
    expect(schemaProblems(teams.schema, { ...sampleTeam(), visibility: "members_only" })).toEqual([]);
    expect(schemaProblems(messages.schema, { ...sampleMessage(), status_type: "paused" })).toEqual([]);
  });

  it("refuse wrong types, nulls where none is documented, and bad date formats, at their paths", () => {
    const task = {
      ...sampleTask(),
      name: null,
      num_likes: 1.5,
      due_on: "2019-09-15T00:00:00Z",
      completed_at: "soon",
      assignee: { gid: 5, resource_type: "user", name: "A" },
      followers: "everyone",
      custom_fields: [{ gid: "31", number_value: "5", date_value: { date: "2024-02-30", date_time: null } }],
    };
    const paths = schemaProblems(tasks.schema, task).map((p) => p.split(":")[0]);
    expect(new Set(paths)).toEqual(
      new Set([
        "/name",
        "/completed_at",
        "/due_on",
        "/num_likes",
        "/assignee/gid",
        "/custom_fields/0/number_value",
        "/custom_fields/0/date_value/date",
        "/followers",
      ]),
    );
  });

  it("require gid and resource_type", () => {
    expect(schemaProblems(teams.schema, { name: "x" })).toEqual(["/: must have required property 'gid'", "/: must have required property 'resource_type'"]);
  });

  it("a projected schema accepts projected records and still types their fields", () => {
    const schema = projectRecordSchema(tasks, ["name"]);
    expect(Object.keys(schema.properties).sort()).toEqual(["gid", "modified_at", "name", "resource_type"]);
    expect(schemaProblems(schema, { gid: "1", resource_type: "task", modified_at: "2024-01-01T00:00:00Z", name: "n" })).toEqual([]);
    expect(schemaProblems(schema, { gid: "1", resource_type: "task", modified_at: "2024-01-01", name: "n" })).toEqual(["/modified_at: must match format \"date-time\""]);
  });
});
