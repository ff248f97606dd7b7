// The bench's input: one emulator for the whole run, the finished export job of the three top-level
// streams in it, its file downloaded once for the baselines, the ground truth, and the config,
// catalog and state files that make every run of our CLI resume that same job (a state with a
// pending export), so the file is generated once and every candidate reads the same bytes. All
// fifteen streams ask for a wider export (the `users` stream's narrow parents: who created a task,
// assigned it, wrote a story), so their cases resume a second job, prepared once too.
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import { selectedStreams } from "../../src/cli/selection.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { STREAMS, airbyteStreams, parseConfiguredCatalog, projectRecordSchema } from "../../src/streams/index.js";
import { planSync } from "../../src/sync/plan.js";
import { TOP_LEVEL } from "./top-level.js";
import { STATE_VERSION } from "../../src/sync/state.js";
import { expectedRows, rowKey } from "../../test/helpers/truth.js";
import { StreamDigests } from "./digest.js";
import { prepareExport, runJob, type PreparedExport } from "./prepared-export.js";

/** What the candidates read, and what their outputs must match. */
export interface Fixture {
  tasks: number;
  emulator: Emulator;
  /** The export file, downloaded once (baselines read it from disk). */
  file: string;
  compressedBytes: number;
  uncompressedBytes: number;
  lines: number;
  /** Records and primary-key checksums of the three top-level streams, from the emulator's workspace (not from the file). */
  truth: StreamDigests;
  /** The same for all fifteen streams, the derived rows computed by the test suite's independent oracle (the three streams only when the fixture was prepared without `allStreams`). */
  truthAll: StreamDigests;
  configPath: string;
  /** A full_refresh catalog of the three top-level streams. */
  catalogPath: string;
  /** A full_refresh catalog of every stream. */
  catalogAllPath: string;
  /** Airbyte state for `read` of the three streams: each resumes the prepared job (only they: builds before the derived streams refuse state of streams they do not know). */
  readStatePath: string;
  /** The same for every stream, resuming the job of all fifteen streams. */
  readStateAllPath: string;
  /** The job all fifteen streams resume, when their export is not the three streams' (as measured when downloaded). */
  allExport: PreparedExport | undefined;
  /** Writes a fresh state file for `sync`, every stream resuming the prepared job of the selection (each sync replaces it with its new state). */
  writeSyncState(path: string, selection: "top" | "all"): void;
  /** Seconds the emulator took to generate the export. */
  generateSeconds: number;
  /** The gid of an object of the type halfway through the export (a selective filter's target). */
  sampleGid(resourceType: "task" | "team" | "message"): string;
  close(): Promise<void>;
}

export interface FixtureOptions {
  tasks: number;
  messages: number;
  teams: number;
  gzipLevel: number;
  seed: number;
  dir: string;
  log: (line: string) => void;
  /** Prepare what the cases of all fifteen streams need too (default true): their export, and the oracle's digests of the derived rows. */
  allStreams?: boolean;
}

/** Start the emulator, export its workspace once, download the file and write the CLI's inputs. */
export async function prepareFixture(options: FixtureOptions): Promise<Fixture> {
  const { tasks, dir, log } = options;
  mkdirSync(dir, { recursive: true });
  const emulator = await startEmulator({
    seed: options.seed,
    tasks,
    teams: options.teams,
    messages: options.messages,
    gzipLevel: options.gzipLevel,
    jobPollsUntilDone: 1,
    downloadUrlTtlSeconds: 24 * 3600,
    requestsPerMinute: 100_000,
  });
  try {
    // The plans our CLI makes: `read` with a full_refresh catalog selecting each stream's default
    // fields, `sync` (incremental, defaults): without a start date both ask for the same export, so
    // one job serves both (checked), one for the three streams and one for all fifteen. The read
    // plans come from parsing the very catalog files written.
    const catalogOf = (names: readonly string[]): unknown => ({
      streams: airbyteStreams().filter((stream) => names.includes(stream.name)).map((stream) => {
        const definition = STREAMS.find((s) => s.name === stream.name);
        const schema = definition === undefined ? stream.json_schema : projectRecordSchema(definition);
        return { stream: { ...stream, json_schema: schema }, sync_mode: "full_refresh", destination_sync_mode: "overwrite" };
      }),
    });
    const catalog = catalogOf(TOP_LEVEL.map((t) => t.definition.name));
    const catalogAll = catalogOf(STREAMS.map((s) => s.name));
    const settings = { workspace: emulator.workspaceGid, startDate: undefined, lookbackSeconds: 300, filters: {} };
    const readPlan = planSync(
      selectedStreams(parseConfiguredCatalog(catalog).map((c) => ({ stream: c.stream, incremental: false, selectedFields: c.selectedFields }))),
      { streams: {} },
      settings,
    ).single;
    const syncPlan = planSync(
      selectedStreams(TOP_LEVEL.map(({ definition }) => ({ stream: definition, incremental: true, selectedFields: undefined }))),
      { streams: {} },
      settings,
    ).single;
    const readAllPlan = planSync(
      selectedStreams(parseConfiguredCatalog(catalogAll).map((c) => ({ stream: c.stream, incremental: false, selectedFields: c.selectedFields }))),
      { streams: {} },
      settings,
    ).single;
    const syncAllPlan = planSync(
      selectedStreams(STREAMS.map((definition) => ({ stream: definition, incremental: true, selectedFields: undefined }))),
      { streams: {} },
      settings,
    ).single;
    if (readPlan.fingerprint !== syncPlan.fingerprint || readAllPlan.fingerprint !== syncAllPlan.fingerprint) {
      throw new Error("read and sync of the same streams plan different exports; the bench assumes they resume one job");
    }

    const started = performance.now();
    log(`generating the export of ${tasks} tasks, ${options.messages} messages, ${options.teams} teams (gzip level ${options.gzipLevel})...`);
    // Generating a large export takes minutes: runJob waits for its file, then polls the job once.
    const created = await runJob(emulator, readPlan);
    const generateSeconds = (performance.now() - started) / 1000;

    const file = join(dir, `export-${tasks}.jsonl.gz`);
    const response = await fetch(created.url);
    if (!response.ok || response.body === null) throw new Error(`downloading the export answered ${response.status}`);
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(`${file}.part`));
    renameSync(`${file}.part`, file);
    const { compressed, uncompressed, lines } = await measureFile(file);
    log(`export ready in ${generateSeconds.toFixed(0)} s: ${(compressed / 1e6).toFixed(1)} MB gzip, ${(uncompressed / 1e6).toFixed(1)} MB JSON, ${lines} lines`);
    let allExport: PreparedExport | undefined;
    const allStreams = options.allStreams ?? true;
    if (allStreams && readAllPlan.fingerprint !== readPlan.fingerprint) {
      log("generating the export of all fifteen streams (more task and story fields)...");
      allExport = await prepareExport(emulator, readAllPlan);
      log(`export ready: ${(allExport.compressedBytes / 1e6).toFixed(1)} MB gzip, ${(allExport.uncompressedBytes / 1e6).toFixed(1)} MB JSON, ${allExport.lines} lines`);
    }

    const truthAll = new StreamDigests();
    for (const definition of allStreams ? STREAMS : TOP_LEVEL.map((t) => t.definition)) {
      for (const row of expectedRows(emulator.workspace, definition.name)) truthAll.add(definition.name, rowKey(row, definition.primaryKey));
    }
    const truth = truthAll.only(TOP_LEVEL.map((t) => t.definition.name));

    const configPath = join(dir, "config.json");
    writeFileSync(
      configPath,
      JSON.stringify({ workspace: emulator.workspaceGid, service_account_token: emulator.token, base_url: emulator.baseUrl, poll_interval_seconds: 0.05 }),
    );
    const catalogPath = join(dir, "catalog.json");
    writeFileSync(catalogPath, JSON.stringify(catalog));
    const catalogAllPath = join(dir, "catalog-all.json");
    writeFileSync(catalogAllPath, JSON.stringify(catalogAll));
    const startedAt = new Date().toISOString();
    const blobOf = (jobGid: string, fingerprint: string): unknown => ({
      version: STATE_VERSION,
      pending_export: { job_gid: jobGid, workspace: emulator.workspaceGid, fingerprint, started_at: startedAt, status: "in_progress" },
    });
    const blob = blobOf(created.gid, readPlan.fingerprint);
    const blobAll = allExport === undefined ? blob : blobOf(allExport.jobGid, allExport.fingerprint);
    const airbyteState = (names: readonly string[], stateBlob: unknown): string =>
      JSON.stringify(names.map((name) => ({ type: "STREAM", stream: { stream_descriptor: { name }, stream_state: stateBlob } })));
    const readStatePath = join(dir, "state-read.json");
    writeFileSync(readStatePath, airbyteState(TOP_LEVEL.map((t) => t.definition.name), blob));
    const readStateAllPath = join(dir, "state-read-all.json");
    writeFileSync(readStateAllPath, airbyteState(STREAMS.map((s) => s.name), blobAll));
    const syncState = (stateBlob: unknown): string => JSON.stringify(Object.fromEntries(STREAMS.map((s) => [s.name, stateBlob])));
    return {
      tasks,
      emulator,
      file,
      compressedBytes: compressed,
      uncompressedBytes: uncompressed,
      lines,
      truth,
      truthAll,
      configPath,
      catalogPath,
      catalogAllPath,
      readStatePath,
      readStateAllPath,
      allExport,
      writeSyncState: (path, selection) => writeFileSync(path, syncState(selection === "all" ? blobAll : blob)),
      generateSeconds,
      sampleGid: (type) => {
        const gids = [...emulator.workspace.objects(type)].map((o) => o.gid);
        return gids[Math.floor(gids.length / 2)] ?? "";
      },
      close: () => emulator.close(),
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}


async function measureFile(file: string): Promise<{ compressed: number; uncompressed: number; lines: number }> {
  let compressed = 0;
  let uncompressed = 0;
  let lines = 0;
  const input = createReadStream(file);
  input.on("data", (chunk: string | Buffer) => {
    compressed += chunk.length;
  });
  const gunzip = input.pipe(createGunzip({ chunkSize: 256 * 1024 }));
  gunzip.on("data", (chunk: Buffer) => {
    uncompressed += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  });
  await once(gunzip, "end");
  return { compressed, uncompressed, lines };
}
