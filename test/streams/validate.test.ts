import { describe, expect, it } from "vitest";
import {
  compileRecordCheck,
  isDate,
  isDateTime,
  projectRecordSchema,
  requireStream,
  validateRecord,
  validateValue,
} from "../../src/streams/index.js";
import { sampleMessage, sampleTask, sampleTeam } from "./helpers.js";

const tasks = requireStream("tasks", "test");
const teams = requireStream("teams", "test");
const messages = requireStream("messages", "test");

describe("date formats", () => {
  it("accepts Asana's date-times and real dates only", () => {
    for (const ok of ["2012-02-22T02:06:58.147Z", "2024-01-01T00:00:00Z", "2024-02-29T23:59:59+01:00", "2024-01-01T00:00:00.123456z"]) {
      expect({ ok, valid: isDateTime(ok) }).toEqual({ ok, valid: true });
    }
    for (const bad of ["2024-01-01", "2024-02-30T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01 00:00:00Z", "2024-01-01T00:00:00", ""]) {
      expect({ bad, valid: isDateTime(bad) }).toEqual({ bad, valid: false });
    }
    expect(isDate("2019-09-15")).toBe(true);
    expect(isDate("2023-02-29")).toBe(false);
    expect(isDate("2019-9-15")).toBe(false);
    expect(isDate("2019-09-15T00:00:00Z")).toBe(false);
  });
});

describe("compileRecordCheck (the per-record guard)", () => {
  const checkTasks = compileRecordCheck(tasks);

  it("passes well-formed records, whatever else they carry", () => {
    expect(checkTasks(sampleTask())).toBeUndefined();
    expect(checkTasks({ gid: "1", resource_type: "task", modified_at: "2024-01-01T00:00:00Z", name: 42, surprise: [] })).toBeUndefined();
    expect(compileRecordCheck(teams)(sampleTeam())).toBeUndefined();
    expect(compileRecordCheck(messages)(sampleMessage())).toBeUndefined();
  });

  it("names what protects routing, dedupe and state", () => {
    expect(checkTasks([1])).toBe("record is not a JSON object: [1]");
    expect(checkTasks(null)).toBe("record is not a JSON object: null");
    expect(checkTasks({ resource_type: "task" })).toBe("gid must be a non-empty string, got undefined");
    expect(checkTasks({ gid: 12, resource_type: "task" })).toBe("gid must be a non-empty string, got 12");
    expect(checkTasks({ gid: "", resource_type: "task" })).toBe('gid must be a non-empty string, got ""');
    expect(checkTasks({ gid: "1", resource_type: "team", modified_at: "2024-01-01T00:00:00Z" })).toBe(
      "resource_type must be 'task' for stream 'tasks', got \"team\" (gid 1)",
    );
    expect(checkTasks({ gid: "1", resource_type: "task" })).toBe("modified_at must be an ISO 8601 date-time, got nothing (gid 1)");
    expect(checkTasks({ gid: "1", resource_type: "task", modified_at: null })).toBe(
      "modified_at must be an ISO 8601 date-time, got null (gid 1)",
    );
    expect(checkTasks({ gid: "1", resource_type: "task", modified_at: "yesterday" })).toBe(
      'modified_at must be an ISO 8601 date-time, got "yesterday" (gid 1)',
    );
  });

  it("skips the cursor when not required, and teams have none", () => {
    const fullRefresh = compileRecordCheck(tasks, { requireCursor: false });
    expect(fullRefresh({ gid: "1", resource_type: "task" })).toBeUndefined();
    expect(compileRecordCheck(teams, { requireCursor: true })({ gid: "2", resource_type: "team" })).toBeUndefined();
  });

  it("shortens long values in messages", () => {
    const problem = checkTasks({ gid: "1", resource_type: "task", modified_at: "x".repeat(500) }) ?? "";
    expect(problem.length).toBeLessThan(120);
    expect(problem).toContain("...");
  });
});

describe("validateRecord (full validation, for tests)", () => {
  it("accepts complete sample records of every stream", () => {
    expect(validateRecord(tasks, sampleTask())).toEqual([]);
    expect(validateRecord(teams, sampleTeam())).toEqual([]);
    expect(validateRecord(messages, sampleMessage())).toEqual([]);
  });

  it("accepts enum values Asana has not documented yet", () => {
    expect(validateRecord(tasks, { ...sampleTask(), resource_subtype: "brand_new_subtype", approval_status: "escalated" })).toEqual([]);
    expect(validateRecord(teams, { ...sampleTeam(), visibility: "members_only" })).toEqual([]);
    expect(validateRecord(messages, { ...sampleMessage(), status_type: "paused" })).toEqual([]);
  });

  it("reports type, nullability and format problems with their paths", () => {
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
    expect(validateRecord(tasks, task)).toEqual([
      "$.name: must be string, got null",
      '$.completed_at: must be a date-time, got "soon"',
      '$.due_on: must be a date (YYYY-MM-DD), got "2019-09-15T00:00:00Z"',
      "$.num_likes: must be integer, got 1.5",
      "$.assignee.gid: must be string, got 5",
      '$.custom_fields[0].number_value: must be number or null, got "5"',
      '$.custom_fields[0].date_value.date: must be a date (YYYY-MM-DD), got "2024-02-30"',
      '$.followers: must be array, got "everyone"',
    ]);
  });

  it("checks required keys and honours additionalProperties false", () => {
    expect(validateRecord(teams, { name: "x" })).toEqual(["$: missing required 'gid'", "$: missing required 'resource_type'"]);
    const closed = { type: "object", additionalProperties: false, properties: { a: { type: "string" } } } as const;
    expect(validateValue(closed, { a: "x", b: 1 })).toEqual(["$: unexpected property 'b'"]);
  });

  it("a projected schema validates projected records", () => {
    const schema = projectRecordSchema(tasks, ["name"]);
    expect(validateValue(schema, { gid: "1", resource_type: "task", modified_at: "2024-01-01T00:00:00Z", name: "n" })).toEqual([]);
  });
});
