// Hours-long waits, driven through runSync in-process with one fake clock shared with the emulator:
// a fresh job still running after export_timeout_minutes, and an export slot held by another export
// for longer than the sync may wait. Both must fail clearly, keeping the previous state.
import { Agent } from "undici";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { AsanaApi } from "../../src/asana/api.js";
import { AsanaHttp } from "../../src/asana/http.js";
import type { Clock } from "../../src/core/clock.js";
import { ConnectorError } from "../../src/core/errors.js";
import type { Logger } from "../../src/core/logger.js";
import { Redactor } from "../../src/core/redact.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { exportFileAvailable } from "../../src/export-file/probe.js";
import type { SyncEvent } from "../../src/core/events.js";
import { requireStream } from "../../src/streams/index.js";
import type { SelectedStream } from "../../src/sync/plan.js";
import { exportReader } from "../../src/sync/read-export.js";
import { runSync, type SyncOptions } from "../../src/sync/run.js";
import type { ConnectorState } from "../../src/sync/state.js";

const HOUR = 3_600_000;
const START = Date.parse("2026-06-01T00:00:00.000Z");
let t = START;
const clock: Clock = { now: () => t, sleep: async (ms) => void (t += ms) };
let em: Emulator;
const dispatcher = new Agent();
// Each test has its own emulator and clock: a job or a held export slot never outlives its test.
beforeEach(async () => {
  t = START;
  em = await startEmulator({ seed: 131, tasks: 40, teams: 2, messages: 5, clock, jobPollsUntilDone: 1 });
});
afterEach(async () => {
  await em.close();
});
afterAll(async () => {
  await dispatcher.close();
});

const STREAMS: SelectedStream[] = [{ definition: requireStream("tasks", "test"), incremental: true, columns: undefined }];
const PREVIOUS: ConnectorState = { streams: { tasks: { version: 1, cursor: "2026-05-01T00:00:00.000Z" } } };

function deps(logs: string[]) {
  const redactor = new Redactor();
  const logger: Logger = (_level, message) => void logs.push(message);
  const http = new AsanaHttp({ baseUrl: em.baseUrl, token: em.token, dispatcher, requestTimeoutMs: 10_000, maxRetries: 3, clock, logger, redactor });
  const readExport = exportReader({ dispatcher, maxRetries: 3, requestTimeoutMs: 10_000, clock, logger, redactor, onInvalidRecord: "fail" });
  return { api: new AsanaApi(http), readExport, probeFile: (url: string) => exportFileAvailable(url, dispatcher, 10_000), clock, logger };
}

const options = (minutes: number): SyncOptions => ({
  workspace: em.workspaceGid,
  startDate: undefined,
  lookbackSeconds: 0,
  filters: {},
  pollIntervalMs: 5_000,
  exportTimeoutMs: minutes * 60_000,
  onInvalidRecord: "fail",
});

async function collect(gen: AsyncGenerator<SyncEvent, ConnectorState>): Promise<{ events: SyncEvent[]; error: unknown }> {
  const events: SyncEvent[] = [];
  try {
    for (let next = await gen.next(); !next.done; next = await gen.next()) events.push(next.value);
  } catch (error) {
    return { events, error };
  }
  throw new Error("the sync succeeded");
}

const cursors = (events: readonly SyncEvent[]): unknown[] => events.flatMap((e) => (e.kind === "state" ? [e.state.cursor] : []));

describe("runSync with a fake clock", () => {
  it("a fresh job still running after export_timeout_minutes: EXPORT_TIMEOUT, the job kept for the next run", async () => {
    em.faults.arm({ kind: "job-slow", ms: 10 * HOUR });
    const start = t;
    const logs: string[] = [];
    const { events, error } = await collect(runSync(STREAMS, PREVIOUS, options(90), deps(logs)));
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe("EXPORT_TIMEOUT");
    expect((error as ConnectorError).failureType).toBe("transient_error");
    expect((error as Error).message).toMatch(/^Export job \d+ was still running after 90 minutes \(config\.export_timeout_minutes\)/);
    expect(t - start).toBeGreaterThanOrEqual(90 * 60_000);
    expect(t - start).toBeLessThan(92 * 60_000);
    expect(new Set(cursors(events))).toEqual(new Set([PREVIOUS.streams.tasks?.cursor]));
    const last = events.filter((e) => e.kind === "state").at(-1);
    expect(last?.kind === "state" ? last.state.pending_export : undefined).toBeDefined();
  });

  it("the export slot held by another export longer than the sync may wait: ASANA_EXPORT_IN_PROGRESS, saying so while waiting", async () => {
    em.faults.arm({ kind: "job-slow", ms: 10 * HOUR });
    const foreign = await fetch(`${em.baseUrl}/exports/resource`, {
      method: "POST",
      headers: { authorization: `Bearer ${em.tokens.otherServiceAccount}`, "content-type": "application/json" },
      body: JSON.stringify({ data: { workspace: em.workspaceGid, export_request_parameters: [{ resource_type: "team" }] } }),
    });
    expect(foreign.status).toBe(201);
    const start = t;
    const logs: string[] = [];
    const { events, error } = await collect(runSync(STREAMS, PREVIOUS, options(30), deps(logs)));
    expect((error as ConnectorError).code).toBe("ASANA_EXPORT_IN_PROGRESS");
    expect((error as ConnectorError).failureType).toBe("transient_error");
    expect((error as Error).message).toMatch(/^Another export is already running in this workspace \(403; Asana allows one at a time\)\..*Wait for it to finish, then run the sync again\.$/);
    expect(t - start).toBeLessThanOrEqual(30 * 60_000);
    const waits = logs.filter((l) => l.startsWith(`Another export is running in workspace ${em.workspaceGid}`));
    expect(waits.length).toBeGreaterThan(5);
    expect(events.some((e) => e.kind === "state")).toBe(false);
    expect(events.some((e) => e.kind === "records")).toBe(false);
  });
});
