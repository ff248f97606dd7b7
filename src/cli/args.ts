import { parseArgs, type ParseArgsConfig } from "node:util";
import { ConfigError } from "../core/errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parse a command's flags strictly; unknown flags and missing values are usage errors that say so. */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(`${command}: ${(error as Error).message}. Usage: ${usage}`, "USAGE");
  }
}

/** A required flag's value, or a usage error naming it. */
export function required(command: string, name: string, value: string | undefined, usage: string): string {
  if (value === undefined || value === "") throw new ConfigError(`${command} needs --${name}. Usage: ${usage}`, "USAGE");
  return value;
}
