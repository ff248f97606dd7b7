// The Airbyte ConnectorSpecification, generated from the zod config schema. All post-processing of
// zod's JSON Schema happens here, and the result is checked against what Airbyte accepts.
import { z } from "zod";
import { configSchema } from "./schema.js";

/** A JSON value, as spec.json holds it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** Airbyte's destination sync modes. */
export type DestinationSyncMode = "append" | "overwrite" | "append_dedup";

/** The part of Airbyte's ConnectorSpecification this source fills. */
export interface ConnectorSpecification {
  documentationUrl: string;
  changelogUrl?: string;
  connectionSpecification: JsonObject;
  supportsIncremental: boolean;
  supported_destination_sync_modes: DestinationSyncMode[];
}

/** Where a user reads about the export this connector drives. */
export const DOCUMENTATION_URL = "https://developers.asana.com/reference/createresourceexport";

const DRAFT_07 = "http://json-schema.org/draft-07/schema#";
const JSON_TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
// Airbyte rejects combinators (except its own oneOf-of-objects, which we do not use) and references.
const FORBIDDEN_KEYWORDS = ["anyOf", "oneOf", "allOf", "not", "$ref", "definitions", "$defs"];

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** zod states the safe-integer range on every `z.int()`: noise in a spec, so drop it. */
function dropSafeIntegerBounds(node: JsonValue): JsonValue {
  if (Array.isArray(node)) return node.map(dropSafeIntegerBounds);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "maximum" && value === Number.MAX_SAFE_INTEGER) continue;
    if (key === "minimum" && value === Number.MIN_SAFE_INTEGER) continue;
    // Airbyte's acceptance tests require additionalProperties true at every depth, so that a config
    // of another connector version stays valid; the connector ignores unknown keys with a warning
    // (but refuses unknown filter keys: see parseConfig).
    if (key === "additionalProperties") {
      out[key] = true;
      continue;
    }
    // examples and defaults are data, not schema: copy them untouched
    out[key] = key === "examples" || key === "default" ? value : dropSafeIntegerBounds(value);
  }
  return out;
}

/** Every way a connectionSpecification breaks Airbyte's rules, as `path: problem` lines. */
export function airbyteSchemaProblems(schema: JsonObject): string[] {
  const problems: string[] = [];
  if (schema["$schema"] !== DRAFT_07) problems.push(`$schema: must be ${DRAFT_07}`);
  const visit = (node: JsonObject, where: string): void => {
    for (const keyword of FORBIDDEN_KEYWORDS) if (keyword in node) problems.push(`${where}: uses ${keyword}`);
    if ("additionalProperties" in node && node["additionalProperties"] !== true) problems.push(`${where}: additionalProperties must be true`);
    const type = node["type"];
    const typeOk =
      (typeof type === "string" && JSON_TYPES.has(type)) ||
      (Array.isArray(type) && type.length === 2 && typeof type[0] === "string" && JSON_TYPES.has(type[0]) && type[1] === "null");
    if (!typeOk) problems.push(`${where}: type must be T or [T, "null"], got ${JSON.stringify(type)}`);
    const properties = node["properties"];
    if (isObject(properties)) {
      for (const [name, child] of Object.entries(properties)) {
        if (isObject(child)) visit(child, `${where}.${name}`);
        else problems.push(`${where}.${name}: is not a schema object`);
      }
    }
    const items = node["items"];
    if (isObject(items)) visit(items, `${where}[]`);
  };
  visit(schema, "connectionSpecification");
  return problems;
}

/** The draft-07 JSON Schema of config.json that Airbyte shows and validates with. */
export function buildConnectionSpecification(): JsonObject {
  const generated = z.toJSONSchema(configSchema, {
    target: "draft-07",
    io: "input",
    // zod drops `examples` from schemas that transform (it assumes they show output); ours are
    // written as config.json input, so put them back
    override: ({ zodSchema, jsonSchema }) => {
      const examples: unknown = z.globalRegistry.get(zodSchema)?.examples;
      if (Array.isArray(examples) && jsonSchema.examples === undefined) jsonSchema.examples = examples;
    },
  });
  const cleaned = dropSafeIntegerBounds(JSON.parse(JSON.stringify(generated)) as JsonValue);
  if (!isObject(cleaned)) throw new Error("zod produced a connectionSpecification that is not an object");
  const { $schema, type, required, properties, additionalProperties: _additional, ...rest } = cleaned;
  const schema: JsonObject = {
    $schema: $schema ?? DRAFT_07,
    title: "Asana Export Source Spec",
    description: "Reads tasks, teams and messages of one Asana workspace through Asana's bulk resource export API.",
    type: type ?? "object",
    required: required ?? [],
    additionalProperties: true,
    properties: properties ?? {},
    ...rest,
  };
  const problems = airbyteSchemaProblems(schema);
  if (problems.length > 0) throw new Error(`the generated connectionSpecification breaks Airbyte's rules:\n${problems.join("\n")}`);
  return schema;
}

/** The SPEC message payload; spec.json is exactly this. */
export function buildSpec(): ConnectorSpecification {
  return {
    documentationUrl: DOCUMENTATION_URL,
    connectionSpecification: buildConnectionSpecification(),
    supportsIncremental: true,
    supported_destination_sync_modes: ["overwrite", "append", "append_dedup"],
  };
}

/** spec.json's text: two-space indented, with a trailing newline. */
export function renderSpec(): string {
  return `${JSON.stringify(buildSpec(), null, 2)}\n`;
}
