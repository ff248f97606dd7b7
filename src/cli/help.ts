// `source-asana-export <command> --help`: each command's flags and the config keys it reads. The
// flags are the same objects the command parses with, so help and parser cannot drift apart; the
// config keys are described from the generated spec (title and default).
import type { ParseArgsConfig } from "node:util";
import { buildSpec } from "../config/index.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** One documented flag: its parse option and what a user must know. */
export interface FlagHelp {
  option: Options[string];
  /** The value's placeholder (omitted for booleans). */
  value?: string;
  text: string;
}

/** A command's help: usage, what it does, its flags, the config keys it reads. */
export interface CommandHelp {
  name: string;
  summary: string;
  flags: Record<string, FlagHelp>;
  /** Config keys the command acts on (every other key is still validated): a list, or every key but `output`, or every key. */
  configKeys: readonly string[] | "export" | "all";
  notes?: readonly string[];
}

/** The parse options of a command's documented flags. */
export function optionsOf(help: CommandHelp): Options {
  return Object.fromEntries(Object.entries(help.flags).map(([name, flag]) => [name, flag.option]));
}

/** The one-line usage of a command: `source-asana-export sync --config C [--out DIR] ...`. */
export function usageLine(help: CommandHelp, required: readonly string[] = ["config"]): string {
  const parts = Object.entries(help.flags).map(([name, flag]) => {
    const text = flag.value === undefined ? `--${name}` : `--${name} ${flag.value}`;
    return required.includes(name) ? text : `[${text}]`;
  });
  return [`source-asana-export ${help.name}`, ...parts].join(" ");
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  return line === "" ? lines : [...lines, line];
}

interface SpecProperty {
  title?: string;
  default?: unknown;
}

/** The full `--help` text of a command. */
export function renderHelp(help: CommandHelp, required: readonly string[] = ["config"]): string {
  const width = Math.max(...Object.entries(help.flags).map(([n, f]) => n.length + (f.value?.length ?? -1) + 3), 10);
  const flags = Object.entries(help.flags).map(([name, flag]) => {
    const left = flag.value === undefined ? `--${name}` : `--${name} ${flag.value}`;
    return `  ${left.padEnd(width + 2)}${flag.text}`;
  });
  const lines = [`Usage: ${usageLine(help, required)}`, "", ...wrap(help.summary, 100), ""];
  if (flags.length > 0) lines.push("Flags:", ...flags, "  --help".padEnd(width + 4) + "this text", "");
  const properties = buildSpec().connectionSpecification.properties as Record<string, SpecProperty>;
  const keys = help.configKeys === "all" ? Object.keys(properties) : help.configKeys === "export" ? Object.keys(properties).filter((k) => k !== "output") : help.configKeys;
  if (keys.length > 0) {
    const keyWidth = Math.max(...keys.map((k) => k.length));
    lines.push("Config keys it reads (config.json; every key is validated, unknown keys are ignored with a warning):");
    for (const key of keys) {
      const property = properties[key];
      const fallback = property?.default === undefined ? "" : ` (default ${JSON.stringify(property.default)})`;
      lines.push(`  ${key.padEnd(keyWidth + 2)}${property?.title ?? ""}${fallback}`);
    }
    lines.push("");
  }
  if (help.notes !== undefined) lines.push(...help.notes, "");
  return `${lines.join("\n")}`;
}

const CONFIG_FLAG: FlagHelp = { option: { type: "string" }, value: "C", text: "config.json (the token may come from ASANA_SERVICE_ACCOUNT_TOKEN instead)" };

/** check. */
export const CHECK_HELP: CommandHelp = {
  name: "check",
  summary:
    "Checks the token and the workspace with GET /users/me and GET /workspaces/{gid}; prints one CONNECTION_STATUS " +
    "message. It never starts an export (that would take the workspace's only export slot).",
  flags: { config: CONFIG_FLAG },
  configKeys: ["workspace", "service_account_token", "base_url", "request_timeout_seconds", "max_retries"],
};

/** discover. */
export const DISCOVER_HELP: CommandHelp = {
  name: "discover",
  summary: "Prints the CATALOG of the streams. The catalog is static: the config is validated, and nothing is called.",
  flags: { config: CONFIG_FLAG },
  configKeys: [],
};

/** read. */
export const READ_HELP: CommandHelp = {
  name: "read",
  summary:
    "Runs one export of the streams the configured catalog selects and prints RECORD, STATE, TRACE and LOG " +
    "messages (Airbyte protocol) on stdout.",
  flags: {
    config: CONFIG_FLAG,
    catalog: { option: { type: "string" }, value: "K", text: "the configured catalog: streams, sync modes, selected fields" },
    state: { option: { type: "string" }, value: "S", text: "the last state (per-stream STATE messages, or the Singer bookmarks shape)" },
  },
  configKeys: "export",
};

/** sync. */
export const SYNC_HELP: CommandHelp = {
  name: "sync",
  summary:
    "Standalone incremental sync: one export of the chosen streams to typed Parquet (or gzip JSON Lines) files " +
    "per stream, a manifest and a state file, published only when the whole export was read.",
  flags: {
    config: CONFIG_FLAG,
    out: { option: { type: "string" }, value: "DIR", text: "output folder (overrides config.output.path; default ./asana-export)" },
    format: { option: { type: "string" }, value: "parquet|jsonl", text: "file format (overrides config.output.format; default parquet)" },
    "state-file": { option: { type: "string" }, value: "F", text: "state file (default <out>/_state.json)" },
    streams: { option: { type: "string" }, value: "tasks,teams,messages", text: "the streams to sync (default: all)" },
    json: { option: { type: "boolean" }, text: "print the one-line JSON result on stdout even when stdout is a terminal" },
  },
  configKeys: "all",
  notes: [
    "On a terminal stderr shows the phases live (waiting for the export job, downloading, writing, publishing);",
    "otherwise it gets plain log lines. Both end with a summary table. When stdout is not a terminal (or with",
    "--json) it gets one JSON line: {\"status\":\"succeeded\",\"export_gid\":...,\"manifest\":...,\"state_file\":...}.",
  ],
};

/** spec. */
export const SPEC_HELP: CommandHelp = {
  name: "spec",
  summary: "Prints the SPEC message: the config's JSON Schema (spec.json). Takes no flags and reads no config.",
  flags: {},
  configKeys: [],
};
