// Planning the export of the selected streams: one parameter per type unless full-refresh streams
// need every object while incremental ones need only what changed; markers that tell the two
// parameters' lines apart; the split into two jobs.
import { describe, expect, it } from "vitest";
import { requireStream, type StreamDefinition } from "../../src/streams/index.js";
import { planSync, type SelectedStream } from "../../src/sync/plan.js";
import type { ConnectorState } from "../../src/sync/state.js";

const settings = { workspace: "1", startDate: undefined, lookbackSeconds: 0, filters: {} };
const CURSOR = "2026-01-01T00:00:00.000Z";

function pick(name: string, incremental = true, columns?: string[]): SelectedStream {
  return { definition: requireStream(name, "test"), incremental, columns };
}

/** A state where these streams have a cursor. */
function stateWith(names: string[], cursor = CURSOR): ConnectorState {
  return { streams: Object.fromEntries(names.map((n) => [n, { version: 1 as const, cursor }])) };
}

const taskParams = (plan: ReturnType<typeof planSync>["single"]) => plan.parameters.filter((p) => p.resource_type === "task");

describe("planSync", () => {
  it("asks for the defaults of the selected types only: unselected derived streams cost nothing", () => {
    const plan = planSync([pick("tasks"), pick("teams", false)], stateWith(["tasks"]), settings);
    expect(plan.split).toBeUndefined();
    expect(plan.single.parameters).toEqual([
      { resource_type: "task", filters: { "modified_at.after": CURSOR } },
      { resource_type: "team" },
    ]);
    expect(plan.single.streams).toEqual(["tasks", "teams"]);
  });

  it("makes a derived stream alone ask for the parent fields it needs, and emits no parent records", () => {
    const plan = planSync([pick("stories", false, ["gid", "text"])], { streams: {} }, settings);
    expect(plan.single.parameters).toEqual([
      { resource_type: "task", fields: ["gid", "resource_type", "modified_at", "stories.gid", "stories.resource_type", "stories.text"] },
      { resource_type: "message", fields: ["gid", "resource_type", "modified_at", "stories.gid", "stories.resource_type", "stories.text"] },
    ]);
    const route = plan.single.routes.find((r) => r.resourceType === "task");
    expect(route?.wide?.consumers.map((c) => c.stream.definition.name)).toEqual(["stories"]);
  });

  it("keeps one parameter when every consumer of a type wants the same objects", () => {
    // A first sync: no cursor yet, so tasks and the join streams all need every task.
    const first = planSync([pick("tasks"), pick("task_tags", false), pick("stories")], { streams: {} }, settings);
    expect(taskParams(first.single)).toEqual([{ resource_type: "task" }]);
    expect(first.split).toBeUndefined();
  });

  it("adds a narrow unfiltered parameter for full-refresh streams when the incremental ones are filtered", () => {
    const plan = planSync([pick("tasks"), pick("task_tags", false)], stateWith(["tasks"]), settings);
    const [wide, narrow] = taskParams(plan.single);
    expect(wide).toEqual({ resource_type: "task", filters: { "modified_at.after": CURSOR } });
    expect(narrow).toEqual({ resource_type: "task", fields: ["gid", "resource_type", "modified_at", "tags.gid"] });
    const route = plan.single.routes[0];
    // The wide lines carry `name`, the narrow ones do not; the wide lines hold the tags too.
    expect(route?.wide?.marker).toBe("name");
    expect(route?.narrow?.marker).toBeUndefined();
    expect(route?.narrow?.consumers.map((c) => c.stream.definition.name)).toEqual(["task_tags"]);
  });

  it("marks the narrow parameter's lines when the wide ones do not hold what it needs", () => {
    const plan = planSync([pick("tasks", true, ["name"]), pick("task_tags", false)], stateWith(["tasks"]), settings);
    const [wide, narrow] = taskParams(plan.single);
    expect(wide?.fields).toEqual(["gid", "resource_type", "modified_at", "name"]);
    expect(narrow?.fields).toEqual(["gid", "resource_type", "modified_at", "tags.gid"]);
    expect(plan.single.routes[0]?.wide?.marker).toBe("name");
    expect(plan.single.routes[0]?.narrow?.marker).toBe("tags");
  });

  it("adds a small field as a marker when no field of its own tells a parameter's lines apart", () => {
    // Both read custom_fields: the values (incremental) and the definitions (every task).
    const plan = planSync([pick("task_custom_field_values"), pick("custom_fields", false)], stateWith(["task_custom_field_values"]), settings);
    const [wide, narrow] = taskParams(plan.single);
    const route = plan.single.routes[0];
    expect(route?.wide?.marker).toBe("is_rendered_as_separator");
    expect(route?.narrow?.marker).toBe("num_subtasks");
    expect(wide?.fields).toContain("is_rendered_as_separator");
    expect(wide?.fields).not.toContain("num_subtasks");
    expect(narrow?.fields).toContain("num_subtasks");
    expect(narrow?.fields).not.toContain("is_rendered_as_separator");
    expect(narrow?.filters).toBeUndefined();
  });

  it("lets a consumer with a later cursor drop older lines itself", () => {
    const state: ConnectorState = {
      streams: { tasks: { version: 1, cursor: CURSOR }, stories: { version: 1, cursor: "2026-02-01T00:00:00.000Z" } },
    };
    const plan = planSync([pick("tasks"), pick("stories")], state, settings);
    expect(taskParams(plan.single)).toEqual([{ resource_type: "task", filters: { "modified_at.after": CURSOR } }]);
    const consumers = plan.single.routes.find((r) => r.resourceType === "task")?.wide?.consumers ?? [];
    expect(consumers.map((c) => [c.stream.definition.name, c.after])).toEqual([
      ["tasks", undefined],
      ["stories", "2026-02-01T00:00:00.000Z"],
    ]);
  });

  it("says which top-level fields the resource stream's lines carry for others, so they are cut from its records", () => {
    const plan = planSync([pick("tasks", true, ["name"]), pick("stories")], stateWith(["tasks", "stories"]), settings);
    expect(taskParams(plan.single)[0]?.fields).toEqual(expect.arrayContaining(["name", "stories.gid", "stories.text"]));
    expect([...(plan.single.routes[0]?.extraFields ?? [])]).toEqual(["stories"]);
  });

  it("splits into two jobs with one parameter per type, each stream in exactly one", () => {
    const streams = [pick("tasks"), pick("messages"), pick("stories"), pick("task_tags", false), pick("users", false), pick("teams", false)];
    const plan = planSync(streams, stateWith(["tasks", "messages", "stories"]), settings);
    expect(plan.split).toBeDefined();
    const [first, second] = plan.split ?? [];
    for (const job of [first, second]) {
      const types = job?.parameters.map((p) => p.resource_type) ?? [];
      expect(new Set(types).size).toBe(types.length);
    }
    expect(first?.streams).toEqual(["tasks", "teams", "messages", "stories"]);
    expect(second?.streams).toEqual(["users", "task_tags"]);
    // The second job's parameters are unfiltered: its streams need every object.
    for (const p of second?.parameters ?? []) expect(p.filters).toBeUndefined();
    expect([...(first?.streams ?? []), ...(second?.streams ?? [])].sort()).toEqual(streams.map((s) => s.definition.name).sort());
    expect(first?.fingerprint).not.toBe(plan.single.fingerprint);
  });

  it("keeps config filters and start_date on every parameter", () => {
    const filtered = { ...settings, startDate: "2025-01-01T00:00:00.000Z", filters: { task: { "assignee.any": ["5"] } } };
    const plan = planSync([pick("tasks"), pick("task_tags", false)], stateWith(["tasks"]), filtered);
    expect(taskParams(plan.single).map((p) => p.filters)).toEqual([
      { "assignee.any": ["5"], "modified_at.after": CURSOR },
      { "assignee.any": ["5"], "modified_at.after": "2025-01-01T00:00:00.000Z" },
    ]);
  });
});

describe("the streams' declarations", () => {
  it("need only fields that exist in their parents' schemas, for every selection", () => {
    const names: StreamDefinition["name"][] = ["stories", "attachments", "task_custom_field_values", "custom_fields", "users", "projects", "sections", "tags", "task_memberships", "task_tags", "task_followers", "team_memberships"];
    for (const name of names) {
      const plan = planSync([pick(name, false)], { streams: {} }, settings);
      expect(plan.single.parameters.length, name).toBeGreaterThan(0);
    }
  });
});

describe("planSync: deletions and due full exports", () => {
  const tracking = { ...settings, trackDeletions: "objects" as const };

  it("adds a narrow parameter of every task's key, type and cursor, so the export lists every live task", () => {
    const plan = planSync([pick("tasks")], stateWith(["tasks"]), tracking);
    const [wide, narrow] = taskParams(plan.single);
    expect(wide?.filters).toEqual({ "modified_at.after": CURSOR });
    expect(narrow).toEqual({ resource_type: "task", fields: ["gid", "resource_type", "modified_at"] });
    const route = plan.single.routes.find((r) => r.resourceType === "task");
    expect(route?.complete).toBe(true);
    // The wide parameter's lines are known by a field the narrow one does not ask for.
    expect(route?.wide?.marker).toBeDefined();
    expect(["gid", "resource_type", "modified_at"]).not.toContain(route?.wide?.marker);
    expect(route?.narrow?.consumers).toEqual([]);
    expect(plan.single.fullStreams.has("tasks")).toBe(false);
    // Asana refusing two parameters of one type: one job exporting every task, whose stream keeps its bound.
    expect(plan.split).toHaveLength(1);
    const [only] = plan.split ?? [];
    expect(only?.parameters.filter((p) => p.resource_type === "task")).toEqual([{ resource_type: "task" }]);
    expect(only?.routes.find((r) => r.resourceType === "task")?.wide?.consumers[0]?.after).toBe(CURSOR);
  });

  it("without deletion tracking, an incremental export is only what changed (and lists not every live object)", () => {
    const plan = planSync([pick("tasks")], stateWith(["tasks"]), { ...settings, trackDeletions: "off" as const });
    expect(taskParams(plan.single)).toEqual([{ resource_type: "task", filters: { "modified_at.after": CURSOR } }]);
    expect(plan.single.routes.find((r) => r.resourceType === "task")?.complete).toBe(false);
  });

  it("exports a stream in full when its last full export is older than full_export_every_days (or unknown)", () => {
    const now = Date.parse("2026-03-10T00:00:00.000Z");
    const week = { ...settings, fullExportEveryDays: 7, nowMs: now };
    const state = (last: string | undefined): ConnectorState => ({
      streams: { tasks: { version: 1, cursor: CURSOR, ...(last === undefined ? {} : { last_full_export_at: last }) } },
    });
    const recent = planSync([pick("tasks")], state("2026-03-04T00:00:00.000Z"), week);
    expect(taskParams(recent.single)).toEqual([{ resource_type: "task", filters: { "modified_at.after": CURSOR } }]);
    expect(recent.single.fullStreams.has("tasks")).toBe(false);
    for (const last of ["2026-03-03T00:00:00.000Z", undefined]) {
      const due = planSync([pick("tasks")], state(last), week);
      expect(taskParams(due.single), String(last)).toEqual([{ resource_type: "task" }]);
      expect(due.single.fullStreams.has("tasks")).toBe(true);
    }
    // 0: never.
    const never = planSync([pick("tasks")], state(undefined), { ...week, fullExportEveryDays: 0 });
    expect(taskParams(never.single)).toEqual([{ resource_type: "task", filters: { "modified_at.after": CURSOR } }]);
  });

  it("counts a stream of two types as fully exported only when both types are", () => {
    const now = Date.parse("2026-03-10T00:00:00.000Z");
    const plan = planSync([pick("stories")], { streams: { stories: { version: 1, cursor: CURSOR, last_full_export_at: "2026-03-09T00:00:00.000Z" } } }, { ...settings, fullExportEveryDays: 7, nowMs: now });
    expect(plan.single.fullStreams.has("stories")).toBe(false);
    const first = planSync([pick("stories")], { streams: {} }, settings);
    expect(first.single.fullStreams.has("stories")).toBe(true);
  });
});
