// The fault matrix's runner: one case, run through the built CLI as `read` (Airbyte) or `sync`
// (standalone files), reduced to one Outcome both sides are judged on: exit code, the error (class,
// code, failure_type, message), the gids each stream delivered, the log lines, and what was written.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { decompress as zstdDecompress, init as zstdInit } from "@bokuweb/zstd-wasm";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import type { Emulator, RequestRecord } from "../../src/emulator/index.js";
import { manifestSchema } from "../../src/sinks/standalone-manifest.js";
import { SOURCE_BIN, runCli, type CliResult } from "../helpers/cli.js";
import { emulatorConfig, fullCatalog, scratch, type Json } from "../helpers/airbyte.js";
import { assertValidAirbyteMessages } from "../helpers/protocol.js";
import { expectedRows, rowKey } from "../helpers/truth.js";
import { requireStream } from "../../src/streams/index.js";

export type { Json } from "../helpers/airbyte.js";

/** The two ways users run a sync. */
export type Side = "read" | "sync";

/** The export's own streams and their Asana resource types. */
export const STREAM_TYPES = { tasks: "task", teams: "team", messages: "message" } as const;
export type StreamName = keyof typeof STREAM_TYPES;

/** A stream's primary key columns. */
const keyOf = (stream: string): readonly string[] => requireStream(stream, "test").primaryKey;

/** The small workspace most matrix files use: a few hundred objects, jobs that finish by time alone. */
export const SMALL = { tasks: 300, teams: 3, messages: 60, jobPollsUntilDone: 0 } as const;

/** What a failed run reported, from its final TRACE ERROR (printed by both commands). */
export interface Failure {
  code: string;
  failureType: string;
  message: string;
}

/** A run of either side, reduced to what the matrix asserts. */
export interface Outcome extends CliResult {
  side: Side;
  /** Keys delivered per stream (the gid, or the key columns joined by `|`): RECORD messages (read) or rows of the published files (sync). */
  gids: Map<string, string[]>;
  /** Records' data (read) or rows (sync), for content checks; rows hold only the fields asked. */
  rows: Map<string, Json[]>;
  /** LOG messages (read) or stderr lines (sync). */
  logs: string[];
  /** The final TRACE ERROR, when the run failed. */
  failure: Failure | undefined;
  /** Folder holding the config (and state) files of the run. */
  dir: string;
  /** sync: the output folder. */
  out: string | undefined;
}

/** Inputs of one run; each side ignores what does not apply to it. */
export interface RunInput {
  config?: Json;
  /** read: the state array (or object) to pass with --state. */
  state?: unknown;
  /** read: the configured catalog (default: every stream, incremental where supported). */
  catalog?: Json;
  /** sync: the output folder (default: a fresh one). */
  out?: string;
  /** sync: --format (default jsonl: rows are checked by reading the files back). */
  format?: "jsonl" | "parquet";
  /** Replace the whole config file text (bad-config cases). */
  configText?: string;
  /** Replace the config file with these bytes (encoding cases). */
  configBytes?: Buffer;
  /** Extra flags. */
  flags?: string[];
  env?: NodeJS.ProcessEnv;
}

/** The argv of a run, with its files written to `dir`. */
export function runArgs(side: Side, em: Emulator, input: RunInput, dir = scratch()): { args: string[]; dir: string; out: string | undefined } {
  const configPath = join(dir, "config.json");
  writeFileSync(configPath, input.configBytes ?? input.configText ?? JSON.stringify(emulatorConfig(em, input.config ?? {})));
  if (side === "read") {
    writeFileSync(join(dir, "catalog.json"), JSON.stringify(input.catalog ?? fullCatalog()));
    const args = ["read", "--config", configPath, "--catalog", join(dir, "catalog.json")];
    if (input.state !== undefined) {
      writeFileSync(join(dir, "state.json"), typeof input.state === "string" ? input.state : JSON.stringify(input.state));
      args.push("--state", join(dir, "state.json"));
    }
    return { args: [...args, ...(input.flags ?? [])], dir, out: undefined };
  }
  const out = input.out ?? join(dir, "out");
  mkdirSync(out, { recursive: true });
  return { args: ["sync", "--config", configPath, "--out", out, "--format", input.format ?? "jsonl", ...(input.flags ?? [])], dir, out };
}

/** Run one side to completion and reduce its output; `em.requests` then holds every request of the run. */
export async function run(side: Side, em: Emulator, input: RunInput = {}): Promise<Outcome> {
  const { args, dir, out } = runArgs(side, em, input);
  const result = await runCli(SOURCE_BIN, args, input.env ? { env: input.env } : {});
  // A request's log entry is written when its response is done, which the exited run can be ahead of.
  await em.settled();
  return outcome(side, result, dir, out);
}

/** Reduce a finished process's output (also used by tests that spawn the CLI themselves). */
export async function outcome(side: Side, result: CliResult, dir: string, out: string | undefined): Promise<Outcome> {
  const last = result.messages.at(-1);
  const error = last?.type === "TRACE" ? ((last.trace as Json).error as Json | undefined) : undefined;
  const failure =
    error === undefined
      ? undefined
      : {
          code: /^([A-Z0-9_]+): /.exec(String(error.internal_message))?.[1] ?? "",
          failureType: String(error.failure_type),
          message: String(error.message),
        };
  const base = { ...result, side, failure, dir, out };
  if (side === "read") {
    assertValidAirbyteMessages(result.messages);
    const rows = new Map<string, Json[]>();
    for (const m of result.messages) {
      if (m.type !== "RECORD") continue;
      const r = m.record as { stream: string; data: Json };
      push(rows, r.stream, r.data);
    }
    const logs = result.messages.filter((m) => m.type === "LOG").map((m) => String((m.log as Json).message));
    return { ...base, rows, gids: gidsOf(rows), logs };
  }
  const rows = result.code === 0 && out !== undefined ? await publishedRows(out, result.stdout) : new Map<string, Json[]>();
  return { ...base, rows, gids: gidsOf(rows), logs: result.stderr.split("\n").filter((l) => l !== "") };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function gidsOf(rows: Map<string, Json[]>): Map<string, string[]> {
  return new Map([...rows].map(([stream, list]) => [stream, list.map((r) => rowKey(r, keyOf(stream)))]));
}

let zstdReady: Promise<void> | undefined;

/** The rows of the files a successful sync published, read back from its manifest. */
async function publishedRows(out: string, stdout: string): Promise<Map<string, Json[]>> {
  const summary = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { manifest?: string };
  if (summary.manifest === undefined) throw new Error(`sync printed no summary with a manifest: ${stdout.slice(0, 300)}`);
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(summary.manifest, "utf8")));
  const rows = new Map<string, Json[]>();
  for (const [stream, entry] of Object.entries(manifest.streams)) {
    rows.set(stream, []);
    for (const file of entry.files) {
      const path = join(out, file.path);
      if (manifest.format === "jsonl") {
        const raw = readFileSync(path);
        const text = (path.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
        for (const line of text.split("\n")) if (line !== "") push(rows, stream, JSON.parse(line) as Json);
      } else {
        zstdReady ??= zstdInit();
        await zstdReady;
        const file = await asyncBufferFromFile(path);
        const columns = stream === "tasks" ? ["gid", "notes"] : [...keyOf(stream)];
        const got = (await parquetReadObjects({ file, columns, compressors: { ZSTD: (input: Uint8Array) => zstdDecompress(input) } })) as Json[];
        for (const row of got) push(rows, stream, row);
      }
    }
  }
  return rows;
}

/** A run's last STATE per stream, as Airbyte would pass them back with --state. */
export function lastStates(o: Outcome): Json[] {
  const byStream = new Map<string, Json>();
  for (const m of o.messages) {
    if (m.type !== "STATE") continue;
    const state = m.state as { stream: { stream_descriptor: { name: string } } };
    byStream.set(state.stream.stream_descriptor.name, m.state as Json);
  }
  return [...byStream.values()];
}

/** Every cursor the STATE messages of a read carried. */
export function emittedCursors(o: Outcome): (string | undefined)[] {
  return o.messages
    .filter((m) => m.type === "STATE")
    .map((m) => ((m.state as { stream: { stream_state: { cursor?: string } } }).stream.stream_state.cursor));
}

/** The emulator's ground truth: sorted keys of a stream's rows (a full sync's). */
export function truth(em: Emulator, stream: string): string[] {
  return expectedRows(em.workspace, stream).map((r) => rowKey(r, keyOf(stream))).sort();
}

/** POSTs of exports among requests, by status. */
export function exportPosts(requests: readonly RequestRecord[]): number[] {
  return requests.filter((q) => q.method === "POST" && q.path.endsWith("/exports/resource")).map((q) => q.status);
}
