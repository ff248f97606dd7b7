// Airbyte acceptance-test mirror: spec, connection and discovery, through the built CLI.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { SOURCE_BIN, ofType, runCli } from "../helpers/cli.js";
import { assertValidAirbyteMessages } from "../helpers/protocol.js";
import { emulatorConfig, scratch, type Json } from "../helpers/airbyte.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
let em: Emulator;
beforeAll(async () => {
  em = await startEmulator({ seed: 3, tasks: 20, teams: 2, messages: 5 });
});
afterAll(async () => em.close());

function configFile(config: unknown): string {
  const path = join(scratch(), "config.json");
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** Every `type` in a schema tree, with its path. */
function types(node: unknown, path = "$", out: [string, unknown][] = []): [string, unknown][] {
  if (typeof node !== "object" || node === null) return out;
  for (const [k, v] of Object.entries(node)) {
    if (k === "type") out.push([path, v]);
    else types(v, `${path}.${k}`, out);
  }
  return out;
}

describe("spec", () => {
  it("prints one valid SPEC whose schema accepts a valid config and marks the token secret", async () => {
    const r = await runCli(SOURCE_BIN, ["spec"]);
    expect(r.code).toBe(0);
    assertValidAirbyteMessages(r.messages);
    expect(r.messages).toHaveLength(1);
    const spec = (r.messages[0] as { spec: { connectionSpecification: Json } }).spec;
    const schema = spec.connectionSpecification;
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    const props = schema.properties as Record<string, Json>;
    expect(props.service_account_token?.airbyte_secret).toBe(true);
    const ajv = new Ajv({ strict: false });
    addFormats(ajv);
    expect(ajv.validate(schema, emulatorConfig(em))).toBe(true);
    expect(ajv.validate(schema, { ...emulatorConfig(em), workspace: 5 })).toBe(false);
    for (const [path, t] of types(schema)) {
      const ok = typeof t === "string" || (Array.isArray(t) && (t.length === 1 || (t.length === 2 && t.includes("null"))));
      expect(ok, `${path}: type ${JSON.stringify(t)}`).toBe(true);
    }
  });
});

describe("check", () => {
  it("succeeds with a good token and workspace, without starting an export", async () => {
    const r = await runCli(SOURCE_BIN, ["check", "--config", configFile(emulatorConfig(em))]);
    expect(r.code).toBe(0);
    assertValidAirbyteMessages(r.messages);
    const [status] = ofType(r.messages, "CONNECTION_STATUS") as { connectionStatus: { status: string } }[];
    expect(status?.connectionStatus.status).toBe("SUCCEEDED");
    expect(em.requests.some((q) => q.path.includes("/exports"))).toBe(false);
  });

  it("succeeds with a key it does not know (a config of another version), saying so in a LOG warning", async () => {
    const r = await runCli(SOURCE_BIN, ["check", "--config", configFile(emulatorConfig(em, { colour: "blue" }))]);
    expect(r.code).toBe(0);
    assertValidAirbyteMessages(r.messages);
    const logs = ofType(r.messages, "LOG") as { log: { level: string; message: string } }[];
    expect(logs.map((l) => l.log)).toContainEqual({ level: "WARN", message: expect.stringMatching(/^config\.colour is not a known key; valid keys: .*\. It is ignored\.$/) });
    const [status] = ofType(r.messages, "CONNECTION_STATUS") as { connectionStatus: { status: string } }[];
    expect(status?.connectionStatus.status).toBe("SUCCEEDED");
  });

  it("fails with one CONNECTION_STATUS and exit 0 on a bad token, without leaking it", async () => {
    const r = await runCli(SOURCE_BIN, ["check", "--config", configFile(emulatorConfig(em, { service_account_token: "2/1/2:not-a-real-token-at-all" }))]);
    expect(r.code).toBe(0);
    assertValidAirbyteMessages(r.messages);
    expect(r.messages).toHaveLength(1);
    const status = (r.messages[0] as { connectionStatus: { status: string; message: string } }).connectionStatus;
    expect(status.status).toBe("FAILED");
    expect(status.message).toMatch(/401/);
    expect(r.stdout + r.stderr).not.toContain("not-a-real-token-at-all");
  });

  it("fails on an invalid config, naming the key", async () => {
    const r = await runCli(SOURCE_BIN, ["check", "--config", configFile({ ...emulatorConfig(em), workspace: "acme" })]);
    expect(r.code).toBe(0);
    const status = (r.messages[0] as { connectionStatus: { status: string; message: string } }).connectionStatus;
    expect(status.status).toBe("FAILED");
    expect(status.message).toContain("config.workspace");
  });

  it("fails (no crash) when the API cannot be reached", async () => {
    const r = await runCli(SOURCE_BIN, ["check", "--config", configFile(emulatorConfig(em, { base_url: "http://127.0.0.1:9/api/1.0", max_retries: 0 }))]);
    expect(r.code).toBe(0);
    const status = (r.messages[0] as { connectionStatus: { status: string; message: string } }).connectionStatus;
    expect(status.status).toBe("FAILED");
    expect(status.message).toMatch(/network|ECONNREFUSED|unavailable/i);
  });

  it("`<command> --help` prints that command's help on stderr and exits 0, with nothing on stdout", async () => {
    for (const command of ["sync", "read", "check"]) {
      const r = await runCli(SOURCE_BIN, [command, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(new RegExp(`^Usage: source-asana-export ${command} --config C`));
    }
  });

  it("a missing --config is a TRACE ERROR config_error and exit 1", async () => {
    const r = await runCli(SOURCE_BIN, ["read"]);
    expect(r.code).toBe(1);
    assertValidAirbyteMessages(r.messages);
    const trace = r.messages.at(-1) as { trace: { type: string; error: { failure_type: string; message: string } } };
    expect(trace.trace.type).toBe("ERROR");
    expect(trace.trace.error.failure_type).toBe("config_error");
    expect(trace.trace.error.message).toContain("--config");
  });
});

describe("discover", () => {
  it("lists every stream with draft-07 schemas, keys and cursors that exist in them", async () => {
    const r = await runCli(SOURCE_BIN, ["discover", "--config", configFile(emulatorConfig(em))]);
    expect(r.code).toBe(0);
    assertValidAirbyteMessages(r.messages);
    const catalog = (r.messages[0] as { catalog: { streams: Json[] } }).catalog;
    expect(catalog.streams.map((s) => s.name)).toEqual([
      "tasks", "teams", "messages", "stories", "attachments", "task_custom_field_values", "custom_fields", "users", "projects",
      "sections", "tags", "task_memberships", "task_tags", "task_followers", "team_memberships",
    ]);
    const incremental: Record<string, string> = {
      tasks: "modified_at", messages: "modified_at", stories: "parent_modified_at", attachments: "parent_modified_at", task_custom_field_values: "task_modified_at",
    };
    for (const s of catalog.streams) {
      const schema = s.json_schema as { $schema: string; properties: Record<string, unknown>; required: string[] };
      expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
      const key = s.source_defined_primary_key as string[][];
      expect(key.length).toBeGreaterThan(0);
      for (const [column] of key) {
        expect(schema.properties[column ?? ""], `${String(s.name)}.${String(column)}`).toBeDefined();
        expect(schema.required).toContain(column);
      }
      expect(new Ajv({ strict: false }).validateSchema(schema)).toBe(true);
      expect(JSON.stringify(schema)).not.toMatch(/"\$ref"|"allOf"|"anyOf"|"oneOf"/);
      const cursor = incremental[String(s.name)];
      if (cursor === undefined) {
        expect(s.supported_sync_modes, String(s.name)).toEqual(["full_refresh"]);
        expect(s.source_defined_cursor).toBe(false);
      } else {
        expect(s.supported_sync_modes).toEqual(["full_refresh", "incremental"]);
        expect(s.source_defined_cursor).toBe(true);
        expect(s.default_cursor_field).toEqual([cursor]);
        expect(schema.properties[cursor]).toBeDefined();
      }
    }
    expect(catalog.streams.find((s) => s.name === "task_memberships")?.source_defined_primary_key).toEqual([["task_gid"], ["project_gid"]]);
  });
});
