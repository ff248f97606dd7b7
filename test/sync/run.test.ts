// runSync in-process against the emulator, with one fake clock for both: long exports, heartbeats,
// timeouts and failed jobs without waiting for real.
import { Agent } from "undici";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { AsanaApi } from "../../src/asana/api.js";
import { AsanaHttp } from "../../src/asana/http.js";
import type { Clock } from "../../src/core/clock.js";
import type { Logger } from "../../src/core/logger.js";
import { Redactor } from "../../src/core/redact.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import type { SyncEvent } from "../../src/core/events.js";
import { requireStream } from "../../src/streams/index.js";
import type { SelectedStream } from "../../src/sync/plan.js";
import { exportFileAvailable } from "../../src/export-file/probe.js";
import { exportReader } from "../../src/sync/read-export.js";
import { runSync, type SyncOptions } from "../../src/sync/run.js";
import { EMPTY_STATE, type ConnectorState } from "../../src/sync/state.js";

const START = Date.parse("2026-06-01T00:00:00.000Z");
let t = START;
const clock: Clock = { now: () => t, sleep: async (ms) => void (t += ms) };
let em: Emulator;
const dispatcher = new Agent();
// Each test has its own emulator and clock: a job left running never holds the slot of the next test.
beforeEach(async () => {
  t = START;
  em = await startEmulator({ seed: 8, tasks: 60, teams: 2, messages: 10, clock, jobMsUntilDone: 40 * 60_000, jobPollsUntilDone: 1 });
});
afterEach(async () => {
  await em.close();
});
afterAll(async () => {
  await dispatcher.close();
});

const streams: SelectedStream[] = [
  { definition: requireStream("tasks", "test"), incremental: true, columns: undefined },
  { definition: requireStream("teams", "test"), incremental: false, columns: undefined },
];

/** A logger that drops everything. */
const silentLogger: Logger = () => undefined;

function deps() {
  const redactor = new Redactor();
  const http = new AsanaHttp({ baseUrl: em.baseUrl, token: em.token, dispatcher, requestTimeoutMs: 10_000, maxRetries: 3, clock, logger: silentLogger, redactor });
  const readExport = exportReader({ dispatcher, maxRetries: 3, requestTimeoutMs: 10_000, clock, logger: silentLogger, redactor, onInvalidRecord: "fail" });
  const probeFile = (url: string) => exportFileAvailable(url, dispatcher, 10_000);
  return { api: new AsanaApi(http), readExport, probeFile, clock, logger: silentLogger };
}

const options = (overrides: Partial<SyncOptions> = {}): SyncOptions => ({
  workspace: em.workspaceGid,
  startDate: undefined,
  lookbackSeconds: 300,
  filters: {},
  pollIntervalMs: 5_000,
  exportTimeoutMs: 360 * 60_000,
  onInvalidRecord: "fail",
  ...overrides,
});

async function collect(gen: AsyncGenerator<SyncEvent, ConnectorState>): Promise<{ events: SyncEvent[]; state?: ConnectorState; error?: unknown }> {
  const events: SyncEvent[] = [];
  try {
    for (;;) {
      const next = await gen.next();
      if (next.done) return { events, state: next.value };
      events.push(next.value);
    }
  } catch (error) {
    return { events, error };
  }
}

describe("runSync", () => {
  it("emits a distinct heartbeat state at least every 10 minutes while a 40-minute export runs", async () => {
    const start = t;
    const { events, state } = await collect(runSync(streams, EMPTY_STATE, options(), deps()));
    expect(state?.streams.tasks?.cursor).toBeDefined();
    const taskStates = events.filter((e): e is Extract<SyncEvent, { kind: "state" }> => e.kind === "state" && e.stream === "tasks");
    const beats = taskStates.filter((e) => (e.state.pending_export as { checked_at?: string } | undefined)?.checked_at);
    expect(t - start).toBeGreaterThanOrEqual(40 * 60_000);
    expect(beats.length).toBeGreaterThanOrEqual(4);
    const times = [start, ...beats.map((b) => Date.parse((b.state.pending_export as { checked_at: string }).checked_at))];
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(10 * 60_000);
    expect(new Set(beats.map((b) => JSON.stringify(b.state))).size).toBe(beats.length);
  });

  it("gives up after export_timeout_minutes, keeping the pending job for the next run", async () => {
    const { events, error } = await collect(runSync(streams, EMPTY_STATE, options({ exportTimeoutMs: 10 * 60_000 }), deps()));
    expect((error as { code?: string }).code).toBe("EXPORT_TIMEOUT");
    expect(String((error as Error).message)).toMatch(/export_timeout_minutes/);
    const last = events.filter((e) => e.kind === "state").at(-1) as Extract<SyncEvent, { kind: "state" }>;
    expect(last.state.pending_export).toBeDefined();
    expect(last.state.cursor).toBeUndefined();
    expect(events.filter((e) => e.kind === "stream_status").slice(-2).map((e) => (e as { status: string }).status)).toEqual(["INCOMPLETE", "INCOMPLETE"]);
    // That job finishes; the next run resumes it.
    t += 60 * 60_000;
    const saved: ConnectorState = { streams: {} };
    for (const e of events) if (e.kind === "state") saved.streams[e.stream] = e.state as ConnectorState["streams"][string];
    const resumed = await collect(runSync(streams, saved, options(), deps()));
    expect(resumed.error).toBeUndefined();
    expect(resumed.events.some((e) => e.kind === "log" && e.message.startsWith("Resuming export job"))).toBe(true);
  });

  it("resumes a job recorded on only its first stream (the run was killed between state messages)", async () => {
    const first = await collect(runSync(streams, EMPTY_STATE, options({ exportTimeoutMs: 10 * 60_000 }), deps()));
    expect((first.error as { code?: string }).code).toBe("EXPORT_TIMEOUT");
    const recorded = first.events.find((e) => e.kind === "state" && e.stream === "tasks" && e.state.pending_export !== undefined);
    expect(recorded).toBeDefined();
    const saved: ConnectorState = { streams: { tasks: (recorded as Extract<SyncEvent, { kind: "state" }>).state as ConnectorState["streams"][string] } };
    t += 60 * 60_000;
    const posts = () => em.requests.filter((q) => q.method === "POST").length;
    const before = posts();
    const resumed = await collect(runSync(streams, saved, options(), deps()));
    expect(resumed.error).toBeUndefined();
    expect(posts()).toBe(before);
    expect(resumed.events.some((e) => e.kind === "log" && e.message.startsWith("Resuming export job"))).toBe(true);
    const teams = resumed.events.reduce((n, e) => n + (e.kind === "records" && e.stream === "teams" ? e.records.length : 0), 0);
    expect(teams).toBe(em.workspace.count("team"));
  });

  it("reports a failed job clearly and does not advance the state", async () => {
    em.faults.arm({ kind: "job-failed" });
    const { events, error } = await collect(runSync(streams, EMPTY_STATE, options(), deps()));
    expect((error as { code?: string }).code).toBe("EXPORT_JOB_FAILED");
    expect(events.some((e) => e.kind === "state" && e.state.cursor !== undefined)).toBe(false);
    expect(events.some((e) => e.kind === "records")).toBe(false);
  });

  it("starts a new export when a resumed job's file is gone (Asana keeps files 30 days)", async () => {
    const first = await collect(runSync(streams, EMPTY_STATE, options({ exportTimeoutMs: 10 * 60_000 }), deps()));
    expect((first.error as { code?: string }).code).toBe("EXPORT_TIMEOUT");
    const saved: ConnectorState = { streams: {} };
    for (const e of first.events) if (e.kind === "state") saved.streams[e.stream] = e.state as ConnectorState["streams"][string];
    t += 60 * 60_000;
    // The job finishes (its file is written in real time); nobody comes back for it for 31 days.
    const jobGid = saved.streams.tasks!.pending_export!.job_gid;
    await em.waitForExportFile(jobGid);
    expect((await deps().api.job(jobGid)).status).toBe("succeeded");
    t += 31 * 24 * 3600_000;
    const again = await collect(runSync(streams, saved, options(), deps()));
    expect(again.error).toBeUndefined();
    expect(again.events.some((e) => e.kind === "log" && e.message.includes("no longer available; starting a new export"))).toBe(true);
    const records = again.events.filter((e) => e.kind === "records" && e.stream === "tasks").reduce((n, e) => n + (e.kind === "records" ? e.records.length : 0), 0);
    expect(records).toBe(em.workspace.count("task"));
  });
});
