// The convergence check of issue 12, shared by its two test files (lookback 0 and the default): ten
// rounds of every mutation kind against the emulator (changes landing while an export runs, a kill
// and a rerun, a full export made due), each followed by a sync through the built CLI of one front
// end (Airbyte `read`, the Singer tap, the standalone `sync`). After each sync, a destination model
// fed with what the front end emitted is compared with the ground truth at the export's moment:
// - join and other full-refresh streams: every row equal;
// - tasks and messages: every live object present, with the columns modified_at covers equal;
// - deletions: every object that was given and is gone reported once, nothing live reported;
// - after a due full export: every column of every incremental stream equal (and for the
//   standalone sync, which tracks child rows, the child streams exact too).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { expect } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import type { WorkspaceView } from "../../src/emulator/workspace.js";
import { STREAMS, type StreamDefinition } from "../../src/streams/index.js";
import { emulatorConfig, fullCatalog, scratch, type Json } from "../helpers/airbyte.js";
import { SOURCE_BIN, TAP_BIN } from "../helpers/cli.js";
import { expectedRows, rowKey } from "../helpers/truth.js";
import { manifestSchema } from "../../src/sinks/standalone-manifest.js";

export type FrontEnd = "airbyte" | "tap" | "standalone";

const DELETION_COLUMN: Record<FrontEnd, string> = { airbyte: "_ab_cdc_deleted_at", tap: "_sdc_deleted_at", standalone: "_deleted_at" };
/** Columns of tasks and messages that Asana's modified_at covers (the emulator's moving kinds change only these). */
const COVERED: Record<string, readonly string[]> = {
  tasks: ["modified_at", "name", "notes", "html_notes", "completed", "completed_at", "assignee", "due_on", "due_at"],
  messages: ["modified_at", "title", "text", "html_text", "name", "notes", "html_notes"],
};
const RESOURCE_TYPE = { tasks: "task", messages: "message" } as const;

const streamDef = (name: string): StreamDefinition => {
  const def = STREAMS.find((s) => s.name === name);
  if (def === undefined) throw new Error(name);
  return def;
};
/** A row without the connector's own columns (`_export_gid`, `_extracted_at`, deletion columns). */
const own = (row: Json): Json => Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith("_")));

/**
 * The row as the destination holds it, checked against the ground truth's object, which has every
 * field (an export gives a selection, compact references with fewer fields): each value the row has
 * equals the truth's at the same path, and every list has the truth's length. A stale value (an old
 * section, a removed tag) fails; a field the selection left out does not.
 */
function mismatch(got: unknown, want: unknown, path: string): string | undefined {
  if (Array.isArray(got)) {
    if (!Array.isArray(want) || want.length !== got.length) return `${path}: ${JSON.stringify(got)} is not ${JSON.stringify(want)}`;
    for (let i = 0; i < got.length; i++) {
      const m = mismatch(got[i], want[i], `${path}[${i}]`);
      if (m !== undefined) return m;
    }
    return undefined;
  }
  if (typeof got === "object" && got !== null) {
    if (typeof want !== "object" || want === null || Array.isArray(want)) return `${path}: ${JSON.stringify(got)} is not ${JSON.stringify(want)}`;
    for (const [k, v] of Object.entries(got)) {
      const m = mismatch(v, (want as Json)[k] ?? null, `${path}.${k}`);
      if (m !== undefined) return m;
    }
    return undefined;
  }
  return JSON.stringify(got) === JSON.stringify(want ?? null) ? undefined : `${path}: ${JSON.stringify(got)} is not ${JSON.stringify(want)}`;
}

function expectMatches(got: Json | undefined, want: Json, label: string, columns?: readonly string[]): void {
  expect(got, `${label}: present`).toBeDefined();
  const row = own(got ?? {});
  const picked = columns === undefined ? row : Object.fromEntries(columns.filter((c) => c in row).map((c) => [c, row[c]]));
  expect(mismatch(picked, want, label)).toBeUndefined();
}

/** What a destination holds after applying every sync's records as its platform documents. */
class Destination {
  readonly rows = new Map<string, Map<string, Json>>();
  /** Deletion records received, per stream and key. */
  readonly deletions = new Map<string, Map<string, number>>();
  /** Keys ever received as live rows, per stream. */
  readonly given = new Map<string, Set<string>>();

  constructor(private readonly deletionColumn: string) {}

  apply(stream: string, records: readonly Json[]): void {
    const def = streamDef(stream);
    let table = this.rows.get(stream);
    if (table === undefined || !def.supportsIncremental) this.rows.set(stream, (table = new Map()));
    const given = this.given.get(stream) ?? new Set<string>();
    this.given.set(stream, given);
    const deletions = this.deletions.get(stream) ?? new Map<string, number>();
    this.deletions.set(stream, deletions);
    for (const record of records) {
      const key = rowKey(record, def.primaryKey);
      if (record[this.deletionColumn] !== undefined && record[this.deletionColumn] !== null) {
        deletions.set(key, (deletions.get(key) ?? 0) + 1);
        table.delete(key);
        continue;
      }
      given.add(key);
      const cursor = def.cursorField;
      const previous = table.get(key);
      if (previous === undefined || cursor === undefined || String(record[cursor]) >= String(previous[cursor])) table.set(key, record);
    }
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawn a built bin; `kill` ends it with SIGKILL. */
function start(bin: string, args: string[]): { done: Promise<Run>; kill: () => void } {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ASANA_SERVICE_ACCOUNT_TOKEN: "" }, stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  const done = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
  return { done, kill: () => child.kill("SIGKILL") };
}

const jsonLines = (text: string): Json[] => text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Json);

/** One front end: how it runs, where its state lives, how its records are read. */
interface Driver {
  run(): { done: Promise<Run>; kill: () => void };
  /** After a run (also a killed one): records per stream, and keep the state it ended with. */
  absorb(run: Run): Map<string, Json[]>;
  /** Make a full export due: the state's last full exports eight days back. */
  ageFullExports(): void;
  /** The state's last_full_export_at and cursor of tasks. */
  lastFullExport(): { last: unknown; cursor: unknown };
}

function driver(front: FrontEnd, em: Emulator, config: Json): Driver {
  const dir = scratch();
  const configPath = join(dir, "config.json");
  writeFileSync(configPath, JSON.stringify(config));
  const eightDaysBack = (blob: Json): void => {
    if (typeof blob.last_full_export_at === "string") blob.last_full_export_at = new Date(Date.parse(blob.last_full_export_at) - 8 * 86_400_000).toISOString();
  };
  if (front === "standalone") {
    const out = join(dir, "out");
    const statePath = join(out, "_state.json");
    const seen = new Set<string>();
    return {
      run: () => start(SOURCE_BIN, ["sync", "--config", configPath, "--out", out, "--format", "jsonl"]),
      absorb: () => {
        // The files of manifests not read yet: each is one completed sync.
        const records = new Map<string, Json[]>();
        // No folder yet: no sync completed.
        const folder = join(out, "_manifests");
        const manifests = existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith(".json")).sort() : [];
        for (const name of manifests) {
          if (seen.has(name)) continue;
          seen.add(name);
          const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(out, "_manifests", name), "utf8")));
          for (const [stream, entry] of Object.entries(manifest.streams)) {
            const rows = entry.files.flatMap((f) => jsonLines(gunzipSync(readFileSync(join(out, f.path))).toString("utf8")));
            expect(rows.length, `${stream} rows of ${name}`).toBe(entry.rows);
            expect(rows.filter((r) => r._deleted_at !== undefined && r._deleted_at !== null).length, `${stream} tombstones of ${name}`).toBe(entry.deleted_rows ?? 0);
            records.set(stream, [...(records.get(stream) ?? []), ...rows]);
          }
        }
        return records;
      },
      ageFullExports: () => {
        const state = JSON.parse(readFileSync(statePath, "utf8")) as { bookmarks: Record<string, Json> };
        for (const blob of Object.values(state.bookmarks)) eightDaysBack(blob);
        writeFileSync(statePath, JSON.stringify(state));
      },
      lastFullExport: () => {
        const tasks = (JSON.parse(readFileSync(statePath, "utf8")) as { bookmarks: Record<string, Json> }).bookmarks.tasks;
        return { last: tasks?.last_full_export_at, cursor: tasks?.cursor };
      },
    };
  }
  const catalogPath = join(dir, "catalog.json");
  const statePath = join(dir, "state.json");
  let state: Json[] | Json | undefined;
  if (front === "airbyte") writeFileSync(catalogPath, JSON.stringify(fullCatalog("auto")));
  return {
    run: () => {
      const args = front === "airbyte" ? ["read", "--config", configPath, "--catalog", catalogPath] : ["--config", configPath];
      if (state !== undefined) {
        writeFileSync(statePath, JSON.stringify(state));
        args.push("--state", statePath);
      }
      return start(front === "airbyte" ? SOURCE_BIN : TAP_BIN, args);
    },
    absorb: (run) => {
      const records = new Map<string, Json[]>();
      // A killed run's last line may be cut: only whole lines count, as a platform reads them.
      const lines = run.stdout.split("\n").slice(0, -1).filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Json);
      const perStream = new Map<string, Json>();
      for (const m of lines) {
        if (front === "airbyte") {
          if (m.type === "RECORD") {
            const r = m.record as { stream: string; data: Json };
            records.set(r.stream, [...(records.get(r.stream) ?? []), r.data]);
          } else if (m.type === "STATE") {
            // The platform passes back the state objects (AirbyteStateMessage), not the envelopes.
            const s = m.state as Json & { stream: { stream_descriptor: { name: string } } };
            perStream.set(s.stream.stream_descriptor.name, s);
          }
        } else if (m.type === "RECORD") {
          records.set(String(m.stream), [...(records.get(String(m.stream)) ?? []), m.record as Json]);
        } else if (m.type === "STATE") {
          state = m.value as Json;
        }
      }
      // The platform keeps the latest state of each stream it was given.
      if (front === "airbyte" && perStream.size > 0) {
        const kept = new Map(((state as Json[] | undefined) ?? []).map((m) => [(m as { stream: { stream_descriptor: { name: string } } }).stream.stream_descriptor.name, m]));
        for (const [name, m] of perStream) kept.set(name, m);
        state = [...kept.values()];
      }
      return records;
    },
    ageFullExports: () => {
      if (front === "airbyte") for (const m of (state as Json[] | undefined) ?? []) eightDaysBack((m as { stream: { stream_state: Json } }).stream.stream_state);
      else for (const blob of Object.values(((state as { bookmarks?: Record<string, Json> } | undefined)?.bookmarks) ?? {})) eightDaysBack(blob);
    },
    lastFullExport: () => {
      let tasks: Json | undefined;
      if (front === "airbyte") {
        const message = ((state as Json[] | undefined) ?? []).find((m) => (m as { stream: { stream_descriptor: { name: string } } }).stream.stream_descriptor.name === "tasks");
        tasks = (message as { stream: { stream_state: Json } } | undefined)?.stream.stream_state;
      } else tasks = (state as { bookmarks?: Record<string, Json> } | undefined)?.bookmarks?.tasks;
      return { last: tasks?.last_full_export_at, cursor: tasks?.cursor };
    },
  };
}

/** Gids of objects deleted at or before the view's moment. */
function deletedBy(em: Emulator, type: "task" | "message", at: number): Set<string> {
  return new Set(em.workspace.deleted(type).filter((d) => Date.parse(d.deleted_at) <= at).map((d) => d.gid));
}

function check(front: FrontEnd, dest: Destination, em: Emulator, view: WorkspaceView, at: number, round: string, fullDone: boolean): void {
  const truth = (stream: string) => expectedRows(view, stream);
  for (const def of STREAMS) {
    const table = dest.rows.get(def.name) ?? new Map<string, Json>();
    const want = new Map(truth(def.name).map((r) => [rowKey(r, def.primaryKey), JSON.parse(JSON.stringify(r)) as Json]));
    if (!def.supportsIncremental) {
      // Join, reference and team streams: exact after every sync.
      expect([...table.keys()].sort(), `${round} ${def.name} keys`).toEqual([...want.keys()].sort());
      for (const [key, row] of want) expectMatches(table.get(key), row, `${round} ${def.name} ${key}`);
      continue;
    }
    const covered = COVERED[def.name];
    if (covered !== undefined) {
      for (const [key, row] of want) {
        const got = table.get(key);
        expectMatches(got, row, `${round} ${def.name} ${key}`, covered);
        if (fullDone) expectMatches(got, row, `${round} ${def.name} ${key} after a full export`);
      }
      // Deletions: what was given and is gone, reported once; nothing live.
      const type = RESOURCE_TYPE[def.name as keyof typeof RESOURCE_TYPE];
      const gone = deletedBy(em, type, at);
      const reported = dest.deletions.get(def.name) ?? new Map<string, number>();
      for (const [key, n] of reported) {
        expect(n, `${round} ${def.name} ${key} reported deleted once`).toBe(1);
        expect(want.has(key), `${round} ${def.name} ${key} reported deleted while live`).toBe(false);
      }
      const expectedGone = [...(dest.given.get(def.name) ?? [])].filter((k) => gone.has(k)).sort();
      expect([...reported.keys()].sort(), `${round} ${def.name} deletions`).toEqual(expectedGone);
      expect([...table.keys()].filter((k) => !want.has(k)), `${round} ${def.name} rows of deleted objects`).toEqual([]);
      continue;
    }
    // Child streams: no row reported deleted twice or while it exists; after a full export every
    // existing row is as Asana has it (and, where child rows are tracked, nothing else is left).
    for (const [key, n] of dest.deletions.get(def.name) ?? []) {
      expect(n, `${round} ${def.name} ${key} reported deleted once`).toBe(1);
      expect(want.has(key), `${round} ${def.name} ${key} reported deleted while it exists`).toBe(false);
    }
    if (fullDone) {
      for (const [key, row] of want) expectMatches(table.get(key), row, `${round} ${def.name} ${key} after a full export`);
      if (front === "standalone") expect([...table.keys()].filter((k) => !want.has(k)), `${round} ${def.name} rows left after a full export`).toEqual([]);
    }
  }
}

/** Ten rounds of mutations and syncs through one front end; every check after every sync. */
export async function converge(front: FrontEnd, lookback: number | undefined): Promise<void> {
  let offset = 0;
  const em = await startEmulator({ seed: 31, tasks: 90, teams: 3, messages: 24, clock: { now: () => Date.now() + offset } });
  try {
    const config = emulatorConfig(em, lookback === undefined ? {} : { lookback_window_seconds: lookback });
    const dest = new Destination(DELETION_COLUMN[front]);
    const d = driver(front, em, config);
    const sync = async (round: string, during?: "mutate" | "kill"): Promise<{ view: WorkspaceView; at: number }> => {
      if (during === undefined) {
        const run = await d.run().done;
        expect(run.code, `${round}: ${run.stderr.slice(-2000)}`).toBe(0);
        for (const [stream, records] of d.absorb(run)) dest.apply(stream, records);
        const view = em.workspace.snapshot();
        return { view, at: view.takenAt };
      }
      // Hold the download: the job (and its snapshot) exists; change the workspace or kill the run.
      const firedFrom = em.faults.fired.length;
      em.faults.arm({ kind: "hold", target: "download" });
      const running = d.run();
      await em.faults.waitForFired((f) => f.kind === "hold", { since: firedFrom });
      const view = em.workspace.snapshot();
      if (during === "mutate") {
        offset += 1_000;
        em.workspace.mutate({ creates: 2, modifies: 3, silent: 3, moves: 2, deletes: 1 });
        em.faults.clear();
        em.faults.release();
        const run = await running.done;
        expect(run.code, `${round}: ${run.stderr.slice(-2000)}`).toBe(0);
        for (const [stream, records] of d.absorb(run)) dest.apply(stream, records);
        return { view, at: view.takenAt };
      }
      running.kill();
      const killed = await running.done;
      for (const [stream, records] of d.absorb(killed)) dest.apply(stream, records);
      em.faults.clear();
      em.faults.release();
      const rerun = await d.run().done;
      expect(rerun.code, `${round} rerun: ${rerun.stderr.slice(-2000)}`).toBe(0);
      expect(rerun.stdout + rerun.stderr, `${round}: the rerun resumes the killed run's job`).toMatch(/Resuming export job \d+/);
      for (const [stream, records] of d.absorb(rerun)) dest.apply(stream, records);
      return { view, at: view.takenAt };
    };
    const first = await sync("round 0");
    check(front, dest, em, first.view, first.at, "round 0", true);
    for (let round = 1; round <= 10; round++) {
      // Later than the last export's created_at, even with lookback 0.
      offset += 1_000;
      em.workspace.mutate({ creates: 3, modifies: 5, silent: 5, moves: 4, deletes: 2, ...(round === 6 ? { "delete-team": 1 } : {}) });
      const due = round === 8;
      if (due) d.ageFullExports();
      const during = round === 3 || round === 7 ? "mutate" : round === 5 ? "kill" : undefined;
      const { view, at } = await sync(`round ${round}`, during);
      if (due) {
        // Recorded as the export's created_at, which is also the new cursor.
        const { last, cursor } = d.lastFullExport();
        expect(last, "the due full export is recorded").toBe(cursor);
      }
      check(front, dest, em, view, at, `round ${round}`, due);
    }
  } finally {
    await em.close();
  }
}
