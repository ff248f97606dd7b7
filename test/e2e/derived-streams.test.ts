// The streams unnested from the export, through the built CLI: an incremental read whose join and
// reference streams need every task gets them from a second, narrow parameter of the same request,
// whichever way Asana answers two parameters of one type (two lines, one merged line, or a 400 and
// then two jobs); column selection of a derived stream; a derived stream alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator, type TypeParameters } from "../../src/emulator/index.js";
import { STREAMS } from "../../src/streams/index.js";
import { airbyteRead, emulatorConfig, fullCatalog, type Json } from "../helpers/airbyte.js";
import { byKey, expectedRows, rowKey } from "../helpers/truth.js";

const emulators = new Map<TypeParameters, Emulator>();
let offset = 0;
const clock = { now: () => Date.now() + offset };
beforeAll(async () => {
  for (const mode of ["duplicate", "union", "reject"] as const) {
    emulators.set(mode, await startEmulator({ seed: 61, tasks: 200, teams: 3, messages: 40, clock, typeParameters: mode }));
  }
});
afterAll(async () => {
  for (const em of emulators.values()) await em.close();
});

const posts = (em: Emulator): number[] => em.requests.filter((q) => q.method === "POST").map((q) => q.status);
const cursorOf = (state: Json[], stream: string): string =>
  (state.find((s) => (s.stream as { stream_descriptor: { name: string } }).stream_descriptor.name === stream) as { stream: { stream_state: { cursor: string } } }).stream.stream_state.cursor;

describe.each(["duplicate", "union", "reject"] as const)("an incremental read of every stream, when Asana answers two parameters of one type by '%s'", (mode) => {
  it("gives the changed parents' children and every row of the join and reference streams, once each", async () => {
    const em = emulators.get(mode) as Emulator;
    // track_deletions rows: child rows of deleted parents, and rows gone from changed ones, are reported too.
    const config = emulatorConfig(em, { lookback_window_seconds: 0, track_deletions: "rows" });
    const first = await airbyteRead(config, fullCatalog());
    expect(first.code, first.stderr).toBe(0);
    expect(posts(em)).toEqual([201]);
    offset += 1_000;
    em.workspace.mutate({ creates: 4, modifies: 9, deletes: 3 });
    const second = await airbyteRead(config, fullCatalog(), first.finalState);
    expect(second.code, second.stderr).toBe(0);
    const since = cursorOf(first.finalState, "tasks");
    for (const def of STREAMS) {
      const expected = expectedRows(em.workspace, def.name, def.supportsIncremental ? { after: since } : {});
      const all = second.records.get(def.name) ?? [];
      const got = all.filter((r) => r._ab_cdc_deleted_at === undefined);
      expect(got.map((r) => rowKey(r, def.primaryKey)).sort(), def.name).toEqual(expected.map((r) => rowKey(r, def.primaryKey)).sort());
      if (def.source.kind !== "resource") expect(byKey(got, def.primaryKey), def.name).toEqual(byKey(expected, def.primaryKey));
      // And once each, what the first read gave that is gone now (incremental streams report deletions).
      const now = new Set(expectedRows(em.workspace, def.name).map((r) => rowKey(r, def.primaryKey)));
      const gone = (first.records.get(def.name) ?? []).map((r) => rowKey(r, def.primaryKey)).filter((k) => !now.has(k)).sort();
      const deleted = all.filter((r) => r._ab_cdc_deleted_at !== undefined).map((r) => rowKey(r, def.primaryKey)).sort();
      expect(deleted, def.name).toEqual(def.supportsIncremental ? gone : []);
    }
    const logs = second.messages.filter((m) => m.type === "LOG").map((m) => String((m.log as Json).message));
    if (mode === "reject") {
      // The request with two task parameters is refused; the same sync exports in two jobs.
      expect(posts(em)).toEqual([201, 400, 201, 201]);
      expect(logs.some((l) => l.startsWith("Asana refused two export parameters of one resource type; exporting in two jobs instead"))).toBe(true);
    } else {
      expect(posts(em)).toEqual([201, 201]);
    }
    // Every stream's cursor or state names the sync's export(s), none still pending.
    for (const state of second.finalState) expect(JSON.stringify(state)).not.toContain("pending_export");
    expect(cursorOf(second.finalState, "stories") > since).toBe(true);
  });
});

describe("selection of derived streams", () => {
  it("exports only the selected columns of a derived stream, with its key and parent columns, and no parent records", async () => {
    const em = emulators.get("duplicate") as Emulator;
    const catalog = fullCatalog("full_refresh", ["stories"]) as { streams: { stream: { json_schema: { properties: Json } } }[] };
    const stream = catalog.streams[0];
    if (stream === undefined) throw new Error("no stories stream");
    const props = stream.stream.json_schema.properties;
    stream.stream.json_schema.properties = { gid: props.gid, text: props.text, created_by: props.created_by };
    const r = await airbyteRead(emulatorConfig(em), catalog);
    expect(r.code, r.stderr).toBe(0);
    expect([...r.records.keys()]).toEqual(["stories"]);
    const stories = r.records.get("stories") ?? [];
    expect(stories.length).toBe(expectedRows(em.workspace, "stories").length);
    for (const story of stories) {
      for (const key of Object.keys(story)) expect(["gid", "resource_type", "parent_gid", "parent_resource_type", "parent_modified_at", "text", "created_by"]).toContain(key);
      expect(story).toHaveProperty("parent_gid");
    }
  });
});
