import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseConfig } from "../../src/config/load.js";
import { type JsonObject, type JsonValue, airbyteSchemaProblems, buildSpec, renderSpec } from "../../src/config/spec.js";
import { MINIMAL } from "./helpers.js";

const SPEC_PATH = new URL("../../spec.json", import.meta.url);
const DRAFT_07_KEYWORDS = new Set([
  "$schema", "title", "description", "type", "properties", "required", "additionalProperties", "items", "enum",
  "default", "examples", "format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
  "minLength", "maxLength", "minItems", "maxItems",
]);
const AIRBYTE_KEYWORDS = new Set(["airbyte_secret", "airbyte_hidden", "order", "pattern_descriptor"]);
const TYPES = ["string", "number", "integer", "boolean", "object", "array", "null"];

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every schema node of a JSON Schema with its path: the root, properties and items. */
function nodes(schema: JsonObject, path = "$"): [string, JsonObject][] {
  const out: [string, JsonObject][] = [[path, schema]];
  const properties = schema["properties"];
  if (isObject(properties)) {
    for (const [name, child] of Object.entries(properties)) if (isObject(child)) out.push(...nodes(child, `${path}.${name}`));
  }
  const items = schema["items"];
  if (isObject(items)) out.push(...nodes(items, `${path}[]`));
  return out;
}

const spec = buildSpec();
const connection = spec.connectionSpecification;

describe("spec.json", () => {
  it("equals what the zod schema generates", async () => {
    const onDisk = await readFile(SPEC_PATH, "utf8");
    expect(JSON.parse(onDisk), "spec.json is out of date with src/config/schema.ts: run `npm run spec`").toEqual(spec);
    expect(onDisk, "spec.json is not formatted as generated: run `npm run spec`").toBe(renderSpec());
  });

  it("is an Airbyte ConnectorSpecification of an incremental source", () => {
    expect(spec.documentationUrl).toMatch(/^https:\/\//);
    expect(spec.supportsIncremental).toBe(true);
    expect(spec.supported_destination_sync_modes).toEqual(["overwrite", "append", "append_dedup"]);
  });
});

describe("connectionSpecification", () => {
  it("is a draft-07 object schema that requires only the workspace", () => {
    expect(connection["$schema"]).toBe("http://json-schema.org/draft-07/schema#");
    expect(connection["type"]).toBe("object");
    expect(connection["required"]).toEqual(["workspace"]);
  });

  it("declares additionalProperties true wherever it declares it (Airbyte's acceptance test_additional_properties_is_true)", () => {
    const values = [...nodes(connection)].filter(([, node]) => "additionalProperties" in node).map(([path, node]) => [path, node["additionalProperties"]]);
    expect(values.length).toBeGreaterThan(1);
    expect(values.filter(([, value]) => value !== true)).toEqual([]);
    expect(connection["additionalProperties"]).toBe(true);
  });

  it("uses only draft-07 keywords and Airbyte's annotations", () => {
    for (const [path, node] of nodes(connection)) {
      for (const key of Object.keys(node)) {
        expect(DRAFT_07_KEYWORDS.has(key) || AIRBYTE_KEYWORDS.has(key), `${path} uses ${key}`).toBe(true);
      }
    }
  });

  it("types every property as T or [T, null] and lists only existing properties as required", () => {
    for (const [path, node] of nodes(connection)) {
      const type = node["type"];
      const ok =
        (typeof type === "string" && TYPES.includes(type)) ||
        (Array.isArray(type) && type.length === 2 && TYPES.includes(String(type[0])) && type[1] === "null");
      expect(ok, `${path} has type ${JSON.stringify(type)}`).toBe(true);
      const required = node["required"];
      if (Array.isArray(required)) {
        const properties = node["properties"];
        for (const name of required) expect(isObject(properties) && String(name) in properties, `${path} requires ${String(name)}`).toBe(true);
      }
    }
    expect(airbyteSchemaProblems(connection)).toEqual([]);
  });

  it("gives every property a title and a unique order among its siblings", () => {
    for (const [path, node] of nodes(connection)) {
      const properties = node["properties"];
      if (!isObject(properties)) continue;
      const orders = Object.values(properties).map((p) => (isObject(p) ? p["order"] : undefined));
      expect(new Set(orders).size, `${path}: orders ${JSON.stringify(orders)}`).toBe(orders.length);
      for (const [name, child] of Object.entries(properties)) {
        expect(isObject(child) && typeof child["title"] === "string", `${path}.${name} has no title`).toBe(true);
        expect(isObject(child) && Number.isInteger(child["order"]), `${path}.${name} has no order`).toBe(true);
      }
    }
  });

  it("marks the token as an Airbyte secret, and only the token", () => {
    const secrets = nodes(connection).filter(([, node]) => node["airbyte_secret"] === true).map(([path]) => path);
    expect(secrets).toEqual(["$.service_account_token"]);
  });

  it("refuses the examples of the error cases, as zod does; lets unknown keys through, as Airbyte wants", () => {
    const fromSpec = z.fromJSONSchema(connection);
    expect(fromSpec.safeParse({ workspace: "acme" }).success).toBe(false);
    expect(fromSpec.safeParse({ workspace: "1", max_retries: -1 }).success).toBe(false);
    // Unknown keys pass the spec; the connector ignores them with a warning, except filter keys, which it refuses.
    expect(fromSpec.safeParse({ workspace: "1", extra: 1 }).success).toBe(true);
    expect(fromSpec.safeParse({ workspace: "1", filters: { message: { "assignee.any": ["1"] } } }).success).toBe(true);
    expect(() => parseConfig({ ...MINIMAL, filters: { message: { "assignee.any": ["1"] } } }, {})).toThrow(/applies to tasks only/);
  });

  it("accepts the configs zod accepts, and its defaults and examples are valid config values", () => {
    const fromSpec = z.fromJSONSchema(connection);
    const full = {
      ...MINIMAL,
      start_date: "2024-01-01T00:00:00Z",
      filters: { task: { "assignee.any": ["1200000000000001"] }, message: { "created_at.after": "2024-01-01T00:00:00Z" } },
      base_url: "http://127.0.0.1:4010/api/1.0",
      output: { format: "jsonl" },
    };
    expect(fromSpec.safeParse(full).success).toBe(true);
    expect(() => parseConfig(full, {})).not.toThrow();

    const properties = connection["properties"];
    if (!isObject(properties)) throw new Error("no properties");
    for (const [name, property] of Object.entries(properties)) {
      if (!isObject(property)) continue;
      const values = [...(property["default"] === undefined ? [] : [property["default"]])];
      const examples = property["examples"];
      if (Array.isArray(examples)) values.push(...examples);
      for (const value of values) {
        expect(() => parseConfig({ ...MINIMAL, [name]: value }, {}), `${name}: ${JSON.stringify(value)}`).not.toThrow();
      }
    }
  });
});
