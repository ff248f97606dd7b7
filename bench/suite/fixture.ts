// The bench's input: one emulator for the whole run, one finished export job in it, its file
// downloaded once for the baselines, the ground truth, and the config, catalog and state files that
// make every run of our CLI resume that same job (a state with a pending export), so the file is
// generated once and every candidate reads the same bytes.
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
import { planExport } from "../../src/sync/plan.js";
import { STATE_VERSION } from "../../src/sync/state.js";
import { StreamDigests } from "./digest.js";

/** What the candidates read, and what their outputs must match. */
export interface Fixture {
  tasks: number;
  emulator: Emulator;
  /** The export file, downloaded once (baselines read it from disk). */
  file: string;
  compressedBytes: number;
  uncompressedBytes: number;
  lines: number;
  /** Records per stream and gid checksums, from the emulator's workspace (not from the file). */
  truth: StreamDigests;
  configPath: string;
  catalogPath: string;
  /** Airbyte state for `read`: every stream resumes the prepared job. */
  readStatePath: string;
  /** Writes a fresh state file for `sync` (each sync replaces it with its new state). */
  writeSyncState(path: string): void;
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
}

interface JobView {
  gid: string;
  status: string;
  new_resource_export?: { download_url?: string | null } | null;
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
    // one job serves both (checked). The read plan comes from parsing the very catalog file written.
    const catalog = {
      streams: airbyteStreams().map((stream) => {
        const definition = STREAMS.find((s) => s.name === stream.name);
        const schema = definition === undefined ? stream.json_schema : projectRecordSchema(definition);
        return { stream: { ...stream, json_schema: schema }, sync_mode: "full_refresh", destination_sync_mode: "overwrite" };
      }),
    };
    const settings = { workspace: emulator.workspaceGid, startDate: undefined, lookbackSeconds: 300, filters: {} };
    const readPlan = planExport(
      selectedStreams(parseConfiguredCatalog(catalog).map((c) => ({ stream: c.stream, incremental: false, selectedFields: c.selectedFields }))),
      { streams: {} },
      settings,
    );
    const syncPlan = planExport(
      selectedStreams(STREAMS.map((stream) => ({ stream, incremental: true, selectedFields: undefined }))),
      { streams: {} },
      settings,
    );
    if (readPlan.fingerprint !== syncPlan.fingerprint) throw new Error("read and sync plan different exports; the bench assumes one");

    const started = performance.now();
    log(`generating the export of ${tasks} tasks, ${options.messages} messages, ${options.teams} teams (gzip level ${options.gzipLevel})...`);
    const headers = { authorization: `Bearer ${emulator.token}`, "content-type": "application/json" };
    const created = await api<JobView>(emulator, "POST", "/exports/resource", headers, {
      data: { workspace: emulator.workspaceGid, export_request_parameters: readPlan.parameters },
    });
    let job = created;
    while (job.status !== "succeeded") {
      if (job.status === "failed") throw new Error(`the emulator's export job ${job.gid} failed`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      job = await api<JobView>(emulator, "GET", `/jobs/${job.gid}`, headers);
    }
    const generateSeconds = (performance.now() - started) / 1000;
    const url = job.new_resource_export?.download_url;
    if (!url) throw new Error("the finished job has no download URL");

    const file = join(dir, `export-${tasks}.jsonl.gz`);
    const response = await fetch(url);
    if (!response.ok || response.body === null) throw new Error(`downloading the export answered ${response.status}`);
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(`${file}.part`));
    renameSync(`${file}.part`, file);
    const { compressed, uncompressed, lines } = await measureFile(file);
    log(`export ready in ${generateSeconds.toFixed(0)} s: ${(compressed / 1e6).toFixed(1)} MB gzip, ${(uncompressed / 1e6).toFixed(1)} MB JSON, ${lines} lines`);

    const truth = new StreamDigests();
    for (const stream of STREAMS) {
      for (const object of emulator.workspace.objects(stream.resourceType)) truth.add(stream.name, object.gid);
    }

    const configPath = join(dir, "config.json");
    writeFileSync(
      configPath,
      JSON.stringify({ workspace: emulator.workspaceGid, service_account_token: emulator.token, base_url: emulator.baseUrl, poll_interval_seconds: 0.05 }),
    );
    const catalogPath = join(dir, "catalog.json");
    writeFileSync(catalogPath, JSON.stringify(catalog));
    const pending = {
      job_gid: created.gid,
      workspace: emulator.workspaceGid,
      fingerprint: readPlan.fingerprint,
      started_at: new Date().toISOString(),
      status: "in_progress",
    };
    const blob = { version: STATE_VERSION, pending_export: pending };
    const readStatePath = join(dir, "state-read.json");
    writeFileSync(
      readStatePath,
      JSON.stringify(STREAMS.map((s) => ({ type: "STREAM", stream: { stream_descriptor: { name: s.name }, stream_state: blob } }))),
    );
    const syncState = JSON.stringify(Object.fromEntries(STREAMS.map((s) => [s.name, blob])));
    return {
      tasks,
      emulator,
      file,
      compressedBytes: compressed,
      uncompressedBytes: uncompressed,
      lines,
      truth,
      configPath,
      catalogPath,
      readStatePath,
      writeSyncState: (path) => writeFileSync(path, syncState),
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

async function api<T>(emulator: Emulator, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<T> {
  const response = await fetch(`${emulator.baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as { data?: T; errors?: unknown };
  if (!response.ok || json.data === undefined) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(json.errors)}`);
  return json.data;
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
