// The input of the deletion-tracking cases (issue 12: what the narrow projection costs): an emulator
// of their own (the suite's stays untouched), the state a full sync of tasks and messages left
// (written by our CLI), one mutation round, and the incremental export of that state planned with
// `track_deletions` off and on. Each distinct export is started once; every run resumes its job
// through a pending-export state whose fingerprint is the plan the CLI computes from the same
// config, catalog and state files, so every run of a case reads the same bytes.
import { once } from "node:events";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import { loadConfig } from "../../src/config/index.js";
import { syncOptions } from "../../src/cli/pump.js";
import { selectedStreams } from "../../src/cli/selection.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { LineSplitter } from "../../src/export-file/lines.js";
import { STREAMS, parseConfiguredCatalog, projectRecordSchema, type StreamDefinition } from "../../src/streams/index.js";
import { planSync, type ExportPlan } from "../../src/sync/plan.js";
import { loadStateFile } from "../../src/sync/state-input.js";
import { STATE_VERSION, type ConnectorState, type StreamState } from "../../src/sync/state.js";
import { measure } from "./measure.js";

/** `track_deletions` of a measured run (the standalone sync's default is rows, Airbyte's and Singer's objects). */
export type Tracking = "off" | "objects" | "rows";
/** Which command a case runs: Airbyte `read` or the standalone `sync`. */
export type Command = "read" | "sync";

/** The streams measured: the two whose deletions are tracked. */
export const TRACKED = ["tasks", "messages"] as const;
type TrackedStream = (typeof TRACKED)[number];
const TYPE_OF: Record<TrackedStream, "task" | "message"> = { tasks: "task", messages: "message" };

/** One prepared export job, measured as downloaded. */
export interface PreparedExport {
  jobGid: string;
  fingerprint: string;
  /** `resource_type: fields (filters)` of each parameter, for the report. */
  parameters: string[];
  compressedBytes: number;
  uncompressedBytes: number;
  lines: number;
}

/** What a verification run of a case observed (filled in by the case, read by the report). */
export interface Observed {
  /** Records of changed objects, all streams. */
  records: number;
  /** Deletion records (or tombstone rows), all streams. */
  deletions: number;
  /** Bytes of the final state of tasks and messages: the two STATE lines `read` printed last, or the state file `sync` wrote. */
  stateBytes: number;
}

export interface IncrementalFixture {
  emulator: Emulator;
  dir: string;
  /** What the mutation round did (gids of each kind, all types). */
  round: { created: number; modified: number; deleted: number };
  /** Live tasks and messages before the round. */
  liveBefore: number;
  /** The incremental exports' lower bound of modified_at (cursor minus the lookback). */
  after: string;
  /** Per stream: `gid|modified_at` of every live object modified after `after` (what a run must emit). */
  expectedChanged: ReadonlyMap<string, ReadonlySet<string>>;
  /** Per stream: gids given by the full sync and gone after the round (what a tracking run must report deleted). */
  expectedDeleted: ReadonlyMap<string, ReadonlySet<string>>;
  /** Per stream: live objects after the round (the keys a tracking run's final state must hold). */
  liveAfter: ReadonlyMap<string, number>;
  /** The config, catalog and state files of `read`, resuming its job. */
  readFiles(tracking: Tracking): { config: string; catalog: string; state: string };
  /** The config of `sync`, and a writer of its state file resuming its job (each sync replaces the file). */
  syncFiles(tracking: Tracking): { config: string; writeState(path: string): void };
  /** The job a case resumes. */
  exportOf(command: Command, tracking: Tracking): PreparedExport;
  /** POST /exports/resource requests this emulator answered so far. */
  exportsStarted(): number;
  /** ... of which the preparation made all: a run must start none. */
  exportsPrepared: number;
  observed: Map<string, Observed>;
  close(): Promise<void>;
}

export interface IncrementalOptions {
  tasks: number;
  messages: number;
  teams: number;
  gzipLevel: number;
  seed: number;
  /** Percent of live tasks and messages the round modifies; a tenth of that is created and as many deleted. */
  changedPercent: number;
  dir: string;
  log: (line: string) => void;
}

/** The runs measured: `read` (Airbyte) and `sync` (standalone), each without and with tracking. */
export const MEASURED: readonly { command: Command; tracking: Tracking }[] = [
  { command: "read", tracking: "off" },
  { command: "read", tracking: "objects" },
  { command: "sync", tracking: "off" },
  { command: "sync", tracking: "rows" },
];

interface JobView {
  gid: string;
  status: string;
  new_resource_export?: { download_url?: string | null } | null;
}

const node = process.execPath;

/** Prepare everything the deletion-tracking cases read; minutes at 200k tasks (three exports are generated). */
export async function prepareIncremental(options: IncrementalOptions, dist: string): Promise<IncrementalFixture> {
  const { dir, log } = options;
  mkdirSync(dir, { recursive: true });
  // The suite's emulator settings (fixture.ts): the same workspace, jobs done on the first poll, no expiry, no rate limit in the way.
  const { seed, tasks, teams, messages, gzipLevel } = options;
  const emulator = await startEmulator({ seed, tasks, teams, messages, gzipLevel, jobPollsUntilDone: 1, downloadUrlTtlSeconds: 24 * 3600, requestsPerMinute: 100_000 });
  try {
    const cli = join(dist, "src/cli/source-main.js");
    const definitions = TRACKED.map((name) => STREAMS.find((s) => s.name === name) as StreamDefinition);
    const configPath = (tracking: Tracking): string => join(dir, `config-${tracking}.json`);
    for (const tracking of ["off", "objects", "rows"] as const) {
      writeFileSync(
        configPath(tracking),
        JSON.stringify({ workspace: emulator.workspaceGid, service_account_token: emulator.token, base_url: emulator.baseUrl, poll_interval_seconds: 0.05, track_deletions: tracking }),
      );
    }
    // Each stream's default fields, incremental, as Airbyte configures a discovered stream.
    const catalogPath = join(dir, "catalog.json");
    writeFileSync(
      catalogPath,
      JSON.stringify({
        streams: definitions.map((d) => ({
          stream: { name: d.name, json_schema: projectRecordSchema(d), supported_sync_modes: ["full_refresh", "incremental"] },
          sync_mode: "incremental",
          destination_sync_mode: "append_dedup",
        })),
      }),
    );
    const planOf = async (command: Command, tracking: Tracking, state: ConnectorState): Promise<ExportPlan> => {
      // The plan the CLI makes from these files: its own config loader, catalog parser and settings.
      const config = await loadConfig(configPath(tracking), {});
      const streams =
        command === "read"
          ? selectedStreams(parseConfiguredCatalog(JSON.parse(readFileSync(catalogPath, "utf8"))).map((c) => ({ stream: c.stream, incremental: c.syncMode === "incremental", selectedFields: c.selectedFields })))
          : selectedStreams(definitions.map((stream) => ({ stream, incremental: true, selectedFields: undefined })));
      const plan = planSync(streams, state, syncOptions(config, command === "read" ? "stream" : "standalone"));
      if (plan.single.streams.join(",") !== TRACKED.join(",")) throw new Error(`the ${command} plan serves ${plan.single.streams.join(", ")}, expected ${TRACKED.join(", ")}`);
      return plan.single;
    };
    const exportsStarted = (): number => emulator.requests.filter((q) => q.method === "POST" && q.path.endsWith("/exports/resource")).length;
    const prepared = new Map<string, PreparedExport>();
    const startJob = async (plan: ExportPlan, what: string): Promise<PreparedExport> => {
      const known = prepared.get(plan.fingerprint);
      if (known !== undefined) return known;
      const started = performance.now();
      const job = await runJob(emulator, plan);
      const measured = await measureDownload(job.url);
      const describe = plan.parameters.map((p) => `${p.resource_type}: ${p.fields === undefined ? "default fields" : p.fields.length > 6 ? `${p.fields.length} fields` : p.fields.join(", ")}${p.filters === undefined ? ", unfiltered" : `, ${Object.entries(p.filters).map(([k, v]) => `${k} ${String(v)}`).join(", ")}`}`);
      const result = { jobGid: job.gid, fingerprint: plan.fingerprint, parameters: describe, ...measured };
      log(
        `${what}: export of ${(measured.compressedBytes / 1e6).toFixed(2)} MB gzip, ${(measured.uncompressedBytes / 1e6).toFixed(2)} MB JSON, ` +
          `${measured.lines} lines, ready in ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
      prepared.set(plan.fingerprint, result);
      return result;
    };
    const pendingState = (job: PreparedExport, blobs: ReadonlyMap<string, StreamState>): Record<string, StreamState> =>
      Object.fromEntries(
        TRACKED.map((name) => [
          name,
          { ...(blobs.get(name) ?? { version: STATE_VERSION }), pending_export: { job_gid: job.jobGid, workspace: emulator.workspaceGid, fingerprint: job.fingerprint, started_at: new Date().toISOString(), status: "succeeded" } },
        ]),
      );
    const airbyteState = (blobs: Record<string, StreamState>): string =>
      JSON.stringify(Object.entries(blobs).map(([name, blob]) => ({ type: "STREAM", stream: { stream_descriptor: { name }, stream_state: blob } })));

    // 1. The full sync before: every task and message given to the destination, the state it leaves.
    log(`incremental fixture: generating the full export of ${options.tasks} tasks and ${options.messages} messages (the sync before)...`);
    // A first sync has no cursor, so nothing to filter and no narrow parameter: one job, whatever the tracking.
    const firstPlans = await Promise.all((["off", "objects"] as const).map((tracking) => planOf("read", tracking, { streams: {} })));
    if (new Set(firstPlans.map((p) => p.fingerprint)).size !== 1) throw new Error("the first syncs with and without tracking plan different exports");
    const full = await startJob(firstPlans[0] as ExportPlan, "the full sync before");
    const liveBefore = new Map(TRACKED.map((name) => [name, new Set(gidsOf(emulator, TYPE_OF[name]))]));
    const baseline = new Map<Tracking, Map<string, StreamState>>();
    for (const tracking of ["off", "objects"] as const) {
      const statePath = join(dir, `state-full-${tracking}.json`);
      writeFileSync(statePath, airbyteState(pendingState(full, new Map())));
      baseline.set(tracking, await fullRead(cli, { config: configPath(tracking), catalog: catalogPath, state: statePath }, liveBefore, tracking));
    }
    // With only tasks and messages selected, `rows` tracks what `objects` does (no child stream is
    // synced): the standalone sync before would have left the same keys.
    baseline.set("rows", baseline.get("objects") as Map<string, StreamState>);

    // 2. One mutation round, after the full sync's export was created (so its changes are after the cursor).
    const live = [...liveBefore.values()].reduce((n, s) => n + s.size, 0);
    const modifies = Math.round((live * options.changedPercent) / 100);
    const summary = emulator.workspace.mutate({ creates: Math.round(modifies / 10), modifies, deletes: Math.round(modifies / 10) });
    log(`mutation round: ${summary.created.length} created, ${summary.modified.length} modified, ${summary.deleted.length} deleted (tasks and messages)`);

    // 3. The incremental exports of each config, from its state.
    const jobs = new Map<string, PreparedExport>();
    const states = new Map<Tracking, ConnectorState>();
    let after: string | undefined;
    for (const { command, tracking } of MEASURED) {
      const blobs = baseline.get(tracking) as Map<string, StreamState>;
      const path = join(dir, `state-before-${tracking}.json`);
      writeFileSync(path, airbyteState(Object.fromEntries(blobs)));
      // Read back the way the CLI reads it (validated), to plan from exactly what it will see.
      const state = await loadStateFile(path, STREAMS.map((s) => s.name));
      states.set(tracking, state);
      const plan = await planOf(command, tracking, state);
      const bound = plan.parameters.find((p) => p.filters?.["modified_at.after"] !== undefined)?.filters?.["modified_at.after"];
      if (typeof bound !== "string") throw new Error(`the incremental ${command} plan (${tracking}) has no modified_at.after filter: is the state's cursor missing?`);
      if (after !== undefined && bound !== after) throw new Error(`the incremental plans disagree on modified_at.after (${after}, ${bound})`);
      after = bound;
      jobs.set(`${command}-${tracking}`, await startJob(plan, `incremental ${command}, track_deletions ${tracking}`));
    }
    if (after === undefined) throw new Error("no incremental plan");

    // 4. The ground truth the runs are checked against.
    const bound = Date.parse(after);
    const expectedChanged = new Map<string, Set<string>>();
    const expectedDeleted = new Map<string, Set<string>>();
    const liveAfter = new Map<string, number>();
    for (const name of TRACKED) {
      const changed = new Set<string>();
      const now = new Set<string>();
      for (const o of emulator.workspace.objects(TYPE_OF[name])) {
        now.add(o.gid);
        if (Date.parse(String(o.modified_at)) > bound) changed.add(`${o.gid}|${String(o.modified_at)}`);
      }
      expectedChanged.set(name, changed);
      liveAfter.set(name, now.size);
      expectedDeleted.set(name, new Set([...(liveBefore.get(name) ?? [])].filter((g) => !now.has(g))));
    }

    const readStates = new Map<Tracking, string>();
    for (const { command, tracking } of MEASURED) {
      if (command !== "read") continue;
      const path = join(dir, `state-read-${tracking}.json`);
      writeFileSync(path, airbyteState(pendingState(jobs.get(`read-${tracking}`) as PreparedExport, baseline.get(tracking) as Map<string, StreamState>)));
      readStates.set(tracking, path);
    }
    const exportOf = (command: Command, tracking: Tracking): PreparedExport => {
      const job = jobs.get(`${command}-${tracking}`);
      if (job === undefined) throw new Error(`no ${command} job with track_deletions ${tracking} was prepared`);
      return job;
    };
    return {
      emulator,
      dir,
      round: { created: summary.created.length, modified: summary.modified.length, deleted: summary.deleted.length },
      liveBefore: live,
      after,
      expectedChanged,
      expectedDeleted,
      liveAfter,
      readFiles: (tracking) => {
        const state = readStates.get(tracking);
        if (state === undefined) throw new Error(`no read state with track_deletions ${tracking} was prepared`);
        return { config: configPath(tracking), catalog: catalogPath, state };
      },
      syncFiles: (tracking) => {
        const text = `${JSON.stringify({ bookmarks: pendingState(exportOf("sync", tracking), baseline.get(tracking) as Map<string, StreamState>) }, null, 2)}\n`;
        return { config: configPath(tracking), writeState: (path) => writeFileSync(path, text) };
      },
      exportOf,
      exportsStarted,
      exportsPrepared: exportsStarted(),
      observed: new Map(),
      close: () => emulator.close(),
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

function gidsOf(emulator: Emulator, type: "task" | "message"): string[] {
  return [...emulator.workspace.objects(type)].map((o) => o.gid);
}

/** Start a job of a plan's parameters, wait for its file, and return its download URL. */
async function runJob(emulator: Emulator, plan: ExportPlan): Promise<{ gid: string; url: string }> {
  const headers = { authorization: `Bearer ${emulator.token}`, "content-type": "application/json" };
  const call = async (method: string, path: string, body?: unknown): Promise<JobView> => {
    const response = await fetch(`${emulator.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const json = (await response.json()) as { data?: JobView; errors?: unknown };
    if (!response.ok || json.data === undefined) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(json.errors)}`);
    return json.data;
  };
  const created = await call("POST", "/exports/resource", { data: { workspace: emulator.workspaceGid, export_request_parameters: plan.parameters } });
  await emulator.waitForExportFile(created.gid, { timeoutMs: 3_600_000 });
  const job = await call("GET", `/jobs/${created.gid}`);
  const url = job.new_resource_export?.download_url;
  if (job.status !== "succeeded" || !url) throw new Error(`export job ${job.gid} is ${job.status} once its file is written, without a download URL`);
  return { gid: created.gid, url };
}

/** Bytes as downloaded (gzip), decompressed, and lines of an export file, streamed (nothing kept). */
async function measureDownload(url: string): Promise<{ compressedBytes: number; uncompressedBytes: number; lines: number }> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) throw new Error(`downloading an export answered ${response.status}`);
  let compressedBytes = 0;
  const input = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  input.on("data", (chunk: Buffer) => {
    compressedBytes += chunk.length;
  });
  const gunzip = input.pipe(createGunzip({ chunkSize: 256 * 1024 }));
  const lines = new LineSplitter();
  gunzip.on("data", (chunk: Buffer) => lines.push(chunk, () => undefined));
  await once(gunzip, "end");
  lines.end(() => undefined);
  return { compressedBytes, uncompressedBytes: lines.bytes, lines: lines.lineCount - lines.blankLines };
}

/**
 * `read` of the full export (the sync before): exit 0, every live task and message emitted once,
 * and with tracking every one of them in the state's keys. Returns the final state of each stream.
 */
async function fullRead(
  cli: string,
  files: { config: string; catalog: string; state: string },
  live: ReadonlyMap<string, ReadonlySet<string>>,
  tracking: Tracking,
): Promise<Map<string, StreamState>> {
  const finals = new Map<string, StreamState>();
  const counts = new Map<string, number>();
  const splitter = new LineSplitter();
  // Records are counted by their stream (the sink writes it first); only STATE lines are parsed.
  const recordHead = /^\{"type":"RECORD","record":\{"stream":"([a-z_]+)"/;
  const onLine = (buf: Buffer, start: number, end: number): void => {
    const head = buf.toString("utf8", start, Math.min(end, start + 64));
    const record = recordHead.exec(head);
    if (record?.[1] !== undefined) counts.set(record[1], (counts.get(record[1]) ?? 0) + 1);
    else if (head.startsWith('{"type":"STATE"')) {
      const state = (JSON.parse(buf.toString("utf8", start, end)) as { state: { stream: { stream_descriptor: { name: string }; stream_state: StreamState } } }).state.stream;
      finals.set(state.stream_descriptor.name, state.stream_state);
    }
  };
  const run = await measure({
    command: node,
    args: [cli, "read", "--config", files.config, "--catalog", files.catalog, "--state", files.state],
    stdout: async (stdout) => {
      for await (const chunk of stdout) splitter.push(chunk as Buffer, onLine);
      splitter.end(onLine);
    },
  });
  if (run.exitCode !== 0) throw new Error(`the full read (track_deletions ${tracking}) exited with ${run.exitCode ?? run.signal}: ${run.stderr.slice(-500)}`);
  for (const name of TRACKED) {
    const want = live.get(name)?.size ?? 0;
    if (counts.get(name) !== want) throw new Error(`the full read (track_deletions ${tracking}) emitted ${String(counts.get(name))} ${name} records, expected ${want}`);
    const final = finals.get(name);
    if (final?.cursor === undefined || final.pending_export !== undefined) throw new Error(`the full read (track_deletions ${tracking}) left no cursor for ${name}`);
    const given = final.given?.count;
    if (tracking !== "off" && given !== want) throw new Error(`the full read (track_deletions ${tracking}) keeps ${String(given)} ${name} keys, expected ${want}`);
    if (tracking === "off" && final.given !== undefined) throw new Error(`the full read (track_deletions off) keeps ${name} keys`);
  }
  return finals;
}
