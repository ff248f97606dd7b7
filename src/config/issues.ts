// Turns zod issues into the lines of one config error: "config.<key> <what is wrong>: <how to fix>".
// Values are quoted only through `show`, which hides anything that is or looks like a token.
import { z } from "zod";
import { redactUrlQueries } from "../core/redact.js";
import { GOT } from "./fields.js";
import { REFUSED_FILTER_KEYS, TASK_ONLY_FILTER_KEYS } from "./schema.js";

/** What the formatter needs besides the issues: the raw input, the schema and the secrets to hide. */
export interface IssueContext {
  raw: unknown;
  schema: z.ZodObject;
  secrets: readonly string[];
}

// Asana personal and service-account tokens look like "1/1234:abc..." or "2/1234/5678:abc...".
const TOKEN_LIKE = /\d\/\d+[:/]/;
const MAX_SHOWN = 60;

/** Whether a string is, contains or is a long piece of a known secret, or looks like an Asana token. */
export function isSecretLike(text: string, secrets: readonly string[]): boolean {
  if (TOKEN_LIKE.test(text)) return true;
  return secrets.some((s) => s !== "" && (text.includes(s) || (text.length >= 8 && s.includes(text))));
}

/** A string cut to MAX_SHOWN characters, saying how long it was when cut. */
function shortened(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}... (${text.length} characters)` : text;
}

/** A value as quoted in an error message: short, typed, never a secret (nor a URL's query or fragment). */
export function show(value: unknown, secrets: readonly string[]): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") {
    if (isSecretLike(value, secrets)) return "a hidden value (it looks like a token)";
    return `'${shortened(redactUrlQueries(value))}'`;
  }
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (value === null || typeof value === "number" || typeof value === "boolean") return String(value);
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** `config.filters.task["assignee.any"][0]`: dotted where a key is a plain name, bracketed otherwise. */
export function renderPath(path: readonly PropertyKey[], secrets: readonly string[] = []): string {
  let out = "config";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment !== "string") out += "[?]";
    else if (isSecretLike(segment, secrets)) out += "[<a key that looks like a token>]";
    else if (segment.length > MAX_SHOWN) out += `[${JSON.stringify(segment.slice(0, MAX_SHOWN))}... (a key of ${segment.length} characters)]`;
    else out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** The raw value at a path, or undefined when any step is missing. */
export function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current = raw;
  for (const segment of path) {
    if (current === null || typeof current !== "object" || typeof segment === "symbol") return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      current = current.unwrap();
    } else if (current instanceof z.ZodNullable) {
      current = current.unwrap();
    } else if (current instanceof z.ZodPipe) {
      current = current.in;
    } else {
      return current;
    }
  }
}

/** The keys an object at a path of the schema accepts (empty when the path is not an object). */
export function keysAt(schema: z.ZodObject, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType = schema;
  for (const segment of path) {
    const node = unwrap(current);
    if (node instanceof z.ZodObject && typeof segment === "string") {
      const next: z.core.$ZodType | undefined = node.shape[segment];
      if (next === undefined) return [];
      current = next;
    } else if (node instanceof z.ZodArray) {
      current = node.element;
    } else {
      return [];
    }
  }
  const node = unwrap(current);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

function closest(key: string, valid: readonly string[]): string | undefined {
  // A key much longer than every valid one is no typo of any; and the edit distance costs
  // length x length (a 10 MB key took 20 s).
  if (key.length > 2 * Math.max(0, ...valid.map((v) => v.length)) + 2) return undefined;
  const lower = key.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const candidate of valid) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= Math.max(1, Math.floor(candidate.length / 4)) && (best === undefined || distance < best.distance)) {
      best = { key: candidate, distance };
    }
  }
  return best?.key;
}

function unknownKeyLine(path: readonly PropertyKey[], key: string, ctx: IssueContext): string {
  const where = renderPath([...path, key], ctx.secrets);
  const valid = keysAt(ctx.schema, path);
  const list = `valid keys: ${valid.join(", ")}`;
  const [first, second] = path;
  if (first === "filters" && path.length === 2) {
    const refused = REFUSED_FILTER_KEYS[key];
    if (refused !== undefined) return `${where} ${refused}`;
    if (second === "message" && (TASK_ONLY_FILTER_KEYS as readonly string[]).includes(key)) {
      return `${where} applies to tasks only: move it to config.filters.task or remove it`;
    }
  }
  if (first === "filters" && path.length === 1 && /^teams?$/.test(key)) {
    return `${where} is not a known key: teams take no filters; ${list}`;
  }
  if (isSecretLike(key, ctx.secrets)) return `${where} is not a known key; ${list}`;
  const guess = closest(key, valid);
  return guess === undefined ? `${where} is not a known key; ${list}` : `${where} is not a known key (did you mean ${guess}?); ${list}`;
}

function issueLine(issue: z.core.$ZodIssue, ctx: IssueContext): string {
  const value = valueAt(ctx.raw, issue.path);
  let got = show(value, ctx.secrets);
  if (issue.code === "invalid_type" && issue.message.includes("gid") && typeof value === "number") {
    got += " (a number: write it as a string, in double quotes)";
  } else if (
    issue.code === "invalid_type" &&
    (issue.expected === "number" || issue.expected === "int") &&
    typeof value === "string" &&
    value.trim() !== "" &&
    Number.isFinite(Number(value))
  ) {
    got += " (a string: write the number without quotes)";
  }
  return `${renderPath(issue.path, ctx.secrets)} ${issue.message.split(GOT).join(got)}`;
}

/** Remove every occurrence of a secret from a text: the last guard before a message leaves. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join("***");
  return out;
}

/** One line per problem, in the order of the schema's top-level keys, unknown keys last. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): string[] {
  const order = Object.keys(ctx.schema.shape);
  const lines: { rank: number; text: string }[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const rank = issue.path.length === 0 ? order.length : order.indexOf(String(issue.path[0]));
      for (const key of issue.keys) lines.push({ rank, text: unknownKeyLine(issue.path, key, ctx) });
    } else {
      const index = order.indexOf(String(issue.path[0]));
      lines.push({ rank: index < 0 ? order.length : index, text: issueLine(issue, ctx) });
    }
  }
  return lines.sort((a, b) => a.rank - b.rank).map((line) => scrubSecrets(line.text, ctx.secrets));
}
