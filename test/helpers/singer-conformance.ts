// Our mirror of the Meltano Singer SDK's standard tap tests (singer_sdk/testing/tap_tests.py):
// the tap-level, stream-level and attribute-level checks, applied to the messages of a built-CLI run.
// Each check returns problems as text; an empty list is a pass. The checks are independent of the
// connector: ajv and ajv-formats judge schemas and formats, the state shape is written out here.
import type { ValidateFunction } from "ajv";
import { hasFormat, newAjv } from "./json-schema.js";
import type { Json, TapRun } from "./singer.js";

const messageSchemas: Record<string, object> = {
  SCHEMA: {
    type: "object",
    required: ["stream", "schema", "key_properties"],
    properties: {
      stream: { type: "string" },
      schema: { type: "object" },
      key_properties: { type: "array", items: { type: "string" } },
      bookmark_properties: { type: "array", items: { type: "string" } },
    },
  },
  RECORD: {
    type: "object",
    required: ["stream", "record"],
    properties: {
      stream: { type: "string" },
      record: { type: "object" },
      version: { type: "integer" },
      time_extracted: { type: "string", format: "date-time" },
    },
  },
  STATE: { type: "object", required: ["value"], properties: { value: { type: "object" } } },
  ACTIVATE_VERSION: { type: "object", required: ["stream", "version"], properties: { stream: { type: "string" }, version: { type: "integer" } } },
  BATCH: {
    type: "object",
    required: ["stream", "encoding", "manifest"],
    properties: {
      stream: { type: "string" },
      encoding: { type: "object", required: ["format"], properties: { format: { enum: ["jsonl", "parquet"] }, compression: { type: "string" } } },
      manifest: { type: "array", items: { type: "string", pattern: "^file://" } },
    },
  },
};

let messageValidators: Map<string, ValidateFunction> | undefined;

function validators(): Map<string, ValidateFunction> {
  if (messageValidators === undefined) {
    const ajv = newAjv();
    messageValidators = new Map(Object.entries(messageSchemas).map(([type, schema]) => [type, ajv.compile(schema)]));
  }
  return messageValidators;
}

/** Every stdout line is a Singer message of a known type with its required keys; SCHEMA precedes its stream's RECORDs. */
export function messageProblems(run: TapRun): string[] {
  const problems: string[] = [];
  const announced = new Set<string>();
  for (const [i, m] of run.messages.entries()) {
    const validate = validators().get(String(m.type));
    if (validate === undefined) problems.push(`message ${i} has unknown type ${JSON.stringify(m.type)}`);
    else if (!(validate(m) as boolean)) problems.push(`message ${i} (${String(m.type)}): ${JSON.stringify(validate.errors)}`);
    if (m.type === "SCHEMA") announced.add(String(m.stream));
    if ((m.type === "RECORD" || m.type === "BATCH" || m.type === "ACTIVATE_VERSION") && !announced.has(String(m.stream))) {
      problems.push(`message ${i} (${String(m.type)}) of stream ${String(m.stream)} comes before its SCHEMA`);
    }
  }
  return problems;
}

/**
 * The final state as DESIGN.md documents it: `{"bookmarks": {<stream>: {...}}}`, one versioned object
 * per stream of this tap, with at most the cursor of a complete export (an RFC 3339 time), the time of
 * the last full export and the deletion keys besides.
 */
const finalStateSchema = {
  type: "object",
  required: ["bookmarks"],
  additionalProperties: false,
  properties: {
    bookmarks: {
      type: "object",
      // DESIGN.md's stream table, written out here rather than read from the connector.
      propertyNames: {
        enum: [
          "tasks", "teams", "messages", "stories", "attachments", "task_custom_field_values", "custom_fields", "users", "projects",
          "sections", "tags", "task_memberships", "task_tags", "task_followers", "team_memberships",
        ],
      },
      additionalProperties: {
        type: "object",
        required: ["version"],
        additionalProperties: false,
        properties: {
          version: { type: "integer", minimum: 1 },
          cursor: { type: "string", format: "date-time" },
          // docs/incremental.md: when the last full export ran, and the keys given (deletions).
          last_full_export_at: { type: "string", format: "date-time" },
          given: {
            type: "object",
            required: ["codec", "count", "data"],
            additionalProperties: false,
            properties: { codec: { const: "keys-delta-deflate-v1" }, count: { type: "integer", minimum: 0 }, data: { type: "string", contentEncoding: "base64", pattern: "^[A-Za-z0-9+/]*={0,2}$" } },
          },
        },
      },
    },
  },
};

let finalStateValidator: ValidateFunction | undefined;

/** valid_final_state: the documented bookmarks shape, no in-progress markers, every synced stream bookmarked. */
export function finalStateProblems(run: TapRun): string[] {
  const state = run.finalState;
  if (state === undefined) return ["no STATE message"];
  const problems: string[] = [];
  const text = JSON.stringify(state);
  if (text.includes("progress_markers")) problems.push("final state has progress markers");
  if (text.includes("pending_export")) problems.push("final state still records a pending export");
  finalStateValidator ??= newAjv().compile(finalStateSchema);
  if (!(finalStateValidator(state) as boolean)) problems.push(`final state is not the documented bookmarks shape: ${JSON.stringify(finalStateValidator.errors)}`);
  const bookmarks = (state.bookmarks ?? {}) as Json;
  for (const stream of run.schemas.keys()) if (bookmarks[stream] === undefined) problems.push(`no bookmark for ${stream}`);
  return problems;
}

type Node = { type?: string | string[]; format?: string; properties?: Record<string, Node> };

const types = (node: Node): string[] => (Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type]);

/** Attribute tests of one property over the records that have it (is_datetime, is_boolean, is_integer, ...). */
function attributeProblems(stream: string, name: string, node: Node, records: readonly Json[]): string[] {
  const problems: string[] = [];
  const t = types(node);
  const values = records.filter((r) => name in r).map((r) => r[name]);
  const fail = (test: string, v: unknown): void => {
    if (problems.length < 5) problems.push(`${stream}.${name} ${test}: ${JSON.stringify(v)?.slice(0, 60)}`);
  };
  for (const v of values) {
    if (v === null) {
      if (!t.includes("null")) fail("not_null", v);
      continue;
    }
    if (node.format === "date-time" && !hasFormat(v, "date-time")) fail("is_datetime", v);
    if (node.format === "date" && !hasFormat(v, "date")) fail("is_date", v);
    if (t.includes("boolean") && typeof v !== "boolean") fail("is_boolean", v);
    if (t.includes("integer") && !Number.isInteger(v)) fail("is_integer", v);
    if (t.includes("number") && (typeof v !== "number" || !Number.isFinite(v))) fail("is_numeric", v);
    if (t.includes("object") && (typeof v !== "object" || Array.isArray(v))) fail("is_object", v);
  }
  return problems;
}

/** Stream tests: schema valid, returns records, records match schema and catalog, primary keys unique and non-null; and attribute tests. */
export function streamProblems(run: TapRun, stream: string, options: { allowEmpty?: boolean } = {}): string[] {
  const message = run.schemas.get(stream);
  if (message === undefined) return [`no SCHEMA for ${stream}`];
  const schema = message.schema as Node & object;
  const keys = message.key_properties as string[];
  const records = run.records.get(stream) ?? [];
  const problems: string[] = [];
  let validate: ValidateFunction | undefined;
  try {
    validate = newAjv().compile(schema);
  } catch (error) {
    problems.push(`schema_is_valid: ${(error as Error).message}`);
  }
  if (records.length === 0 && !options.allowEmpty) problems.push(`returns_record: no records in ${stream}`);
  const properties = schema.properties ?? {};
  const ids = new Set<string>();
  for (const record of records) {
    if (validate && !(validate(record) as boolean) && problems.length < 20) {
      problems.push(`record_matches_stream_schema: ${stream} ${String(record.gid)}: ${JSON.stringify(validate.errors).slice(0, 300)}`);
    }
    const extra = Object.keys(record).filter((k) => properties[k] === undefined);
    if (extra.length > 0 && problems.length < 20) problems.push(`record_schema_matches_catalog: ${stream} has fields not in its SCHEMA: ${extra.join(", ")}`);
    const id = keys.map((k) => record[k]);
    if (id.some((v) => v === null || v === undefined)) problems.push(`primary_keys: null key in ${stream} ${JSON.stringify(record).slice(0, 80)}`);
    const key = JSON.stringify(id);
    if (ids.has(key)) problems.push(`primary_keys: duplicate ${key} in ${stream}`);
    ids.add(key);
  }
  for (const [name, node] of Object.entries(properties)) problems.push(...attributeProblems(stream, name, node, records));
  return problems;
}

/** Every standard check on one run: messages, final state, each announced stream. */
export function conformanceProblems(run: TapRun, options: { allowEmpty?: boolean } = {}): string[] {
  return [
    ...messageProblems(run),
    ...finalStateProblems(run),
    ...[...run.schemas.keys()].flatMap((stream) => streamProblems(run, stream, options)),
  ];
}
