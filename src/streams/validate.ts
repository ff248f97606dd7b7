// Record checks. The pipeline calls a compiled structural check per record (`on_invalid_record`): it
// guards only what routing, dedupe and state rely on (gid, resource_type, the cursor), because a full
// JSON Schema validation of every record would cost more than parsing it. The full validator below is
// for tests and diagnostics.
import type { StreamDefinition } from "./definitions.js";
import { baseType, isNullable, type JsonSchemaNode } from "./json-schema.js";

/** The problem a record has, or undefined when it is fit to emit. */
export type RecordCheck = (record: unknown) => string | undefined;

/** Options of compileRecordCheck. */
export interface RecordCheckOptions {
  /** Require the cursor to be a valid date-time (incremental syncs); default: the stream supports incremental. */
  requireCursor?: boolean;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a string is an RFC 3339 date-time (`2012-02-22T02:06:58.147Z`) naming a real day. */
export function isDateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  return match !== null && isCalendarDay(match[1], match[2], match[3]);
}

/** Whether a string is a `YYYY-MM-DD` date naming a real day. */
export function isDate(value: string): boolean {
  const match = DATE.exec(value);
  return match !== null && isCalendarDay(match[1], match[2], match[3]);
}

function isCalendarDay(year: string | undefined, month: string | undefined, day: string | undefined): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A fast structural check of records of one stream: object, gid, resource_type, and the cursor when required. */
export function compileRecordCheck(stream: StreamDefinition, options: RecordCheckOptions = {}): RecordCheck {
  const cursor = (options.requireCursor ?? stream.supportsIncremental) ? stream.cursorField : undefined;
  const resourceType = stream.resourceType;
  return (record) => {
    if (typeof record !== "object" || record === null || Array.isArray(record)) return `record is not a JSON object: ${show(record)}`;
    const fields = record as Record<string, unknown>;
    const gid = fields["gid"];
    if (typeof gid !== "string" || gid.length === 0) return `gid must be a non-empty string, got ${show(gid)}`;
    if (fields["resource_type"] !== resourceType) {
      return `resource_type must be '${resourceType}' for stream '${stream.name}', got ${show(fields["resource_type"])} (gid ${gid})`;
    }
    if (cursor !== undefined) {
      const value = fields[cursor];
      if (typeof value !== "string" || !isDateTime(value)) {
        return `${cursor} must be an ISO 8601 date-time, got ${value === undefined ? "nothing" : show(value)} (gid ${gid})`;
      }
    }
    return undefined;
  };
}

/** The parts of a schema node the full validator reads (a whole stream schema qualifies too). */
export type ValidatableSchema = Pick<JsonSchemaNode, "type" | "format" | "properties" | "items" | "required" | "additionalProperties">;

/** Full validation of a value against a schema of our subset; returns every problem as `path: message`. */
export function validateValue(schema: ValidatableSchema, value: unknown, path = "$"): string[] {
  const problems: string[] = [];
  check(schema, value, path, problems);
  return problems;
}

/** Full validation of a record against its stream's schema (tests and diagnostics; not the hot path). */
export function validateRecord(stream: StreamDefinition, record: unknown): string[] {
  return validateValue(stream.schema, record);
}

function check(schema: ValidatableSchema, value: unknown, path: string, problems: string[]): void {
  const type = baseType(schema.type);
  if (value === null) {
    if (!isNullable(schema)) problems.push(`${path}: must be ${type}, got null`);
    return;
  }
  if (!hasType(type, value)) {
    problems.push(`${path}: must be ${type}${isNullable(schema) ? " or null" : ""}, got ${show(value)}`);
    return;
  }
  if (typeof value === "string") {
    if (schema.format === "date-time" && !isDateTime(value)) problems.push(`${path}: must be a date-time, got ${show(value)}`);
    if (schema.format === "date" && !isDate(value)) problems.push(`${path}: must be a date (YYYY-MM-DD), got ${show(value)}`);
  } else if (Array.isArray(value)) {
    const items = schema.items;
    if (items !== undefined) value.forEach((item: unknown, i) => check(items, item, `${path}[${i}]`, problems));
  } else if (typeof value === "object") {
    const fields = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in fields)) problems.push(`${path}: missing required '${key}'`);
    }
    for (const [key, child] of Object.entries(fields)) {
      const property = schema.properties?.[key];
      if (property !== undefined) check(property, child, `${path}.${key}`, problems);
      else if (schema.additionalProperties === false) problems.push(`${path}: unexpected property '${key}'`);
    }
  }
}

function hasType(type: ReturnType<typeof baseType>, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && !Array.isArray(value);
  }
}
