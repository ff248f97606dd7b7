// From a configured catalog (Airbyte) or Singer metadata to the streams a sync reads.
import { readFile } from "node:fs/promises";
import { ConfigError } from "../core/errors.js";
import type { StreamDefinition } from "../streams/index.js";
import type { SelectedStream } from "../sync/plan.js";

/** A stream selection, from any platform. */
export interface StreamChoice {
  stream: StreamDefinition;
  incremental: boolean;
  selectedFields: readonly string[] | undefined;
}

/** The sync's view of chosen streams: incremental only where the stream supports it. */
export function selectedStreams(choices: readonly StreamChoice[]): SelectedStream[] {
  return choices.map(({ stream, incremental, selectedFields }) => ({
    definition: stream,
    incremental: incremental && stream.supportsIncremental,
    columns: selectedFields,
  }));
}

/** Read a JSON file given on the command line, with errors that name the flag and the fix. */
export async function readJsonFile(path: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`Cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Check the path.`, "FILE_UNREADABLE", error);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${flag} ${path} is not valid JSON: ${(error as Error).message}.`, "FILE_NOT_JSON", error);
  }
}
