// The subset of JSON Schema draft-07 our stream schemas may use, as a zod model: the files under
// schemas/ are checked against it when loaded, so a `$ref`, `anyOf` or a misspelt keyword fails at
// start-up (Airbyte rejects composition keywords), and the TypeScript types flow from it.
import { z } from "zod";

/** The draft-07 meta-schema URI every stream schema declares. */
export const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

/** Non-null JSON Schema types a field may have. */
export const JSON_TYPES = ["string", "number", "integer", "boolean", "object", "array"] as const;
/** One non-null JSON Schema type. */
export type JsonType = (typeof JSON_TYPES)[number];

/** String formats our schemas use (they drive Parquet typing: timestamp and date columns). */
export const JSON_FORMATS = ["date-time", "date"] as const;

const jsonType = z.enum(JSON_TYPES);
// `T` for a field that is never null, `["null", T]` for a documented nullable; `[T]` is accepted too.
const typeSpec = z.union([jsonType, z.tuple([jsonType]), z.tuple([z.literal("null"), jsonType])]);

const nodeShape = z.strictObject({
  type: typeSpec,
  description: z.string().min(1).optional(),
  format: z.enum(JSON_FORMATS).optional(),
  get properties(): z.ZodOptional<z.ZodRecord<z.ZodString, typeof jsonSchemaNode>> {
    return z.record(z.string(), jsonSchemaNode).optional();
  },
  get items(): z.ZodOptional<typeof jsonSchemaNode> {
    return jsonSchemaNode.optional();
  },
  required: z.array(z.string()).optional(),
  additionalProperties: z.boolean().optional(),
});

/** A schema node: one field, an object's property, or an array's items. */
export const jsonSchemaNode = nodeShape.superRefine((node, ctx) => {
  const base = baseType(node.type);
  if (node.format !== undefined && base !== "string") {
    ctx.addIssue({ code: "custom", message: `format '${node.format}' needs type string, got ${base}` });
  }
  if ((node.properties !== undefined || node.required !== undefined) && base !== "object") {
    ctx.addIssue({ code: "custom", message: `properties/required need type object, got ${base}` });
  }
  if (base === "array" && node.items === undefined) ctx.addIssue({ code: "custom", message: "an array needs items" });
  if (node.items !== undefined && base !== "array") {
    ctx.addIssue({ code: "custom", message: `items needs type array, got ${base}` });
  }
  for (const key of node.required ?? []) {
    if (node.properties?.[key] === undefined) ctx.addIssue({ code: "custom", message: `required '${key}' is not a property` });
  }
});
/** A schema node: one field, an object's property, or an array's items. */
export type JsonSchemaNode = z.infer<typeof jsonSchemaNode>;

/** A whole stream schema: a draft-07 object schema open to fields Asana adds later. */
export const jsonSchemaObject = z
  .strictObject({
    $schema: z.literal(DRAFT_07),
    type: z.literal("object"),
    description: z.string().min(1),
    additionalProperties: z.literal(true),
    required: z.array(z.string()),
    properties: z.record(z.string(), jsonSchemaNode),
  })
  .superRefine((schema, ctx) => {
    for (const key of schema.required) {
      if (schema.properties[key] === undefined) ctx.addIssue({ code: "custom", message: `required '${key}' is not a property` });
    }
  });
/** A whole stream schema: a draft-07 object schema open to fields Asana adds later. */
export type JsonSchemaObject = z.infer<typeof jsonSchemaObject>;

/** The non-null type of a node's `type` (`"string"` for `"string"`, `["string"]` or `["null", "string"]`). */
export function baseType(type: JsonSchemaNode["type"]): JsonType {
  if (typeof type === "string") return type;
  return type.length === 2 ? type[1] : type[0];
}

/** Readable one-line summary of zod issues, each prefixed by its JSON path. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root: string): string {
  return issues
    .map((issue) => `${formatPath(root, issue.path)}: ${issue.message}`)
    .join("; ");
}

/** `root.a[0].b` from a zod path. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) out += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
  return out;
}

/** Freeze a value and everything in it, so shared stream definitions cannot be changed by callers. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
