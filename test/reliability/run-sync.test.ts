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

  /** Take the workspace's export slot with another service account's export that runs 10 hours. */
  async function foreignExport(): Promise<void> {
    em.faults.arm({ kind: "job-slow", ms: 10 * HOUR });
    const foreign = await fetch(`${em.baseUrl}/exports/resource`, {
      method: "POST",
      headers: { authorization: `Bearer ${em.tokens.otherServiceAccount}`, "content-type": "application/json" },
      body: JSON.stringify({ data: { workspace: em.workspaceGid, export_request_parameters: [{ resource_type: "team" }] } }),
    });
    expect(foreign.status).toBe(201);
  }

  it("the export slot held by another export longer than the sync may wait: ASANA_EXPORT_IN_PROGRESS, saying so while waiting", async () => {
    await foreignExport();
    const start = t;
    const logs: string[] = [];
    const { events, error } = await collect(runSync(STREAMS, PREVIOUS, options(20), deps(logs)));
    expect((error as ConnectorError).code).toBe("ASANA_EXPORT_IN_PROGRESS");
    expect((error as ConnectorError).failureType).toBe("transient_error");
    expect((error as Error).message).toMatch(
      /^Another export still held workspace \d+'s only export slot after \d+ minute\(s\) of waiting \(403; Asana allows one at a time\): another tool's, or one an earlier run started whose answer was lost.*Nothing was exported\. Run the sync again later: the next run waits up to 30 minutes more for the slot, then starts its export\.$/,
    );
    expect(t - start).toBeLessThanOrEqual(20 * 60_000);
    const waits = logs.filter((l) => l.startsWith(`Another export is running in workspace ${em.workspaceGid}`));
    expect(waits.length).toBeGreaterThan(5);
    expect(events.some((e) => e.kind === "state")).toBe(false);
    expect(events.some((e) => e.kind === "records")).toBe(false);
  });

  it("the slot held for hours, with export_timeout_minutes 360: the run waits 30 minutes for it, not 6 hours", async () => {
    await foreignExport();
    const start = t;
    const logs: string[] = [];
    const { error } = await collect(runSync(STREAMS, PREVIOUS, options(360), deps(logs)));
    expect((error as ConnectorError).code).toBe("ASANA_EXPORT_IN_PROGRESS");
    expect(t - start).toBeLessThanOrEqual(30 * 60_000);
    // The last wait ended within a minute (the longest interval) of the 30 minutes.
    expect(t - start).toBeGreaterThan(29 * 60_000 - 60_000);
    expect(logs.filter((l) => l.includes("(waiting at most 30 min)")).length).toBe(logs.filter((l) => l.startsWith("Another export is running")).length);
  });

  it("a 403 on the POST that says neither busy nor not permitted, for good: a 3-minute wait, then ASANA_FORBIDDEN_OR_BUSY naming both causes", async () => {
    em.faults.arm({ kind: "forbidden", target: "create-export", message: "Export limit reached", times: Number.POSITIVE_INFINITY });
    const start = t;
    const logs: string[] = [];
    const { events, error } = await collect(runSync(STREAMS, PREVIOUS, options(360), deps(logs)));
    expect((error as ConnectorError).code).toBe("ASANA_FORBIDDEN_OR_BUSY");
    expect((error as ConnectorError).failureType).toBe("transient_error");
    expect((error as Error).message).toMatch(/^Starting the export was refused \(403\) for \d+ minute\(s\), and Asana's reason does not say whether another export holds workspace \d+'s only export slot/);
    expect((error as Error).message).toMatch(/Asana said: "Export limit reached"\. Nothing was exported\. If no other export is running, the refusal is a permission one: the token must belong to a service account/);
    expect(t - start).toBeLessThanOrEqual(3 * 60_000);
    expect(logs.filter((l) => l.includes("(waiting at most 3 min)")).length).toBeGreaterThan(3);
    expect(events.some((e) => e.kind === "state")).toBe(false);
  });
});
