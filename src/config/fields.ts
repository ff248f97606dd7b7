// Reusable zod field types of the config. Every check carries its own message, written as the tail
// of "config.<key> ...": "is missing: <fix>" or "must be <what>, got {got}: <fix>". The formatter in
// issues.ts fills `{got}` with the offending value, so no value (and no secret) is baked in here.
import { z } from "zod";
import { daysInMonth, parseDateTime } from "../core/rfc3339.js";

/** Placeholder in a message for the offending value; filled (secrets hidden) by the formatter. */
export const GOT = "{got}";

/** The Asana API root used when the config names none. */
export const DEFAULT_BASE_URL = "https://app.asana.com/api/1.0";

/** Error text of a field: "is missing: <fix>" when absent, else "must be <what>, got {got}: <fix>". */
export function expecting(what: string, fix?: string): (issue: { input?: unknown }) => string {
  const tail = fix === undefined ? "" : `: ${fix}`;
  return (issue) => (issue.input === undefined ? `is missing${tail}` : `must be ${what}, got ${GOT}${tail}`);
}

/** The longest gid accepted: Asana's are 16 to 19 digits; a much longer string is a mistake, not a gid. */
export const MAX_GID_DIGITS = 32;

/** A string of digits (an Asana gid), at most MAX_GID_DIGITS long. */
export function gidString(what: string, fix?: string) {
  const error = expecting(what, fix);
  return z.string({ error }).regex(new RegExp(`^\\d{1,${MAX_GID_DIGITS}}$`), { error });
}

/** An integer of at least `min` (and at most `max`, when given). */
export function integerAtLeast(min: number, what: string, max?: number) {
  const error = expecting(what);
  const atLeast = z.int({ error }).min(min, { error });
  return max === undefined ? atLeast : atLeast.max(max, { error });
}

/** One of a fixed set of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: expecting(`one of ${values.map((v) => `'${v}'`).join(", ")}`) });
}

const DATE_TIME_EXAMPLE = "e.g. 2024-01-01T00:00:00Z or 2024-01-01T02:00:00+02:00";

/** Why a string is not an RFC 3339 date-time with a time zone, or undefined when it is one (core/rfc3339.ts decides). */
export function dateTimeProblem(value: string): string | undefined {
  if (!Number.isNaN(parseDateTime(value))) return undefined;
  const what = `must be an ISO 8601 date-time with a time zone, got ${GOT}`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${what}: add a time, e.g. ${value}T00:00:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value)) return `${what}: add a time zone, e.g. ${value}Z for UTC`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) return `is not a real date-time, got ${GOT}: ${DATE_TIME_EXAMPLE}`;
  return `${what}: ${DATE_TIME_EXAMPLE}`;
}

/** A string checked by `problem` (undefined when fine), then normalised to a UTC ISO date-time. */
function utcTimeField(what: string, example: string, problem: (value: string) => string | undefined, utc: (value: string) => string) {
  return z
    .string({ error: expecting(what, example) })
    .superRefine((value, ctx) => {
      const found = problem(value);
      if (found !== undefined) ctx.addIssue({ code: "custom", message: found, input: value });
    })
    .transform((value) => new Date(parseDateTime(utc(value))).toISOString());
}

/** An ISO 8601 date-time with `Z` or an offset, normalised to UTC (`2024-01-01T00:00:00.000Z`). */
export function utcDateTime() {
  return utcTimeField("an ISO 8601 date-time with a time zone", DATE_TIME_EXAMPLE, dateTimeProblem, (v) => v).meta({ format: "date-time" });
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_OR_DATE_TIME_EXAMPLE = "e.g. 2024-01-01 (00:00 UTC) or 2024-01-01T00:00:00Z";

/** Why a string is neither a calendar date nor an RFC 3339 date-time with a time zone, or undefined. */
export function dateOrDateTimeProblem(value: string): string | undefined {
  const m = DATE.exec(value);
  if (m === null) {
    const problem = dateTimeProblem(value);
    // A date alone is accepted here: say so, and show one.
    return problem
      ?.replace("must be an ISO 8601 date-time with a time zone", "must be a date or an ISO 8601 date-time with a time zone")
      .replace(DATE_TIME_EXAMPLE, DATE_OR_DATE_TIME_EXAMPLE);
  }
  const [year, month, day] = m.slice(1, 4).map(Number) as [number, number, number];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) ? undefined : `is not a real date, got ${GOT}: ${DATE_OR_DATE_TIME_EXAMPLE}`;
}

/**
 * A calendar date (`2024-01-01`, meaning 00:00 UTC, as Meltano's `date_iso8601` settings are
 * written) or an ISO 8601 date-time with `Z` or an offset; normalised to UTC (`2024-01-01T00:00:00.000Z`).
 */
export function utcDateOrDateTime() {
  const midnight = (value: string): string => (DATE.test(value) ? `${value}T00:00:00Z` : value);
  return utcTimeField("a date or an ISO 8601 date-time with a time zone", DATE_OR_DATE_TIME_EXAMPLE, dateOrDateTimeProblem, midnight).meta({ pattern: "^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2}))?$" });
}

/** Whether a URL hostname is loopback: localhost, 127.0.0.0/8 or ::1 (WHATWG URL already normalised it). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host === "[::1]" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Why a string is not an acceptable API root, or undefined when it is one. */
export function baseUrlProblem(value: string): string | undefined {
  const fix = `e.g. ${DEFAULT_BASE_URL}`;
  if (!URL.canParse(value)) return `must be an http(s) URL, got ${GOT}: ${fix}`;
  const url = new URL(value);
  if (url.protocol !== "https:" && url.protocol !== "http:") return `must be an http(s) URL, got ${GOT}: ${fix}`;
  if (url.username !== "" || url.password !== "") {
    return "must not carry a user name or password: put the token in service_account_token";
  }
  if (url.search !== "" || url.hash !== "") {
    return `must not have a query string or fragment, got ${GOT}: give the API root only, ${fix}`;
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return `uses plain http to non-loopback host ${url.hostname}: use https`;
  }
  return undefined;
}

/** The API root without a trailing slash, so paths can be appended with `/`. */
export function normaliseBaseUrl(value: string): string {
  const url = new URL(value);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

/** An http(s) API root; plain http only to a loopback host; default Asana's. */
export function baseUrl() {
  return z
    .string({ error: expecting("an http(s) URL", `e.g. ${DEFAULT_BASE_URL}`) })
    .superRefine((value, ctx) => {
      const problem = baseUrlProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, input: value });
    })
    .default(DEFAULT_BASE_URL)
    .transform(normaliseBaseUrl);
}
