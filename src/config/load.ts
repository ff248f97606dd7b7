// Reads config.json, validates it with the zod schema and resolves the token from the environment.
// Every problem becomes one line of a single ConfigError; no message ever carries the token.
import { isUtf8 } from "node:buffer";
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { firstInvalidUtf8 } from "../core/utf8.js";
import { describeIssues, scrubSecrets, show } from "./issues.js";
import { type Config, type WithToken, TOKEN_ENV, configSchema } from "./schema.js";

const JSON_FIX = "JSON needs double-quoted keys and strings, and allows no comments or trailing commas";

/** Called with each ignored key of a valid config (e.g. to log a warning). */
export type ConfigWarning = (message: string) => void;

/** Read, parse and validate a config file; throws ConfigError saying what to fix. */
export async function loadConfig(path: string, env: NodeJS.ProcessEnv, warn?: ConfigWarning): Promise<Config> {
  return parseConfig(parseJsonText(await readConfigText(path), path), env, warn);
}

/**
 * Validate an already parsed config.json value; throws one ConfigError listing every problem.
 * Unknown keys are ignored with a warning when the config is otherwise valid (a config written for
 * another version of the connector keeps working: Airbyte's rule), and listed with the problems
 * when it is not (a typo of a required key reads best next to "is missing"). Unknown keys under
 * `filters` are always refused: a misspelt filter would silently widen the export.
 */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv, warn?: ConfigWarning): Config {
  return parseConfigWith(configSchema, raw, env, warn);
}

/** An unknown key that may be ignored: anywhere but under `filters`. */
function ignorable(issue: z.core.$ZodIssue): issue is z.core.$ZodIssueUnrecognizedKeys {
  return issue.code === "unrecognized_keys" && issue.path[0] !== "filters";
}

/** A copy of `raw` without the keys the issues name. */
function withoutKeys(raw: Record<string, unknown>, issues: readonly z.core.$ZodIssueUnrecognizedKeys[]): Record<string, unknown> {
  const copy = structuredClone(raw);
  for (const issue of issues) {
    let node: unknown = copy;
    for (const step of issue.path) node = (node as Record<PropertyKey, unknown> | undefined)?.[step];
    if (node === null || typeof node !== "object") continue;
    for (const key of issue.keys) delete (node as Record<string, unknown>)[key];
  }
  return copy;
}

/** Like parseConfig, with an extended schema (e.g. one that adds Singer keys). */
export function parseConfigWith<S extends z.ZodObject>(schema: S, raw: unknown, env: NodeJS.ProcessEnv, warn?: ConfigWarning): WithToken<z.output<S>> {
  const envToken = (env[TOKEN_ENV] ?? "").trim();
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    const got = show(raw, envToken === "" ? [] : [envToken]);
    throw new ConfigError(`config must be a JSON object such as {"workspace": "1200000000000000"}, got ${got}`, "CONFIG_INVALID");
  }
  const fileValue = (raw as Record<string, unknown>)["service_account_token"];
  const fileToken = typeof fileValue === "string" ? fileValue.trim() : "";
  const secrets = [fileValue, fileToken, env[TOKEN_ENV], envToken].filter(
    (s): s is string => typeof s === "string" && s.trim() !== "",
  );

  const result = schema.safeParse(raw);
  const issues: z.core.$ZodIssue[] = result.success ? [] : [...result.error.issues];
  const tokenAbsent = fileValue === undefined || (typeof fileValue === "string" && fileToken === "");
  if (tokenAbsent && envToken === "") {
    issues.push({
      code: "custom",
      path: ["service_account_token"],
      message: `is missing: set it or the environment variable ${TOKEN_ENV}`,
    });
  }
  const ignored = issues.filter(ignorable);
  if (issues.length > ignored.length) {
    const problems = describeIssues(issues, { raw, schema, secrets });
    const message = problems.length === 1 ? (problems[0] ?? "") : `${problems.length} problems in the config:\n- ${problems.join("\n- ")}`;
    throw new ConfigError(scrubSecrets(message, secrets), "CONFIG_INVALID");
  }
  let data = result.data;
  if (ignored.length > 0) {
    for (const line of describeIssues(ignored, { raw, schema, secrets })) warn?.(`${line}. It is ignored.`);
    const again = schema.safeParse(withoutKeys(raw as Record<string, unknown>, ignored));
    if (!again.success) throw new Error(`the config without its unknown keys failed validation: ${again.error.message}`);
    data = again.data;
  }
  const token = fileToken !== "" ? fileToken : envToken;
  // Asana tokens are printable ASCII; anything else cannot go into an HTTP header as it is.
  if (/[^\x21-\x7e]/.test(token)) {
    const where = fileToken !== "" ? "config.service_account_token" : `the environment variable ${TOKEN_ENV}`;
    throw new ConfigError(
      `${where} holds characters that are not printable ASCII (an encoding problem: a file or terminal that is not ` +
        `UTF-8, or an invisible character pasted with it); Asana tokens are plain ASCII. Paste the token again.`,
      "CONFIG_ENCODING",
    );
  }
  return { ...(data as z.output<S>), service_account_token: token };
}

/** The text of a config file, or a ConfigError naming the path and what to do. */
export async function readConfigText(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    if (code === "ENOENT") {
      throw new ConfigError(`config file ${path} does not exist: pass the path of your config.json`, "CONFIG_FILE_MISSING", error);
    }
    if (code === "EISDIR") {
      throw new ConfigError(`config file ${path} is a directory: pass the path of a config.json file`, "CONFIG_FILE_UNREADABLE", error);
    }
    throw new ConfigError(`config file ${path} cannot be read (${code}): check that it exists and is readable`, "CONFIG_FILE_UNREADABLE", error);
  }
  // Decoding would turn bad bytes into U+FFFD silently: a token read so is sent wrong (or not at all).
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes, 0, bytes.length);
    const before = bytes.subarray(0, at).toString("utf8");
    const line = before.split("\n").length;
    const column = before.length - before.lastIndexOf("\n");
    throw new ConfigError(
      `config file ${path} is not valid UTF-8: the byte at line ${line}, column ${column} (offset ${at}) is not part of a UTF-8 character. ` +
        `Save the file as UTF-8 (JSON requires it), and check that the token was pasted whole.`,
      "CONFIG_ENCODING",
    );
  }
  return bytes.toString("utf8");
}

/** Parse a config file's text; a syntax error says where (line, column, offset) but never quotes the file. */
export function parseJsonText(text: string, path: string): unknown {
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") {
    throw new ConfigError(`config file ${path} is empty: write a JSON object such as {"workspace": "1200000000000000"}`, "CONFIG_FILE_NOT_JSON");
  }
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 may quote a piece of the text (`, "...` or `, ..."...`), which could hold the token: keep
    // only the reason, and nothing at all if it still looks like it quotes the file
    let reason = message.replace(/,\s*(\.\.\.)?".*$/s, "").replace(/\s*(in JSON )?at position \d+.*$/s, "");
    if (reason.includes('"') || reason.length > 80) reason = "syntax error";
    const offset = positionOf(message) ?? failureOffset(body);
    const before = body.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - before.lastIndexOf("\n");
    throw new ConfigError(
      `config file ${path} is not valid JSON: ${reason} at line ${line}, column ${column} (offset ${offset}): ${JSON_FIX}`,
      "CONFIG_FILE_NOT_JSON",
    );
  }
}

function positionOf(message: string): number | undefined {
  const match = /at position (\d+)/.exec(message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Whether a prefix of the text fails before its end (not merely because the text stops early). */
function failsInside(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = error instanceof Error ? error.message : "";
    if (message.startsWith("Unexpected end of JSON input")) return false;
    return positionOf(message) !== prefix.length;
  }
}

/** Offset of the first offending character, for V8 messages that give none: the shortest failing prefix. */
function failureOffset(text: string): number {
  let low = 1;
  let high = text.length;
  if (!failsInside(text)) return text.length;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (failsInside(text.slice(0, mid))) high = mid;
    else low = mid + 1;
  }
  return low - 1;
}
