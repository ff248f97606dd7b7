// Drives `source-asana-export read` against an in-process emulator, the way Airbyte would.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Emulator } from "../../src/emulator/index.js";
import { airbyteStreams } from "../../src/streams/index.js";
import { SOURCE_BIN, runCli, type CliResult } from "./cli.js";
import { assertValidAirbyteMessages } from "./protocol.js";

export type Json = Record<string, unknown>;

/** A scratch folder for config, catalog and state files. */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), "asana-export-test-"));
}

/** A config pointing at the emulator, fast polling, with overrides. */
export function emulatorConfig(em: Emulator, overrides: Json = {}): Json {
  return {
    workspace: em.workspaceGid,
    service_account_token: em.token,
    base_url: em.baseUrl,
    poll_interval_seconds: 0.05,
    ...overrides,
  };
}

/** The configured catalog of every stream: incremental where supported, unless `mode` says otherwise. */
export function fullCatalog(mode: "incremental" | "full_refresh" | "auto" = "auto", only?: readonly string[]): Json {
  return {
    streams: airbyteStreams()
      .filter((s) => only === undefined || only.includes(s.name))
      .map((stream) => ({
        stream,
        sync_mode: mode === "auto" ? (stream.supported_sync_modes.includes("incremental") ? "incremental" : "full_refresh") : mode === "incremental" && !stream.supported_sync_modes.includes("incremental") ? "full_refresh" : mode,
        destination_sync_mode: "append_dedup",
        generation_id: 1,
        minimum_generation_id: 0,
        sync_id: 42,
      })),
  };
}

export interface ReadResult extends CliResult {
  records: Map<string, Json[]>;
  /** The last STATE message of each stream, as Airbyte would pass them back. */
  finalState: Json[];
}

/** Run `read` with files written for the given config, catalog and state; every message is protocol-checked. */
export async function airbyteRead(config: Json, catalog: Json, state?: unknown, env?: NodeJS.ProcessEnv): Promise<ReadResult> {
  const dir = scratch();
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(catalog));
  const args = ["read", "--config", join(dir, "config.json"), "--catalog", join(dir, "catalog.json")];
  if (state !== undefined) {
    writeFileSync(join(dir, "state.json"), JSON.stringify(state));
    args.push("--state", join(dir, "state.json"));
  }
  const result = await runCli(SOURCE_BIN, args, env ? { env } : {});
  assertValidAirbyteMessages(result.messages);
  const records = new Map<string, Json[]>();
  const lastState = new Map<string, Json>();
  for (const m of result.messages) {
    if (m.type === "RECORD") {
      const r = m.record as { stream: string; data: Json };
      let list = records.get(r.stream);
      if (!list) records.set(r.stream, (list = []));
      list.push(r.data);
    } else if (m.type === "STATE") {
      const s = m.state as { stream: { stream_descriptor: { name: string } } };
      lastState.set(s.stream.stream_descriptor.name, m.state as Json);
    }
  }
  return { ...result, records, finalState: [...lastState.values()] };
}
