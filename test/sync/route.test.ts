// Routing decoded lines to streams: which parameter's lines feed which streams (markers), once per gid
// (duplicates, or the same object from two parameters), and the rows each derived stream gets.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { ExportRecord } from "../../src/core/record.js";
import { decodeExport } from "../../src/export-file/decode.js";
import { requireStream } from "../../src/streams/index.js";
import { planSync, type ExportPlan, type SelectedStream } from "../../src/sync/plan.js";
import { Router } from "../../src/sync/route.js";

type Json = Record<string, unknown>;
const CURSOR = "2026-01-01T00:00:00.000Z";
const settings = { workspace: "1", startDate: undefined, lookbackSeconds: 0, filters: {} };
const pick = (name: string, incremental = true, columns?: string[]): SelectedStream => ({ definition: requireStream(name, "test"), incremental, columns });

async function* once(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

/** Route these objects (one line each) as the job's lines; the rows per stream. */
async function route(plan: ExportPlan, lines: readonly Json[], onInvalid: "fail" | "skip" = "fail"): Promise<{ rows: Map<string, Json[]>; router: Router }> {
  const router = new Router(plan, onInvalid);
  const rows = new Map<string, Json[]>();
  const emit = (stream: string, record: ExportRecord): void => {
    // Every record is valid JSON text, and its object is the parse of that text.
    expect(JSON.parse(record.raw)).toEqual(record.object);
    rows.set(stream, [...(rows.get(stream) ?? []), record.object]);
  };
  const text = lines.map((l) => JSON.stringify(l)).join("\n");
  for await (const batch of decodeExport(once(gzipSync(text)), { wantedTypes: router.types, fields: router.fields })) {
    for (const line of batch) router.route(line, emit);
  }
  router.finish(emit);
  return { rows, router };
}

const task = (gid: string, extra: Json = {}): Json => ({ gid, resource_type: "task", modified_at: "2026-03-01T00:00:00.000Z", name: `task ${gid}`, ...extra });

describe("Router", () => {
  it("drops a repeated object once per export and counts it, for its stream and its children", async () => {
    const plan = planSync([pick("tasks", false), pick("stories", false)], { streams: {} }, settings).single;
    const one = task("1", { stories: [{ gid: "s1", resource_type: "story", text: "hi" }] });
    const { rows, router } = await route(plan, [one, one, task("2", { stories: [] })]);
    expect(rows.get("tasks")?.map((r) => r.gid)).toEqual(["1", "2"]);
    expect(rows.get("stories")).toEqual([
      { parent_gid: "1", parent_resource_type: "task", parent_modified_at: "2026-03-01T00:00:00.000Z", gid: "s1", resource_type: "story", text: "hi" },
    ]);
    expect([...router.stats.duplicates]).toEqual([["task", 1]]);
  });

  it("feeds the wide parameter's lines to incremental streams and the narrow ones to full-refresh streams, once each", async () => {
    const state = { streams: { tasks: { version: 1 as const, cursor: CURSOR } } };
    const plan = planSync([pick("tasks"), pick("task_tags", false)], state, settings).single;
    const wide = task("1", { tags: [{ gid: "t1", resource_type: "tag", name: "a" }] });
    const narrow = (gid: string, tags: string[]): Json => ({ gid, resource_type: "task", modified_at: "2025-01-01T00:00:00.000Z", tags: tags.map((t) => ({ gid: t })) });
    // Duplicate semantics: task 1 comes twice (wide and narrow), task 2 only narrow.
    const duplicates = await route(plan, [narrow("1", ["t1"]), wide, narrow("2", ["t2", "t3"])]);
    expect(duplicates.rows.get("tasks")?.map((r) => r.gid)).toEqual(["1"]);
    expect(duplicates.rows.get("task_tags")).toEqual([
      { task_gid: "1", tag_gid: "t1" },
      { task_gid: "2", tag_gid: "t2" },
      { task_gid: "2", tag_gid: "t3" },
    ]);
    expect([...duplicates.router.stats.duplicates]).toEqual([]);
    // Union semantics: one line per object, the changed one with both field sets.
    const union = await route(plan, [wide, narrow("2", ["t2", "t3"])]);
    expect(union.rows.get("tasks")?.map((r) => r.gid)).toEqual(["1"]);
    expect(union.rows.get("task_tags")?.length).toBe(3);
  });

  it("cuts from a resource stream's records the fields asked only for its derived streams", async () => {
    const state = { streams: { tasks: { version: 1 as const, cursor: CURSOR }, stories: { version: 1 as const, cursor: CURSOR } } };
    const plan = planSync([pick("tasks", true, ["name"]), pick("stories")], state, settings).single;
    const { rows } = await route(plan, [task("1", { stories: [{ gid: "s1", text: "x" }] })]);
    expect(rows.get("tasks")).toEqual([{ gid: "1", resource_type: "task", modified_at: "2026-03-01T00:00:00.000Z", name: "task 1" }]);
    expect(rows.get("stories")?.[0]).toMatchObject({ parent_gid: "1", gid: "s1", text: "x" });
  });

  it("gives child streams only the parents changed after their own cursor", async () => {
    const state = { streams: { tasks: { version: 1 as const, cursor: CURSOR }, stories: { version: 1 as const, cursor: "2026-02-15T00:00:00.000Z" } } };
    const plan = planSync([pick("tasks"), pick("stories")], state, settings).single;
    const old = { ...task("1", { stories: [{ gid: "s1" }] }), modified_at: "2026-02-01T00:00:00.000Z" };
    const fresh = task("2", { stories: [{ gid: "s2" }] });
    const { rows } = await route(plan, [old, fresh]);
    expect(rows.get("tasks")?.map((r) => r.gid)).toEqual(["1", "2"]);
    expect(rows.get("stories")?.map((r) => r.gid)).toEqual(["s2"]);
  });

  it("refuses a line without its cursor for an incremental stream, or skips and counts it", async () => {
    const plan = planSync([pick("tasks")], { streams: {} }, settings).single;
    const { modified_at: _dropped, ...bare } = task("1");
    await expect(route(plan, [bare])).rejects.toMatchObject({ code: "RECORD_MISSING_CURSOR" });
    const skipped = await route(plan, [bare, task("2")], "skip");
    expect(skipped.rows.get("tasks")?.map((r) => r.gid)).toEqual(["2"]);
    expect(skipped.router.stats.missingCursor).toBe(1);
    // A full-refresh stream needs no cursor.
    const full = await route(planSync([pick("task_tags", false)], { streams: {} }, settings).single, [{ ...bare, tags: [{ gid: "t" }] }]);
    expect(full.rows.get("task_tags")).toEqual([{ task_gid: "1", tag_gid: "t" }]);
  });

  it("collects each reference once over the export, filling a column a later sight has", async () => {
    const plan = planSync([pick("users", false), pick("sections", false)], { streams: {} }, settings).single;
    const lines = [
      task("1", { assignee: { gid: "u1", resource_type: "user" }, assignee_section: { gid: "my", resource_type: "section", name: "Do today" } }),
      task("2", {
        followers: [{ gid: "u1", resource_type: "user", name: "Zoë" }, { gid: "u2", resource_type: "user", name: "Ana" }],
        memberships: [{ project: { gid: "p1", resource_type: "project", name: "P" }, section: { gid: "s1", resource_type: "section", name: "To do" } }],
      }),
      { gid: "9", resource_type: "team", members: [{ gid: "u3", resource_type: "user", name: "Li" }] },
    ];
    const { rows } = await route(plan, lines);
    expect(rows.get("users")).toEqual([
      { gid: "u1", resource_type: "user", name: "Zoë" },
      { gid: "u2", resource_type: "user", name: "Ana" },
      { gid: "u3", resource_type: "user", name: "Li" },
    ]);
    expect(rows.get("sections")).toEqual([
      { gid: "my", resource_type: "section", name: "Do today", project_gid: null },
      { gid: "s1", resource_type: "section", name: "To do", project_gid: "p1" },
    ]);
  });

  it("fills a reference's missing column from a later sight that has fewer columns than its row", async () => {
    const plan = planSync([pick("custom_fields", false)], { streams: {} }, settings).single;
    const sight = { gid: "c1", resource_type: "custom_field", name: "Stage", type: "enum", description: null };
    const lines = [
      task("1", { custom_fields: [sight] }),
      task("2", { custom_fields: [sight] }),
      // Fewer columns than the row has, but one it lacks.
      task("3", { custom_fields: [{ gid: "c1", description: "Where the work is" }] }),
      task("4", { custom_fields: [{ ...sight, description: "A later text" }] }),
    ];
    const { rows } = await route(plan, lines);
    const [row, ...more] = rows.get("custom_fields") ?? [];
    expect(more).toEqual([]);
    expect(row).toMatchObject({ gid: "c1", resource_type: "custom_field", name: "Stage", type: "enum", description: "Where the work is" });
  });

  it("types custom field values in their own columns and skips join rows without their key", async () => {
    const plan = planSync([pick("task_custom_field_values", false), pick("task_memberships", false)], { streams: {} }, settings).single;
    const values = [
      { gid: "c1", name: "Priority", resource_subtype: "enum", enum_value: { gid: "o1", name: "High" }, display_value: "High" },
      { gid: "c2", name: "Tags", resource_subtype: "multi_enum", multi_enum_values: [{ gid: "o2", name: "x" }, { gid: "o3", name: "y" }] },
      { gid: "c3", name: "Due", resource_subtype: "date", date_value: { date: "2026-02-01", date_time: null } },
      { gid: "c4", name: "Owner", resource_subtype: "people", people_value: [{ gid: "u1", name: "Zoë" }] },
    ];
    const { rows } = await route(plan, [task("1", { custom_fields: values, memberships: [{ project: null, section: { gid: "s" } }, { project: { gid: "p" }, section: null }] })]);
    const byField = new Map((rows.get("task_custom_field_values") ?? []).map((r) => [r.custom_field_gid, r]));
    expect(byField.get("c1")).toMatchObject({ task_gid: "1", enum_option_gid: "o1", enum_option_name: "High", multi_enum_option_gids: [], number_value: null });
    expect(byField.get("c2")).toMatchObject({ multi_enum_option_gids: ["o2", "o3"], multi_enum_option_names: ["x", "y"], enum_option_gid: null });
    expect(byField.get("c3")).toMatchObject({ date_value: "2026-02-01", date_time_value: null });
    expect(byField.get("c4")).toMatchObject({ people_gids: ["u1"], people_names: ["Zoë"] });
    expect(rows.get("task_memberships")).toEqual([{ task_gid: "1", project_gid: "p", section_gid: null }]);
  });
});
