// The input of the deletion-tracking cases (issue 12: what the narrow projection costs): an emulator
// of their own (the suite's stays untouched), the state a full sync of tasks and messages left
// (written by our CLI), one mutation round, and the incremental export of that state planned with
// `track_deletions` off and on. Each distinct export is started once; every run resumes its job
// through a pending-export state whose fingerprint is the plan the CLI computes from the same
// config, catalog and state files, so every run of a case reads the same bytes.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.js";
import { syncOptions } from "../../src/cli/pump.js";
import { selectedStreams } from "../../src/cli/selection.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { STREAMS, parseConfiguredCatalog, projectRecordSchema, type StreamDefinition } from "../../src/streams/index.js";
import { planSync, type ExportPlan } from "../../src/sync/plan.js";
import { loadStateFile } from "../../src/sync/state-input.js";
import { STATE_VERSION, type ConnectorState, type StreamState } from "../../src/sync/state.js";
import { fullRead } from "./full-read.js";
import { prepareExport, type PreparedExport } from "./prepared-export.js";

/** `track_deletions` of a measured run (the standalone sync's default is rows, Airbyte's and Singer's objects). */
export type Tracking = "off" | "objects" | "rows";
/** Which command a case runs: Airbyte `read` or the standalone `sync`. */
export type Command = "read" | "sync";

/** The streams measured: the two whose deletions are tracked. */
export const TRACKED = ["tasks", "messages"] as const;
type TrackedStream = (typeof TRACKED)[number];
const TYPE_OF: Record<TrackedStream, "task" | "message"> = { tasks: "task", messages: "message" };

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
  /** What the mutation round did, net (objects of each kind, all types; `silent`: changed without moving modified_at). */
  round: { created: number; modified: number; silent: number; deleted: number };
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
  /**
   * Percent of live tasks and messages the round changes in a way that moves modified_at; a quarter
   * of that changes silently (a tag, a follower, a like), a quarter moves (section, project), a tenth
   * is created and as many deleted.
   */
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
      const result = await prepareExport(emulator, plan);
      log(
        `${what}: export of ${(result.compressedBytes / 1e6).toFixed(2)} MB gzip, ${(result.uncompressedBytes / 1e6).toFixed(2)} MB JSON, ` +
          `${result.lines} lines, ready in ${((performance.now() - started) / 1000).toFixed(0)} s`,
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
    const tenth = Math.round(modifies / 10);
    const quarter = Math.round(modifies / 4);
    const summary = emulator.workspace.mutate({ creates: tenth, modifies, silent: quarter, moves: quarter, deletes: tenth });
    const round = { created: summary.created.length, modified: summary.modified.length, silent: summary.silent.length, deleted: summary.deleted.length };
    log(`mutation round: ${round.created} created, ${round.modified} modified, ${round.silent} changed without moving modified_at, ${round.deleted} deleted`);

    // 3. The incremental exports of each config, from its state.
    const jobs = new Map<string, PreparedExport>();
    let after: string | undefined;
    for (const { command, tracking } of MEASURED) {
      const blobs = baseline.get(tracking) as Map<string, StreamState>;
      const path = join(dir, `state-before-${tracking}.json`);
      writeFileSync(path, airbyteState(Object.fromEntries(blobs)));
      // Read back the way the CLI reads it (validated), to plan from exactly what it will see.
      const state = await loadStateFile(path, STREAMS.map((s) => s.name), Date.now());
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
      round,
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
