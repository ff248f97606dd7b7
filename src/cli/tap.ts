// The Singer tap's modes: discovery and sync. The sync is the connector's one sync (pumpSync), with
// the Singer serialiser as its sink.
import { randomUUID } from "node:crypto";
import type { Logger, LogLevel } from "../core/logger.js";
import type { Redactor } from "../core/redact.js";
import type { Sink } from "../core/events.js";
import type { LineWriter } from "../sinks/output.js";
import { PageCodecs, chooseEncoding, parquetCreatedBy, type FileSettings, type ParquetEncoding } from "../sinks/files/index.js";
import { RotatingBatchFiles } from "../sinks/singer-batch.js";
import { singerCatalog } from "../sinks/singer-catalog.js";
import { parseSingerCatalog, type SingerStreamChoice } from "../sinks/singer-selection.js";
import { SingerSink, type SingerBatchOutput, type SingerStream } from "../sinks/singer.js";
import { DELETION_COLUMNS } from "../core/record.js";
import { projectRecordSchema, STREAM_NAMES, withDeletionColumn, type JsonSchemaObject } from "../streams/index.js";
import { loadStateFile } from "../sync/state-input.js";
import type { Runtime } from "./context.js";
import { pumpSync } from "./pump.js";
import { readJsonFile, selectedStreams } from "./selection.js";
import { batchDirectory, loadSingerConfig, type BatchConfig } from "./tap-config.js";

const LEVELS: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO", warn: "WARNING", error: "ERROR" };

/** A logger writing `time LEVEL message` lines to stderr, secrets redacted. */
export function stderrLogger(runtime: Runtime, redactor: Redactor): Logger {
  return (level, message) => {
    runtime.stderr.write(`${new Date(runtime.clock.now()).toISOString()} ${LEVELS[level]} ${redactor.redact(message)}\n`);
  };
}

/** `--discover`: the Singer catalog (static; the config is validated, nothing is called). */
export async function discoverMode(configPaths: readonly string[], runtime: Runtime, out: LineWriter, redactor: Redactor): Promise<void> {
  const logger = stderrLogger(runtime, redactor);
  await loadSingerConfig(configPaths, runtime.env, (w) => logger("warn", w));
  await out.line(JSON.stringify(singerCatalog()));
}

/** What a sync is given on the command line. */
export interface SyncInput {
  configPaths: readonly string[];
  /** The catalog file and the flag that named it (`--catalog` or `--properties`). */
  catalog?: { path: string; flag: string };
  statePath?: string;
}

/** A stream's record schema: its selected fields, and the deletion column when it syncs incrementally (deletions are reported). */
function recordSchema({ stream, method, selectedFields }: SingerStreamChoice): JsonSchemaObject {
  const schema = projectRecordSchema(stream, selectedFields);
  return method === "INCREMENTAL" ? withDeletionColumn(stream, schema, DELETION_COLUMNS.singer) : schema;
}

function announced(choice: SingerStreamChoice): SingerStream {
  const { stream, method } = choice;
  return {
    stream: stream.name,
    schema: recordSchema(choice),
    keyProperties: [...stream.primaryKey],
    bookmarkProperties: method === "INCREMENTAL" && stream.cursorField !== undefined ? [stream.cursorField] : [],
    fullTable: method === "FULL_TABLE",
  };
}

/**
 * The BATCH output of a batch_config for the announced streams (Parquet columns follow their selected
 * fields). Parquet files are encoded through `encoding`, which the caller owns and closes.
 */
export function batchOutput(
  batch: BatchConfig,
  streams: readonly SingerStreamChoice[],
  cwd: string,
  runId: string,
  encoding: () => ParquetEncoding,
  onInvalidRecord: "fail" | "skip",
): SingerBatchOutput {
  const { format, compression } = batch.encoding;
  const files: FileSettings =
    format === "jsonl" ? { format, compression } : { format, compression, encoding: encoding(), onInvalidRecord, createdBy: parquetCreatedBy() };
  const settings = { directory: batchDirectory(batch.storage.root, cwd), prefix: batch.storage.prefix, encoding: { format, compression }, files, maxRecordsPerFile: batch.batch_size, runId };
  return { files: new RotatingBatchFiles(settings, streams.map((c) => ({ name: c.stream.name, schema: recordSchema(c) }))), encoding: { format, compression } };
}

/** Sync mode: one export of the selected streams, as Singer messages on stdout. */
export async function syncMode(input: SyncInput, runtime: Runtime, out: LineWriter, redactor: Redactor): Promise<void> {
  const logger = stderrLogger(runtime, redactor);
  const config = await loadSingerConfig(input.configPaths, runtime.env, (w) => logger("warn", w));
  redactor.add(config.service_account_token);
  const selection = input.catalog
    ? parseSingerCatalog(await readJsonFile(input.catalog.path, input.catalog.flag), input.catalog.flag)
    : parseSingerCatalog(singerCatalog(), "the discovered catalog");
  for (const note of selection.notes) logger("info", note);
  const state = await loadStateFile(input.statePath, STREAM_NAMES, runtime.clock.now());
  if (selection.streams.length === 0) {
    logger("warn", "The catalog selects no stream; nothing to export. Select streams (Meltano: `select`) and run again.");
    return;
  }
  const streams = selectedStreams(
    selection.streams.map((c) => ({ stream: c.stream, incremental: c.method === "INCREMENTAL", selectedFields: c.selectedFields })),
  );
  const version = runtime.clock.now();
  const announce = selection.streams.map(announced);
  const runId = `${version}-${randomUUID().slice(0, 8)}`;
  let encoding: ParquetEncoding | undefined;
  const openEncoding = (): ParquetEncoding => (encoding ??= chooseEncoding(new PageCodecs()));
  const batch = config.batch_config
    ? batchOutput(config.batch_config, selection.streams, process.cwd(), runId, openEncoding, config.on_invalid_record)
    : undefined;
  const sink = new SingerSink({
    out,
    redactor,
    logger,
    streams: announce,
    initialBookmarks: state.streams,
    version,
    ...(batch ? { batch } : {}),
  });
  await sink.begin();
  // When the sink fails (its reader went away: EPIPE), abort the download at once: a paused,
  // unconsumed download would otherwise keep the connection pool from closing.
  const controller = new AbortController();
  const guarded: Sink = {
    handle: async (event) => {
      try {
        await sink.handle(event);
      } catch (error) {
        controller.abort(error);
        throw error;
      }
    },
    finish: () => sink.finish(),
    abort: () => sink.abort(),
  };
  try {
    await pumpSync({ config, streams, state, runtime, sink: guarded, logger, redactor, signal: controller.signal });
  } finally {
    await encoding?.close();
  }
}
