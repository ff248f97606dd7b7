import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, ConnectorError } from "../../src/core/errors.js";
import { packageRoot, requireStream, STREAM_NAMES, STREAMS } from "../../src/streams/index.js";
import { defineStream, STREAM_SPECS, type StreamSpec } from "../../src/streams/definitions.js";
import { loadStreamSchema } from "../../src/streams/schema-files.js";

describe("STREAMS", () => {
  it("declares the streams of DESIGN.md, with their sources, keys and cursors", () => {
    const kind = (s: (typeof STREAMS)[number]): string => (s.source.kind === "resource" ? `resource ${s.source.resourceType}` : s.source.kind);
    expect(STREAMS.map((s) => [s.name, kind(s), s.primaryKey, s.cursorField, s.supportsIncremental])).toEqual([
      ["tasks", "resource task", ["gid"], "modified_at", true],
      ["teams", "resource team", ["gid"], undefined, false],
      ["messages", "resource message", ["gid"], "modified_at", true],
      ["stories", "children", ["gid"], "parent_modified_at", true],
      ["attachments", "children", ["gid"], "parent_modified_at", true],
      ["task_custom_field_values", "children", ["task_gid", "custom_field_gid"], "task_modified_at", true],
      ["custom_fields", "references", ["gid"], undefined, false],
      ["users", "references", ["gid"], undefined, false],
      ["projects", "references", ["gid"], undefined, false],
      ["sections", "references", ["gid"], undefined, false],
      ["tags", "references", ["gid"], undefined, false],
      ["task_memberships", "pairs", ["task_gid", "project_gid"], undefined, false],
      ["task_tags", "pairs", ["task_gid", "tag_gid"], undefined, false],
      ["task_followers", "pairs", ["task_gid", "user_gid"], undefined, false],
      ["team_memberships", "pairs", ["team_gid", "user_gid"], undefined, false],
    ]);
    expect(STREAM_NAMES).toEqual(STREAMS.map((s) => s.name));
  });

  it("splits the schema's fields into defaults and the documented opt-ins", () => {
    for (const stream of STREAMS) {
      const all = Object.keys(stream.schema.properties);
      if (stream.source.kind !== "resource") expect(stream.optInFields).toEqual([]);
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
    expect(() => requireStream("portfolios", "--streams")).toThrow(ConfigError);
    expect(() => requireStream("portfolios", "--streams")).toThrow(
      `--streams names stream 'portfolios', which this source does not have; valid streams: ${STREAM_NAMES.join(", ")}`,
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

  it("refuses a key column the schema does not require, and a column its source fills but the schema lacks", () => {
    const tagsSpec = STREAM_SPECS.find((s) => s.name === "task_tags") as StreamSpec;
    const tags = loadStreamSchema("task_tags");
    expect(() => defineStream(tagsSpec, { ...tags, required: ["task_gid"] })).toThrow("stream 'task_tags': the schema must require its key column 'tag_gid'");
    const { tag_gid: _dropped, ...properties } = tags.properties;
    expect(() => defineStream({ ...tagsSpec, primaryKey: ["task_gid"] }, { ...tags, properties, required: ["task_gid"] })).toThrow(
      "stream 'task_tags': column 'tag_gid' of its source is not in the schema",
    );
  });

  it("makes only resources and their children incremental, on the parent's modified_at", () => {
    const tagsSpec = STREAM_SPECS.find((s) => s.name === "task_tags") as StreamSpec;
    const tags = loadStreamSchema("task_tags");
    const withTime = { ...tags, properties: { ...tags.properties, seen_at: { type: "string" as const, format: "date-time" as const } } };
    expect(() => defineStream({ ...tagsSpec, cursorField: "seen_at" }, withTime)).toThrow("only resources and their children are incremental");
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
