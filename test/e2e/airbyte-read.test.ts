// Airbyte acceptance-test mirror for read: basic read, full refresh twice, incremental, future state,
// column selection, and convergence over rounds of workspace mutations.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { STREAMS } from "../../src/streams/index.js";
import { airbyteRead, emulatorConfig, fullCatalog, type Json } from "../helpers/airbyte.js";
import { schemaFile, schemaFileErrors } from "../helpers/json-schema.js";
import { byKey, expectedRows, rowKey } from "../helpers/truth.js";

const TYPE_OF: Record<string, "task" | "team" | "message"> = { tasks: "task", teams: "team", messages: "message" };

let em: Emulator;
// The emulator's clock runs with real time; a test moves it on so that changes are provably later.
let offset = 0;
beforeAll(async () => {
  em = await startEmulator({ seed: 11, tasks: 400, teams: 6, messages: 80, clock: { now: () => Date.now() + offset } });
});
afterAll(async () => em.close());

const gids = (records: Json[] | undefined): string[] => (records ?? []).map((r) => String(r.gid)).sort();
const truthGids = (stream: string): string[] => [...em.workspace.objects(TYPE_OF[stream] ?? "task")].map((o) => o.gid).sort();
/** A stream's rows by key, as the read gave them and as the ground truth implies them. */
const keyOf = (stream: string): readonly string[] => STREAMS.find((s) => s.name === stream)?.primaryKey ?? ["gid"];
const keys = (stream: string, records: Json[] | undefined): string[] => (records ?? []).map((r) => rowKey(r, keyOf(stream))).sort();

function statuses(messages: Json[], stream: string): string[] {
  return messages
    .filter((m) => m.type === "TRACE" && (m.trace as Json).type === "STREAM_STATUS")
    .map((m) => (m.trace as { stream_status: { stream_descriptor: { name: string }; status: string } }).stream_status)
    .filter((s) => s.stream_descriptor.name === stream)
    .map((s) => s.status);
}

describe("read", () => {
  it("basic read: every object once, records match their schemas, statuses in order, states with counts", async () => {
    const r = await airbyteRead(emulatorConfig(em), fullCatalog());
    expect(r.code, r.stderr).toBe(0);
    for (const def of STREAMS) {
      const records = r.records.get(def.name) ?? [];
      const expected = expectedRows(em.workspace, def.name);
      expect(keys(def.name, records), def.name).toEqual(keys(def.name, expected));
      // Derived rows are compared whole: every value, unicode, nulls and empty lists included.
      if (def.source.kind !== "resource") expect(byKey(records, def.primaryKey), def.name).toEqual(byKey(expected, def.primaryKey));
      // Judged by ajv against the schema file, not by the connector's own validation.
      const properties = schemaFile(def.name).properties as Json;
      for (const record of records.slice(0, 200)) {
        expect(schemaFileErrors(def.name, record), `${def.name} ${rowKey(record, def.primaryKey)}`).toEqual([]);
        for (const key of Object.keys(record)) expect(properties, `${def.name}.${key}`).toHaveProperty(key);
      }
      expect(statuses(r.messages, def.name)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
      const states = r.messages.filter((m) => m.type === "STATE" && ((m.state as Json).stream as Json & { stream_descriptor: { name: string } }).stream_descriptor.name === def.name);
      expect(states.length).toBeGreaterThanOrEqual(1);
      const last = states.at(-1)?.state as { sourceStats: { recordCount: number } };
      expect(last.sourceStats.recordCount).toBe(records.length);
    }
    // No two identical STATE messages in a row.
    const stateLines = r.messages.filter((m) => m.type === "STATE").map((m) => JSON.stringify(m));
    for (let i = 1; i < stateLines.length; i++) expect(stateLines[i]).not.toBe(stateLines[i - 1]);
    // The final states come after every record.
    const lastRecord = r.messages.findLastIndex((m) => m.type === "RECORD");
    const finalStates = r.messages.map((m, i) => [m, i] as const).filter(([m]) => m.type === "STATE" && JSON.stringify(m).includes('"cursor"'));
    expect(finalStates.every(([, i]) => i > lastRecord)).toBe(true);
    expect(r.stdout).not.toContain(em.token);
    expect(em.downloadsWithAuthorization).toBe(0);
  });

  it("full refresh twice returns the same objects", async () => {
    const a = await airbyteRead(emulatorConfig(em), fullCatalog("full_refresh"));
    const b = await airbyteRead(emulatorConfig(em), fullCatalog("full_refresh"), a.finalState);
    expect(b.code).toBe(0);
    for (const def of STREAMS) expect(keys(def.name, b.records.get(def.name))).toEqual(keys(def.name, a.records.get(def.name)));
  });

  it("incremental: the second read returns what changed and what was deleted (once); a cursor later than Asana's clock is refused", async () => {
    const config = emulatorConfig(em, { lookback_window_seconds: 0 });
    const first = await airbyteRead(config, fullCatalog("incremental"));
    expect(first.code).toBe(0);
    // The changes come a second after the first export started (lookback 0: the same millisecond would be missed).
    offset += 1_000;
    const changed = em.workspace.mutate({ creates: 3, modifies: 5, deletes: 2 });
    const second = await airbyteRead(config, fullCatalog("incremental"), first.finalState);
    expect(second.code, second.stderr).toBe(0);
    const alive = (records: Json[] | undefined): Json[] => (records ?? []).filter((r) => r._ab_cdc_deleted_at === undefined);
    const deletions = (records: Json[] | undefined): Json[] => (records ?? []).filter((r) => r._ab_cdc_deleted_at !== undefined);
    const got = [...gids(alive(second.records.get("tasks"))), ...gids(alive(second.records.get("messages")))].sort();
    const live = new Set([...truthGids("tasks"), ...truthGids("messages")]);
    expect(got).toEqual([...new Set([...changed.created, ...changed.modified])].filter((g) => live.has(g)).sort());
    expect(gids(second.records.get("teams"))).toEqual(truthGids("teams")); // teams are always full refresh
    // What the first read gave and Asana no longer has comes once, as a deletion record.
    const given = new Set([...gids(first.records.get("tasks")), ...gids(first.records.get("messages"))]);
    expect(changed.deleted.length).toBeGreaterThan(0);
    const deletedGids = [...gids(deletions(second.records.get("tasks"))), ...gids(deletions(second.records.get("messages")))].sort();
    expect(deletedGids).toEqual(changed.deleted.filter((g) => given.has(g)).sort());
    // Child streams follow their parent's cursor: the rows of the changed parents; join and reference
    // streams are full refresh: every row. Child rows report no deletions by default (track_deletions rows: derived-streams.test.ts).
    const cursor = (first.finalState.find((s) => JSON.stringify(s).includes('"tasks"')) as { stream: { stream_state: { cursor: string } } }).stream.stream_state.cursor;
    for (const def of STREAMS.filter((s) => s.source.kind !== "resource")) {
      const expected = expectedRows(em.workspace, def.name, def.supportsIncremental ? { after: cursor } : {});
      expect(byKey(alive(second.records.get(def.name)), def.primaryKey), def.name).toEqual(byKey(expected, def.primaryKey));
      // By default (track_deletions auto: objects for Airbyte) only tasks and messages report deletions.
      expect(deletions(second.records.get(def.name)), def.name).toEqual([]);
    }

    // A cursor later than Asana's clock is refused, naming it (taken as is, it would sync nothing, forever).
    // An hour ahead: within the day of clock skew the load-time check allows (a year ahead is refused
    // before any request: test/reliability/input.test.ts), so it is Asana's clock that refuses it.
    const ahead = new Date(Date.now() + offset + 3_600_000).toISOString();
    const future = [{ type: "STREAM", stream: { stream_descriptor: { name: "tasks" }, stream_state: { version: 1, cursor: ahead } } }];
    const third = await airbyteRead(config, fullCatalog("incremental", ["tasks"]), future);
    expect(third.code).not.toBe(0);
    expect(third.stderr + JSON.stringify(third.messages)).toContain(`cursor of stream 'tasks' (${ahead}) is later than Asana's clock`);
    expect(third.records.get("tasks") ?? []).toHaveLength(0);
  });

  it("column selection: a trimmed json_schema exports only those fields (plus gid, resource_type, cursor)", async () => {
    const catalog = fullCatalog("incremental", ["tasks"]) as { streams: { stream: { json_schema: { properties: Json } } }[] };
    const stream = catalog.streams[0]!.stream;
    const props = stream.json_schema.properties;
    stream.json_schema.properties = { gid: props.gid, name: props.name, assignee: props.assignee };
    const r = await airbyteRead(emulatorConfig(em), catalog);
    expect(r.code, r.stderr).toBe(0);
    const records = r.records.get("tasks") ?? [];
    expect(records.length).toBe(em.workspace.count("task"));
    for (const rec of records) expect(Object.keys(rec).sort()).toEqual(expect.arrayContaining(["gid", "name", "resource_type", "modified_at"]));
    for (const rec of records) for (const k of Object.keys(rec)) expect(["gid", "name", "resource_type", "modified_at", "assignee"]).toContain(k);
  });

  it("convergence: ten rounds of mutations, incremental reads, union equals the ground truth", async () => {
    const own = await startEmulator({ seed: 5, tasks: 150, teams: 2, messages: 40 });
    try {
      const config = emulatorConfig(own);
      const newest = new Map<string, Json>();
      const absorb = (records: Json[] | undefined): void => {
        for (const rec of records ?? []) {
          const prev = newest.get(String(rec.gid));
          if (!prev || String(prev.modified_at) <= String(rec.modified_at)) newest.set(String(rec.gid), rec);
        }
      };
      let state: Json[] | undefined;
      for (let round = 0; round < 10; round++) {
        if (round > 0) own.workspace.mutate({ creates: 4, modifies: 6, deletes: 2 });
        const r = await airbyteRead(config, fullCatalog("incremental", ["tasks", "messages"]), state);
        expect(r.code, r.stderr).toBe(0);
        absorb(r.records.get("tasks"));
        absorb(r.records.get("messages"));
        state = r.finalState;
      }
      const truth = [...own.workspace.objects("task"), ...own.workspace.objects("message")];
      const live = new Set(truth.map((o) => o.gid));
      const synced = [...newest.values()].filter((r) => live.has(String(r.gid)));
      expect(synced.length).toBe(truth.length);
      for (const obj of truth) expect(newest.get(obj.gid)?.modified_at, obj.gid).toBe(obj.modified_at);
    } finally {
      await own.close();
    }
  });
});
