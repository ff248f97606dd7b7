import { parseArgs, type ParseArgsConfig } from "node:util";
import { ConfigError } from "../core/errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

// Messages name no command: the entry point puts `source-asana-export <command>: ` (or the tap's
// name) before every error once.

/** Parse a command's flags strictly; unknown flags and missing values are usage errors that say so. */
export function parseFlags<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Usage: ${usage}`, "USAGE");
  }
}

/** A required flag's value, or a usage error naming it. */
export function required(name: string, value: string | undefined, usage: string): string {
  if (value === undefined || value === "") throw new ConfigError(`--${name} is required. Usage: ${usage}`, "USAGE");
  return value;
}

/** A string flag's value from parsed flags whose options are not literal types. */
export function stringFlag(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
