// The Singer tap's sync through the built CLI against the emulator: stream and field selection,
// replication methods, incremental bookmarks, ACTIVATE_VERSION order, and failures on stderr.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { singerCatalog } from "../../src/sinks/singer-catalog.js";
import { STREAMS, STREAM_NAMES } from "../../src/streams/index.js";
import { expectedRows, rowKey } from "../helpers/truth.js";
import { conformanceProblems } from "../helpers/singer-conformance.js";
import { TAP_BIN } from "../helpers/cli.js";
import { emulatorConfig, selectCatalog, tapArgs, tapSync, type Json, type TapRun } from "../helpers/singer.js";

let em: Emulator;
// The emulator's clock runs with real time; a test moves it on so that changes are provably later.
let offset = 0;
beforeAll(async () => {
  em = await startEmulator({ seed: 33, tasks: 250, teams: 4, messages: 50, clock: { now: () => Date.now() + offset } });
});
afterAll(async () => em.close());

const gids = (records: Json[] | undefined): string[] => (records ?? []).map((r) => String(r.gid)).sort();
const truth = (type: "task" | "team" | "message"): string[] => [...em.workspace.objects(type)].map((o) => o.gid).sort();
const bookmarks = (state: Json | undefined): Record<string, Json> => (state?.bookmarks ?? {}) as Record<string, Json>;

/** The message types of one stream: its own messages, and the STATEs that change its bookmark. */
function kinds(run: TapRun, stream: string): string[] {
  let mark = "";
  const out: string[] = [];
  for (const m of run.messages) {
    if (m.type === "STATE") {
      const next = JSON.stringify(bookmarks(m.value as Json)[stream] ?? null);
      if (next !== mark) out.push("STATE");
      mark = next;
    } else if (m.stream === stream) out.push(String(m.type));
  }
  return out;
}

describe("tap-asana-export sync", () => {
  it("selection: unselected streams are not exported, unselected fields are left out; FULL_TABLE is honoured", async () => {
    const catalog = selectCatalog(singerCatalog() as unknown as { streams: Json[] }, { tasks: ["name", "completed"], teams: true }, { tasks: "FULL_TABLE" });
    const run = await tapSync({ configs: [emulatorConfig(em)], catalog });
    expect(run.code, run.stderr).toBe(0);
    expect(conformanceProblems(run)).toEqual([]);
    expect([...run.schemas.keys()]).toEqual(["tasks", "teams"]);
    expect(run.records.has("messages")).toBe(false);
    // Nothing of an unselected type came in the export.
    expect(run.stderr).not.toContain("Ignored");
    const tasks = run.records.get("tasks") ?? [];
    expect(gids(tasks)).toEqual(truth("task"));
    for (const r of tasks) expect(Object.keys(r).sort()).toEqual(["completed", "gid", "modified_at", "name", "resource_type"]);
    const schema = run.schemas.get("tasks") as { schema: { properties: Json }; bookmark_properties: string[] };
    expect(Object.keys(schema.schema.properties).sort()).toEqual(["completed", "gid", "modified_at", "name", "resource_type"]);
    expect(schema.bookmark_properties).toEqual([]);
    // A FULL_TABLE task sync is versioned like teams.
    expect((run.recordMessages.get("tasks") ?? []).every((m) => typeof m.version === "number")).toBe(true);
    const teams = run.records.get("teams") ?? [];
    expect(gids(teams)).toEqual(truth("team"));
    expect(Object.keys(teams[0] ?? {})).toEqual(expect.arrayContaining(["gid", "name"]));
    expect(Object.keys(teams[0] ?? {})).toContain("html_description"); // `teams.*` selects the opt-in fields too
  });

  it("incremental: bookmarks after all records; the second run returns only what changed; ACTIVATE_VERSION wraps full-table streams", async () => {
    const config = emulatorConfig(em, { lookback_window_seconds: 0 });
    const first = await tapSync({ configs: [config] });
    expect(first.code, first.stderr).toBe(0);
    expect(conformanceProblems(first)).toEqual([]);

    // STATE: the whole bookmarks object; the final one of a stream only after all of its records.
    for (const stream of ["tasks", "teams", "messages"]) {
      const lastRecord = first.messages.findLastIndex((m) => m.type === "RECORD" && m.stream === stream);
      const advanced = first.messages.findIndex((m) => {
        const mark = m.type === "STATE" ? bookmarks(m.value as Json)[stream] : undefined;
        return mark !== undefined && mark.pending_export === undefined;
      });
      expect(advanced, stream).toBeGreaterThan(lastRecord);
    }
    expect(Object.keys(bookmarks(first.finalState)).sort()).toEqual([...STREAM_NAMES].sort());
    expect(bookmarks(first.finalState).tasks?.cursor).toEqual(expect.any(String));
    // Without a catalog: default fields only, so no opt-in field.
    expect(Object.keys((first.records.get("teams") ?? [])[0] ?? {})).not.toContain("html_description");

    // ACTIVATE_VERSION: teams (FULL_TABLE) only, before its first RECORD and after its last, then its STATE.
    const teams = kinds(first, "teams").filter((k, i, all) => k !== all[i - 1]);
    expect(teams.slice(teams.indexOf("SCHEMA"))).toEqual(["SCHEMA", "STATE", "ACTIVATE_VERSION", "RECORD", "ACTIVATE_VERSION", "STATE"]);
    const versions = first.messages.filter((m) => m.type === "ACTIVATE_VERSION" && m.stream === "teams").map((m) => [m.stream, m.version]);
    // Every full-table stream is versioned: teams, the join streams and the reference streams.
    const versioned = new Set(first.messages.filter((m) => m.type === "ACTIVATE_VERSION").map((m) => String(m.stream)));
    expect([...versioned].sort()).toEqual(STREAMS.filter((s) => !s.supportsIncremental).map((s) => s.name).sort());
    const version = (first.recordMessages.get("teams") ?? [])[0]?.version;
    expect(typeof version).toBe("number");
    expect(versions).toEqual([["teams", version], ["teams", version]]);
    expect((first.recordMessages.get("teams") ?? []).every((m) => m.version === version)).toBe(true);
    expect((first.recordMessages.get("tasks") ?? []).some((m) => "version" in m)).toBe(false);

    // The changes come a second after the first export started (lookback 0: the same millisecond would be missed).
    offset += 1_000;
    const changed = em.workspace.mutate({ creates: 3, modifies: 5, deletes: 2 });
    // --properties, the older flag, with the state Meltano would pass back.
    const second = await tapSync({ configs: [config], catalog: singerCatalog(), properties: true, state: first.finalState });
    expect(second.code, second.stderr).toBe(0);
    expect(conformanceProblems(second, { allowEmpty: true })).toEqual([]);
    const live = new Set([...truth("task"), ...truth("message")]);
    const alive = (records: Json[] | undefined): Json[] => (records ?? []).filter((r) => r._sdc_deleted_at === undefined);
    const deletions = (records: Json[] | undefined): Json[] => (records ?? []).filter((r) => r._sdc_deleted_at !== undefined);
    const expected = [...new Set([...changed.created, ...changed.modified])].filter((g) => live.has(g)).sort();
    expect([...gids(alive(second.records.get("tasks"))), ...gids(alive(second.records.get("messages")))].sort()).toEqual(expected);
    expect(gids(second.records.get("teams"))).toEqual(truth("team"));
    // What the first run gave and Asana no longer has: one record each with _sdc_deleted_at.
    const given = new Set([...gids(first.records.get("tasks")), ...gids(first.records.get("messages"))]);
    const deleted = [...gids(deletions(second.records.get("tasks"))), ...gids(deletions(second.records.get("messages")))].sort();
    expect(deleted).toEqual(changed.deleted.filter((g) => given.has(g)).sort());
    // Child streams: the rows of the changed parents; join and reference streams: every row.
    const since = String(bookmarks(first.finalState).tasks?.cursor);
    for (const def of STREAMS.filter((s) => s.source.kind !== "resource")) {
      const want = expectedRows(em.workspace, def.name, def.supportsIncremental ? { after: since } : {}).map((r) => rowKey(r, def.primaryKey)).sort();
      expect(alive(second.records.get(def.name)).map((r) => rowKey(r, def.primaryKey)).sort(), def.name).toEqual(want);
      // By default (track_deletions auto: objects for Singer) child rows report no deletions.
      expect(deletions(second.records.get(def.name)), def.name).toEqual([]);
    }
    const version2 = (second.recordMessages.get("teams") ?? [])[0]?.version as number;
    expect(version2).toBeGreaterThan(version as number);
    expect(String(bookmarks(second.finalState).tasks?.cursor) > String(bookmarks(first.finalState).tasks?.cursor)).toBe(true);
  });

  it("a state of other streams is kept; a failed run says why on stderr, exit 1, secrets redacted", async () => {
    const catalog = selectCatalog(singerCatalog() as unknown as { streams: Json[] }, { teams: true });
    const kept = { bookmarks: { tasks: { version: 1, cursor: "2024-01-01T00:00:00.000Z" } } };
    const ok = await tapSync({ configs: [emulatorConfig(em)], catalog, state: kept });
    expect(ok.code, ok.stderr).toBe(0);
    expect(bookmarks(ok.finalState).tasks).toEqual(kept.bookmarks.tasks);

    const token = em.tokens.regularUser;
    const failed = await tapSync({ configs: [emulatorConfig(em, { service_account_token: token, max_retries: 0 })], catalog });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^tap-asana-export: .+/m);
    expect(failed.stderr + failed.stdout).not.toContain(token);
    expect(failed.messages.some((m) => m.type === "TRACE" || m.type === "RECORD")).toBe(false);
  });

  it("exits 0 without a stack trace when stdout is closed early (a target that stops reading)", async () => {
    // Big enough that the download is still running when the reader goes away.
    const big = await startEmulator({ seed: 34, tasks: 3000, teams: 1, messages: 1, gzipLevel: 1 });
    const child = spawn(process.execPath, [TAP_BIN, ...tapArgs({ configs: [emulatorConfig(big)] })], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    let seen = 0;
    child.stdout.on("data", (b: Buffer) => {
      seen += b.length;
      if (seen > 200_000) child.stdout.destroy(); // past the SCHEMA messages: records are flowing
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    await big.close();
    expect(code, stderr).toBe(0);
    expect(stderr).not.toMatch(/at .*\.js:\d+/);
    expect(stderr).not.toMatch(/EPIPE/);
  });
});
