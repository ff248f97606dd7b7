// Drives the built `tap-asana-export` the way Meltano does: config, catalog and state files in,
// Singer messages on stdout parsed and grouped per stream.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TAP_BIN, runCli, type CliResult } from "./cli.js";
import { scratch, type Json } from "./airbyte.js";

export { emulatorConfig, scratch, type Json } from "./airbyte.js";

/** The stdout of a tap run, grouped. */
export interface TapRun extends CliResult {
  schemas: Map<string, Json>;
  /** Record data per stream. */
  records: Map<string, Json[]>;
  /** Whole RECORD messages per stream. */
  recordMessages: Map<string, Json[]>;
  /** Every STATE value, in order. */
  states: Json[];
  /** The last STATE value, as Meltano would store it. */
  finalState: Json | undefined;
}

/** Group a tap's messages per stream. */
export function groupMessages(result: CliResult): TapRun {
  const schemas = new Map<string, Json>();
  const records = new Map<string, Json[]>();
  const recordMessages = new Map<string, Json[]>();
  const states: Json[] = [];
  const push = (map: Map<string, Json[]>, key: string, value: Json): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [value]);
    else list.push(value);
  };
  for (const m of result.messages) {
    if (m.type === "SCHEMA") schemas.set(String(m.stream), m);
    else if (m.type === "RECORD") {
      push(records, String(m.stream), m.record as Json);
      push(recordMessages, String(m.stream), m);
    } else if (m.type === "STATE") states.push(m.value as Json);
  }
  return { ...result, schemas, records, recordMessages, states, finalState: states.at(-1) };
}

/** Files of one run: config files (more than one to test merging), an optional catalog and state. */
export interface TapFiles {
  configs: Json[];
  catalog?: unknown;
  state?: unknown;
  /** Use --properties instead of --catalog. */
  properties?: boolean;
}

/** Write the files and return the argv that names them. */
export function tapArgs(files: TapFiles, dir = scratch()): string[] {
  const args: string[] = [];
  files.configs.forEach((config, i) => {
    const path = join(dir, `config-${i}.json`);
    writeFileSync(path, JSON.stringify(config));
    args.push("--config", path);
  });
  if (files.catalog !== undefined) {
    writeFileSync(join(dir, "catalog.json"), JSON.stringify(files.catalog));
    args.push(files.properties ? "--properties" : "--catalog", join(dir, "catalog.json"));
  }
  if (files.state !== undefined) {
    writeFileSync(join(dir, "state.json"), JSON.stringify(files.state));
    args.push("--state", join(dir, "state.json"));
  }
  return args;
}

/** Run the tap in sync mode. */
export async function tapSync(files: TapFiles, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<TapRun> {
  return groupMessages(await runCli(TAP_BIN, tapArgs(files), options));
}

/** What a run printed, as text (for --about, --help and errors, whose stdout is not JSON lines). */
export interface RawResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the tap with raw arguments; stdout is kept as text. */
export function tap(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TAP_BIN, ...args], {
      env: { ...process.env, ASANA_SERVICE_ACCOUNT_TOKEN: "", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
}

/** The discovered catalog, through the CLI. */
export async function discover(config: Json): Promise<{ streams: Json[] }> {
  const result = await tap(["--discover", ...tapArgs({ configs: [config] })]);
  if (result.code !== 0) throw new Error(`--discover failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { streams: Json[] };
}

type Metadata = { breadcrumb: string[]; metadata: Json };

/**
 * A copy of a discovered catalog with Meltano-style selection: `selected` written on every stream
 * and field breadcrumb. `select` maps stream -> true (all fields), or a list of fields.
 */
export function selectCatalog(catalog: { streams: Json[] }, select: Record<string, true | string[]>, methods: Record<string, string> = {}): { streams: Json[] } {
  const copy = structuredClone(catalog);
  for (const entry of copy.streams) {
    const name = String(entry.tap_stream_id);
    const choice = select[name];
    for (const m of entry.metadata as Metadata[]) {
      if (m.breadcrumb.length === 0) {
        m.metadata.selected = choice !== undefined;
        const method = methods[name];
        if (method !== undefined) m.metadata["replication-method"] = method;
      } else {
        const field = m.breadcrumb[1] ?? "";
        m.metadata.selected = choice === true || (Array.isArray(choice) && choice.includes(field));
      }
    }
  }
  return copy;
}
