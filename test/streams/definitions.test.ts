import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, ConnectorError } from "../../src/core/errors.js";
import { packageRoot, requireStream, STREAM_NAMES, STREAMS } from "../../src/streams/index.js";
import { defineStream, STREAM_SPECS, type StreamSpec } from "../../src/streams/definitions.js";
import { loadStreamSchema } from "../../src/streams/schema-files.js";

describe("STREAMS", () => {
  it("declares the three streams of DESIGN.md, with keys and cursors", () => {
    expect(STREAMS.map((s) => [s.name, s.resourceType, s.primaryKey, s.cursorField, s.supportsIncremental])).toEqual([
      ["tasks", "task", ["gid"], "modified_at", true],
      ["teams", "team", ["gid"], undefined, false],
      ["messages", "message", ["gid"], "modified_at", true],
    ]);
    expect(STREAM_NAMES).toEqual(["tasks", "teams", "messages"]);
  });

  it("splits the schema's fields into defaults and the documented opt-ins", () => {
    for (const stream of STREAMS) {
      const all = Object.keys(stream.schema.properties);
      expect([...stream.defaultFields, ...stream.optInFields].sort()).toEqual([...all].sort());
      expect(stream.defaultFields.filter((f) => stream.optInFields.includes(f))).toEqual([]);
    }
    expect(requireStream("tasks", "test").optInFields).toEqual(
      expect.arrayContaining([
        "created_by", "dependencies", "dependents", "external", "html_notes", "is_rendered_as_separator", "num_subtasks", "assigned_by",
      ]),
    );
    expect(requireStream("tasks", "test").defaultFields).toEqual(expect.arrayContaining(["attachments", "stories", "custom_fields", "modified_at"]));
    expect(requireStream("teams", "test").optInFields).toEqual(["description", "html_description"]);
    expect(requireStream("teams", "test").defaultFields).toContain("members");
    expect(requireStream("messages", "test").optInFields).toEqual(["html_notes"]);
  });

  it("is frozen, so no caller can change a shared definition", () => {
    const tasks = requireStream("tasks", "test");
    expect(Object.isFrozen(tasks)).toBe(true);
    expect(Object.isFrozen(tasks?.schema.properties["assignee"])).toBe(true);
    expect(Object.isFrozen(STREAMS)).toBe(true);
  });
});

describe("lookups", () => {
  it("requireStream names the unknown stream and lists the valid ones", () => {
    expect(requireStream("tasks", "--streams").name).toBe("tasks");
    expect(() => requireStream("projects", "--streams")).toThrow(ConfigError);
    expect(() => requireStream("projects", "--streams")).toThrow(
      "--streams names stream 'projects', which this source does not have; valid streams: tasks, teams, messages",
    );
  });
});

describe("defineStream", () => {
  const tasksSpec = STREAM_SPECS[0] as StreamSpec;
  const schema = loadStreamSchema("tasks");

  it("refuses an opt-in field the schema lacks", () => {
    const spec: StreamSpec = { ...tasksSpec, optInFields: ["nope"] };
    expect(() => defineStream(spec, schema)).toThrow("stream 'tasks': opt-in field 'nope' is not in the schema");
  });

  it("refuses a cursor that is not a date-time property", () => {
    const { modified_at: _dropped, ...properties } = schema.properties;
    expect(() => defineStream(tasksSpec, { ...schema, properties })).toThrow("cursor 'modified_at' must be a date-time property");
  });
});

describe("schema files", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function fakePackage(schemaText: string): string {
    const root = mkdtempSync(join(tmpdir(), "streams-"));
    dirs.push(root);
    writeFileSync(join(root, "package.json"), "{}");
    mkdirSync(join(root, "schemas"));
    mkdirSync(join(root, "dist", "src", "streams"), { recursive: true });
    writeFileSync(join(root, "schemas", "tasks.json"), schemaText);
    return root;
  }

  it("finds the package root from sources and from compiled code under dist/", () => {
    expect(packageRoot()).toBe(join(import.meta.dirname, "..", ".."));
    const root = fakePackage("{}");
    expect(packageRoot(join(root, "dist", "src", "streams"))).toBe(root);
  });

  it("rejects a schema using $ref, naming the file and the problem", () => {
    const root = fakePackage(
      JSON.stringify({
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        description: "x",
        additionalProperties: true,
        required: ["gid"],
        properties: { gid: { type: "string" }, assignee: { $ref: "#/definitions/user" } },
      }),
    );
    expect(() => loadStreamSchema("tasks", root)).toThrow(ConnectorError);
    expect(() => loadStreamSchema("tasks", root)).toThrow(/tasks\.json is not a valid stream schema: schema\.properties\.assignee/);
  });

  it("rejects unreadable JSON with a system error", () => {
    const root = fakePackage("{not json");
    try {
      loadStreamSchema("tasks", root);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConnectorError);
      expect((error as ConnectorError).failureType).toBe("system_error");
      expect((error as ConnectorError).code).toBe("SCHEMA_INVALID");
    }
  });
});
