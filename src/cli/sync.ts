// `sync`: the standalone incremental sync to typed Parquet (or JSONL) files plus a state file.
// stderr: progress (live on a terminal) and a summary table; stdout: one JSON summary line at the end.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig, type Config } from "../config/index.js";
import { ConfigError } from "../core/errors.js";
import { DELETION_COLUMNS } from "../core/record.js";
import type { Redactor } from "../core/redact.js";
import { PageCodecs, chooseEncoding, parquetCreatedBy, type FileSettings } from "../sinks/files/index.js";
import type { LineWriter } from "../sinks/output.js";
import { StandaloneSink, pendingStatePath, type SyncResult } from "../sinks/standalone.js";
import { removeStaleTemporaries, removeUnlistedFiles } from "../sinks/standalone-leftovers.js";
import { acquireSyncLock, type SyncLock } from "../sinks/sync-lock.js";
import { STREAMS, STREAM_NAMES, requireStream, withDeletionColumn, type StreamDefinition } from "../streams/index.js";
import { loadStateFile } from "../sync/state-input.js";
import { withRecordedPending } from "../sync/state.js";
import { parseFlags, required, stringFlag } from "./args.js";
import type { Runtime } from "./context.js";
import { SYNC_HELP, optionsOf, usageLine } from "./help.js";
import { SyncProgress } from "./progress.js";
import { pumpSync } from "./pump.js";
import { selectedStreams } from "./selection.js";

const SYNC_USAGE = usageLine(SYNC_HELP);

const FORMATS = ["parquet", "jsonl"] as const;

function chosenStreams(list: string | undefined): StreamDefinition[] {
  if (list === undefined) return [...STREAMS];
  const names = list.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0) throw new ConfigError(`--streams is empty; name one or more of ${STREAM_NAMES.join(", ")}.`, "USAGE");
  const unique = [...new Set(names)].map((n) => requireStream(n, "--streams"));
  return STREAMS.filter((s) => unique.includes(s));
}

/** `sync`: one export of the chosen streams into files; returns what was published. */
export async function syncCommand(argv: string[], runtime: Runtime, out: LineWriter, redactor: Redactor): Promise<SyncResult> {
  const flags = parseFlags(argv, optionsOf(SYNC_HELP), SYNC_USAGE);
  const warnings: string[] = [];
  const config = await loadConfig(required("config", stringFlag(flags.config), SYNC_USAGE), runtime.env, (w) => warnings.push(w));
  redactor.add(config.service_account_token);
  const format = stringFlag(flags.format) ?? config.output.format;
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new ConfigError(`--format must be parquet or jsonl, got '${format}'.`, "USAGE");
  }
  const outDir = resolve(stringFlag(flags.out) ?? config.output.path);
  const statePath = resolve(stringFlag(flags["state-file"]) ?? join(outDir, "_state.json"));
  const definitions = chosenStreams(stringFlag(flags.streams));
  const progress = new SyncProgress(runtime.stderr, runtime.isTTY, runtime.clock, redactor, definitions.map((d) => d.name), outDir);
  for (const warning of warnings) progress.logger("warn", warning);
  // Before the state is read or any temporary removed: another sync of this folder may be running.
  let lock: SyncLock;
  try {
    lock = await acquireSyncLock(outDir, { logger: progress.logger });
  } catch (error) {
    progress.stop();
    throw error;
  }
  try {
    return await syncLocked({ config, format, outDir, statePath, definitions, progress, json: flags.json === true }, runtime, out, redactor);
  } finally {
    await lock.release();
  }
}

interface SyncPlan {
  config: Config;
  format: string;
  outDir: string;
  statePath: string;
  definitions: StreamDefinition[];
  progress: SyncProgress;
  /** Print the JSON result even when stdout is a terminal (--json). */
  json: boolean;
}

async function syncLocked({ config, format, outDir, statePath, definitions, progress, json }: SyncPlan, runtime: Runtime, out: LineWriter, redactor: Redactor): Promise<SyncResult> {
  const saved = await loadStateFile(existsSync(statePath) ? statePath : undefined, STREAM_NAMES, runtime.clock.now());
  // A run that was killed while its export ran left the job beside the state: resume it.
  const pendingPath = pendingStatePath(statePath);
  const state = existsSync(pendingPath) ? withRecordedPending(saved, await loadStateFile(pendingPath, STREAM_NAMES, runtime.clock.now())) : saved;
  const streams = selectedStreams(definitions.map((stream) => ({ stream, incremental: true, selectedFields: undefined })));
  // Every stream's folder, not only this sync's: a killed sync of other streams leaves files too.
  const allStreams = STREAMS.map((d) => d.name);
  await removeStaleTemporaries(outDir, allStreams, statePath);
  await removeUnlistedFiles(outDir, allStreams, existsSync(statePath), progress.logger);

  const { compression, row_group_size_mb: rowGroupMb, parquet_data_page_version: pageVersion } = config.output;
  // The Parquet page encoder (a worker thread on two cores) lives as long as this sync.
  const files: FileSettings =
    format === "jsonl"
      ? { format, compression }
      : {
          format: "parquet",
          compression,
          encoding: chooseEncoding(new PageCodecs()),
          onInvalidRecord: config.on_invalid_record,
          createdBy: parquetCreatedBy(),
          rowGroupBytes: rowGroupMb * 1024 * 1024,
          pageVersion: pageVersion === 2 ? 2 : 1,
        };
  const sink = new StandaloneSink({
    outDir,
    files,
    maxFileBytes: config.output.max_file_size_mb * 1024 * 1024,
    statePath,
    // Tombstones carry `_deleted_at`: a column of every stream whose deletions are reported.
    streams: definitions.map((d) => ({ name: d.name, schema: withDeletionColumn(d, d.schema, DELETION_COLUMNS.files) })),
    previousState: saved.streams,
    clock: runtime.clock,
    logger: progress.logger,
    onPublish: progress.onPublish,
  });
  try {
    await pumpSync({
      config,
      streams,
      state,
      runtime,
      sink: progress.wrap(sink),
      logger: progress.logger,
      redactor,
      platform: "standalone",
      // On a terminal every batch updates the byte count, so a stalled download shows where it stopped.
      ...(runtime.isTTY ? { progressEventMs: 0 } : {}),
    });
  } finally {
    progress.stop();
    if (files.format === "parquet") await files.encoding.close();
  }
  const result = sink.outcome;
  if (result === undefined) throw new Error("the sync ended without publishing its files");
  progress.done(result);
  // On a terminal the summary table says it all; scripts (and --json) get the one-line result.
  if (runtime.stdoutIsTTY === true && !json) return result;
  await out.line(
    JSON.stringify({
      status: "succeeded",
      export_gid: result.exportGid,
      export_created_at: result.exportCreatedAt,
      manifest: result.manifestPath,
      state_file: result.statePath,
      streams: result.streams,
    }),
  );
  return result;
}
