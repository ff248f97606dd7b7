// An independent reading of JSON Schema for test oracles: ajv (with ajv-formats) validates records
// and formats, and two small functions read `type`, so no check relies on the connector's own
// validator, format checks or schema helpers (the code under test).
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** An ajv instance with the standard formats (date-time, date, ...), reporting every error. */
export function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv;
}

let formatAjv: Ajv | undefined;
const formatChecks = new Map<string, ValidateFunction>();

/** Whether `value` is a string of the JSON Schema `format` (e.g. "date-time": RFC 3339, with an offset). */
export function hasFormat(value: unknown, format: "date-time" | "date"): boolean {
  formatAjv ??= newAjv();
  let check = formatChecks.get(format);
  if (check === undefined) formatChecks.set(format, (check = formatAjv.compile({ type: "string", format })));
  return check(value) as boolean;
}

/** The raw JSON of schemas/<stream>.json, read from the file (not through the connector). */
export function schemaFile(stream: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../schemas/${stream}.json`, import.meta.url), "utf8")) as Record<string, unknown>;
}

const fileValidators = new Map<string, ValidateFunction>();

/** ajv's errors for a record against schemas/<stream>.json (empty when it is valid). */
export function schemaFileErrors(stream: string, record: unknown): string[] {
  let validate = fileValidators.get(stream);
  if (validate === undefined) fileValidators.set(stream, (validate = newAjv().compile(schemaFile(stream))));
  if (validate(record) as boolean) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "(record)"} ${e.message ?? "is invalid"}`);
}

/** What a JSON Schema `type` keyword may hold. */
export type TypeKeyword = string | readonly string[] | undefined;

/** Whether a `type` admits null. */
export function admitsNull(type: TypeKeyword): boolean {
  return type === "null" || (Array.isArray(type) && type.includes("null"));
}

/** The one type other than null a `type` names (`"string"` for "string", ["string"], ["null", "string"]). */
export function nonNullType(type: TypeKeyword): string | undefined {
  const types = (typeof type === "string" ? [type] : (type ?? [])).filter((t) => t !== "null");
  if (types.length > 1) throw new Error(`type ${JSON.stringify(type)} names more than one type besides null`);
  return types[0];
}

const schemaValidators = new WeakMap<object, ValidateFunction>();

/** ajv's errors for a value against any schema object, as `/json/pointer: message` lines (empty when valid). */
export function schemaProblems(schema: object, value: unknown): string[] {
  let validate = schemaValidators.get(schema);
  if (validate === undefined) {
    // The draft-07 `$schema` URI needs no meta-schema lookup to validate with.
    const { $schema: _uri, ...body } = schema as Record<string, unknown>;
    schemaValidators.set(schema, (validate = newAjv().compile(body)));
  }
  if (validate(value) as boolean) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message ?? e.keyword}`);
}
