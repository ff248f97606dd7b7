// Record validation against a stream's JSON Schema by an independent implementation (ajv with
// ajv-formats, full format mode: real calendar dates, RFC 3339 date-times), so a test of our
// schemas or records never uses the connector's own code as its oracle.
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

const addFormats = addFormatsModule as unknown as (ajv: Ajv, options?: { mode: "full" | "fast" }) => Ajv;

const ajv = addFormats(new Ajv({ strict: false, allErrors: true }), { mode: "full" });
const compiled = new WeakMap<object, ValidateFunction>();

/** Every problem of a value against a schema, as `/json/pointer: message` lines (empty when valid). */
export function schemaProblems(schema: object, value: unknown): string[] {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    // The draft-07 `$schema` URI needs no meta-schema lookup to validate with.
    const { $schema: _uri, ...body } = schema as Record<string, unknown>;
    validate = ajv.compile(body);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message ?? e.keyword}`);
}
