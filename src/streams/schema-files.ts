// Finds and loads schemas/<stream>.json. Sources run from src/streams (vitest), compiled code from
// dist/src/streams, an installed package from node_modules/source-asana-export/dist/src/streams: the
// package root is the nearest directory above this file that holds package.json and schemas/.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConnectorError } from "../core/errors.js";
import { describeIssues, jsonSchemaObject, type JsonSchemaObject } from "./json-schema.js";

/** The nearest directory at or above `start` holding both package.json and schemas/. */
export function packageRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "schemas"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw packagingError(`no directory above ${start} holds package.json and schemas/; the package is incomplete`);
    }
    dir = parent;
  }
}

/** Read and check `schemas/<name>.json` under the package root. */
export function loadStreamSchema(name: string, root: string = packageRoot()): JsonSchemaObject {
  const file = join(root, "schemas", `${name}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw packagingError(`cannot read the schema of stream '${name}' from ${file}: ${String(cause)}`, cause);
  }
  return parseStreamSchema(raw, file);
}

/** Check a parsed schema document against our draft-07 subset; `where` names it in errors. */
export function parseStreamSchema(raw: unknown, where: string): JsonSchemaObject {
  const parsed = jsonSchemaObject.safeParse(raw);
  if (!parsed.success) {
    throw packagingError(`${where} is not a valid stream schema: ${describeIssues(parsed.error.issues, "schema")}`);
  }
  return parsed.data;
}

function packagingError(message: string, cause?: unknown): ConnectorError {
  return new ConnectorError(message, { code: "SCHEMA_INVALID", failureType: "system_error", cause });
}
