// State as the platforms hand it back: Airbyte's array of STATE messages (STREAM, GLOBAL or LEGACY),
// Airbyte's legacy object, or Singer's {"bookmarks": {...}}. All unwrap to the same per-stream values.
import { readFile } from "node:fs/promises";
import { ConfigError } from "../core/errors.js";
import { EMPTY_STATE, checkStateTimes, parseStreamState, type ConnectorState, type StreamState } from "./state.js";

type Blobs = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function foreign(where: string, what: string): ConfigError {
  return new ConfigError(
    `${where} is not a state this connector wrote (${what}). Pass the state from the previous run of ` +
      `source-asana-export, or remove it to run a full sync.`,
    "STATE_FOREIGN",
  );
}

function streamName(descriptor: unknown, where: string): string {
  if (!isObject(descriptor) || typeof descriptor.name !== "string") throw foreign(where, "a STREAM state without stream_descriptor.name");
  return descriptor.name;
}

/** Per-stream blobs of Airbyte's state input. */
function airbyteBlobs(messages: unknown[], where: string): Blobs {
  const blobs: Blobs = {};
  for (const [i, m] of messages.entries()) {
    if (!isObject(m)) throw foreign(where, `item ${i} is not an object`);
    const type = m.type ?? "LEGACY";
    if (type === "STREAM") {
      if (!isObject(m.stream)) throw foreign(where, `item ${i} is a STREAM state without 'stream'`);
      const name = streamName(m.stream.stream_descriptor, where);
      if (m.stream.stream_state !== undefined && m.stream.stream_state !== null) blobs[name] = m.stream.stream_state;
    } else if (type === "GLOBAL") {
      const states = isObject(m.global) && Array.isArray(m.global.stream_states) ? m.global.stream_states : [];
      for (const s of states) if (isObject(s)) blobs[streamName(s.stream_descriptor, where)] = s.stream_state;
    } else if (type === "LEGACY") {
      Object.assign(blobs, legacyBlobs(m.data, where));
    } else {
      throw foreign(where, `item ${i} has state type ${JSON.stringify(type)}`);
    }
  }
  return blobs;
}

/** Per-stream blobs of a legacy object: `{tasks: {...}}` or Singer's `{bookmarks: {tasks: {...}}}`. */
function legacyBlobs(data: unknown, where: string): Blobs {
  if (!isObject(data)) throw foreign(where, "it is not a JSON object or array");
  if ("bookmarks" in data) {
    if (!isObject(data.bookmarks)) throw foreign(where, "'bookmarks' is not an object");
    return data.bookmarks;
  }
  return data;
}

/** Turn a parsed state document of either platform into the connector's state, validating each stream. */
export function parseStateInput(input: unknown, where: string, knownStreams: readonly string[]): ConnectorState {
  if (input === null || input === undefined) return EMPTY_STATE;
  const blobs = Array.isArray(input) ? airbyteBlobs(input, where) : legacyBlobs(input, where);
  const streams: Record<string, StreamState> = {};
  for (const [name, blob] of Object.entries(blobs)) {
    if (!knownStreams.includes(name)) {
      throw new ConfigError(
        `${where} holds state for an unknown stream '${name}' (known: ${knownStreams.join(", ")}). ` +
          `It is not this connector's state; remove that entry or the file.`,
        "STATE_FOREIGN",
      );
    }
    streams[name] = parseStreamState(name, blob, where);
  }
  return { streams };
}

/**
 * Read and parse a state file; a missing path means no state. Empty file or `{}` means no state too.
 * Its times must be ones an export can have (see checkStateTimes; `nowMs` is this machine's clock).
 */
export async function loadStateFile(path: string | undefined, knownStreams: readonly string[], nowMs: number): Promise<ConnectorState> {
  if (path === undefined) return EMPTY_STATE;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`Cannot read the state file ${path}: ${(error as Error).message}. Check the --state path.`, "STATE_UNREADABLE", error);
  }
  if (text.trim() === "") return EMPTY_STATE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `The state file ${path} is not valid JSON (${(error as Error).message}). It is corrupted: restore it from the ` +
        `last STATE message, or remove it to run a full sync.`,
      "STATE_INVALID",
      error,
    );
  }
  const state = parseStateInput(parsed, `The state file ${path}`, knownStreams);
  checkStateTimes(state, nowMs, `The state file ${path}`);
  return state;
}
