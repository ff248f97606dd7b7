import { describe, expect, it } from "vitest";
import {
  EMPTY_STATE,
  fingerprint,
  hasPendingExport,
  modifiedAfter,
  parseStreamState,
  pendingExport,
  withCompletedExport,
  withPendingExport,
  type PendingExport,
} from "../../src/sync/state.js";
import { parseStateInput } from "../../src/sync/state-input.js";
import { planSync, type PlanSettings, type SelectedStream } from "../../src/sync/plan.js";
import type { ConnectorState } from "../../src/sync/state.js";
import { requireStream } from "../../src/streams/index.js";

const pending: PendingExport = {
  job_gid: "123",
  workspace: "1",
  fingerprint: "abc",
  started_at: "2026-01-01T00:00:00.000Z",
};
const names = ["tasks", "teams", "messages"];

describe("state values", () => {
  it("starts from start_date, then from the cursor minus the lookback", () => {
    expect(modifiedAfter(undefined, undefined, 300)).toBeUndefined();
    expect(modifiedAfter(undefined, "2025-01-01T00:00:00.000Z", 300)).toBe("2025-01-01T00:00:00.000Z");
    expect(modifiedAfter({ version: 1, cursor: "2026-01-01T00:10:00.000Z" }, undefined, 300)).toBe("2026-01-01T00:05:00.000Z");
    // start_date still bounds a cursor that the lookback would push before it.
    expect(modifiedAfter({ version: 1, cursor: "2025-01-01T00:01:00.000Z" }, "2025-01-01T00:00:00.000Z", 300)).toBe(
      "2025-01-01T00:00:00.000Z",
    );
  });

  it("records a pending export on every stream and finds it for the same request only", () => {
    const s = withPendingExport(EMPTY_STATE, names, pending);
    expect(pendingExport(s, names, "abc")).toEqual(pending);
    expect(pendingExport(s, names, "another request")).toBeUndefined();
    expect(pendingExport(EMPTY_STATE, names, "abc")).toBeUndefined();
    expect(hasPendingExport(s, names)).toBe(true);
    expect(hasPendingExport(EMPTY_STATE, names)).toBe(false);
  });

  it("finds a job recorded on only some streams (a run killed between its state messages)", () => {
    const partial = withPendingExport(EMPTY_STATE, ["tasks"], pending);
    expect(pendingExport(partial, names, "abc")).toEqual(pending);
    expect(pendingExport(partial, ["teams", "messages"], "abc")).toBeUndefined();
  });

  it("prefers the latest job when reruns recorded several for the same request", () => {
    const later = { ...pending, job_gid: "999", started_at: "2026-01-02T00:00:00.000Z" };
    const mixed = withPendingExport(withPendingExport(EMPTY_STATE, names, pending), ["tasks"], later);
    expect(pendingExport(mixed, names, "abc")).toEqual(later);
    expect(pendingExport(mixed, ["teams", "messages", "tasks"], "abc")).toEqual(later);
  });

  it("completing an export moves cursors to its created_at, clears pending, keeps teams cursorless", () => {
    const s = withPendingExport({ streams: { tasks: { version: 1, cursor: "2025-06-01T00:00:00.000Z" } } }, names, pending);
    const done = withCompletedExport(s, names, new Set(["tasks", "messages"]), "2026-02-01T00:00:00.000Z");
    expect(done.streams.tasks).toEqual({ version: 1, cursor: "2026-02-01T00:00:00.000Z" });
    expect(done.streams.messages).toEqual({ version: 1, cursor: "2026-02-01T00:00:00.000Z" });
    expect(done.streams.teams).toEqual({ version: 1 });
    expect(s.streams.tasks?.pending_export).toEqual(pending); // the input is not changed
  });

  it("never moves a cursor backwards", () => {
    const future = { streams: { tasks: { version: 1 as const, cursor: "2099-01-01T00:00:00.000Z" } } };
    const done = withCompletedExport(future, ["tasks"], new Set(["tasks"]), "2026-02-01T00:00:00.000Z");
    expect(done.streams.tasks?.cursor).toBe("2099-01-01T00:00:00.000Z");
  });

  it("fingerprints ignore key order", () => {
    expect(fingerprint({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(fingerprint({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
  });

  it("refuses corrupted and foreign stream states with the stream named", () => {
    expect(() => parseStreamState("tasks", { cursor: "x" }, "state")).toThrow(/stream 'tasks' has no 'version'/);
    expect(() => parseStreamState("tasks", { version: 1, cursor: "yesterday" }, "state")).toThrow(/invalid at tasks\.cursor/);
    expect(() => parseStreamState("tasks", { version: 2 }, "state")).toThrow(/STATE|invalid/);
    expect(() => parseStreamState("tasks", { version: 1, surprise: true }, "state")).toThrow(/invalid/);
  });
});

describe("state input of both platforms", () => {
  const blob = { version: 1, cursor: "2026-01-01T00:00:00.000Z" };
  it("reads Airbyte per-stream STATE messages", () => {
    const input = [{ type: "STREAM", stream: { stream_descriptor: { name: "tasks" }, stream_state: blob } }];
    expect(parseStateInput(input, "state", names).streams).toEqual({ tasks: blob });
  });
  it("reads Airbyte GLOBAL and LEGACY states and the legacy object", () => {
    const global = [{ type: "GLOBAL", global: { stream_states: [{ stream_descriptor: { name: "messages" }, stream_state: blob }] } }];
    expect(parseStateInput(global, "state", names).streams).toEqual({ messages: blob });
    expect(parseStateInput([{ type: "LEGACY", data: { tasks: blob } }], "state", names).streams).toEqual({ tasks: blob });
    expect(parseStateInput({ tasks: blob }, "state", names).streams).toEqual({ tasks: blob });
  });
  it("reads Singer bookmarks", () => {
    expect(parseStateInput({ bookmarks: { tasks: blob } }, "state", names).streams).toEqual({ tasks: blob });
  });
  it("treats null and [] as no state, and refuses foreign documents", () => {
    expect(parseStateInput(null, "state", names)).toEqual(EMPTY_STATE);
    expect(parseStateInput([], "state", names)).toEqual(EMPTY_STATE);
    expect(() => parseStateInput("hello", "The state file s.json", names)).toThrow(/not a state this connector wrote/);
    expect(() => parseStateInput({ portfolios: blob }, "state", names)).toThrow(/unknown stream 'portfolios'/);
    expect(() => parseStateInput([{ type: "SOMETHING" }], "state", names)).toThrow(/state type/);
  });
});

describe("export planning", () => {
  const tasks: SelectedStream = { definition: requireStream("tasks", "test"), incremental: true, columns: undefined };
  const teams: SelectedStream = { definition: requireStream("teams", "test"), incremental: false, columns: ["gid", "name"] };
  const planExport = (streams: SelectedStream[], state: ConnectorState, s: PlanSettings) => planSync(streams, state, s).single;
  const settings = { workspace: "1", startDate: undefined, lookbackSeconds: 60, filters: { task: { "assignee.any": ["5"] } } };

  it("puts every stream in one request, with the cursor filter on incremental ones", () => {
    const state = { streams: { tasks: { version: 1 as const, cursor: "2026-01-01T00:01:00.000Z" } } };
    const plan = planExport([tasks, teams], state, settings);
    expect(plan.parameters).toEqual([
      { resource_type: "task", filters: { "assignee.any": ["5"], "modified_at.after": "2026-01-01T00:00:00.000Z" } },
      { resource_type: "team", fields: ["gid", "resource_type", "name"] },
    ]);
  });

  it("uses start_date on a full refresh and on the first incremental sync", () => {
    const s = { ...settings, startDate: "2025-01-01T00:00:00.000Z", filters: {} };
    const full = planExport([{ ...tasks, incremental: false }], { streams: { tasks: { version: 1, cursor: "2026-01-01T00:00:00.000Z" } } }, s);
    expect(full.parameters[0]?.filters).toEqual({ "modified_at.after": "2025-01-01T00:00:00.000Z" });
    expect(planExport([tasks], EMPTY_STATE, s).parameters[0]?.filters).toEqual({ "modified_at.after": "2025-01-01T00:00:00.000Z" });
  });

  it("gives the same fingerprint to the same request", () => {
    expect(planExport([tasks], EMPTY_STATE, settings).fingerprint).toBe(planExport([tasks], EMPTY_STATE, settings).fingerprint);
    expect(planExport([tasks], EMPTY_STATE, settings).fingerprint).not.toBe(planExport([tasks, teams], EMPTY_STATE, settings).fingerprint);
  });
});

describe("withCompletedExport: full exports and deletion keys", () => {
  const blob = (count: number) => ({ codec: "keys-delta-deflate-v1" as const, count, data: "" });
  const before: ConnectorState = {
    streams: {
      tasks: { version: 1, cursor: "2026-01-01T00:00:00.000Z", last_full_export_at: "2025-12-01T00:00:00.000Z", given: blob(3) },
      stories: { version: 1, cursor: "2026-01-01T00:00:00.000Z", given: blob(9) },
    },
  };
  const at = "2026-02-01T00:00:00.000Z";

  it("records the last full export of the streams that got every object, and the keys each tracked stream keeps", () => {
    const done = withCompletedExport(before, ["tasks", "stories", "teams"], new Set(["tasks", "stories"]), at, {
      fullStreams: new Set(["tasks", "teams"]),
      given: new Map([["tasks", blob(4)]]),
    });
    expect(done.streams.tasks).toEqual({ version: 1, cursor: at, last_full_export_at: at, given: blob(4) });
    // Not tracked this time (track_deletions objects): its keys would go stale, so they go.
    expect(done.streams.stories).toEqual({ version: 1, cursor: at });
    // A full-refresh stream has no cursor, so no full-export time either.
    expect(done.streams.teams).toEqual({ version: 1 });
  });

  it("keeps the keys and the last full export when the export says nothing of them", () => {
    const done = withCompletedExport(before, ["tasks"], new Set(["tasks"]), at);
    expect(done.streams.tasks).toEqual({ version: 1, cursor: at, last_full_export_at: "2025-12-01T00:00:00.000Z", given: blob(3) });
  });
});
