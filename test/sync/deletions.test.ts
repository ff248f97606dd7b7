// The deletion tracker's bookkeeping of fed parents: child streams fed the same lines share one set
// of parents, each stream is judged by its own, and a resource stream needs no fed set (its keys are
// its parents). Checked against the keys written by hand.
import { describe, expect, it } from "vitest";
import { RowRecord } from "../../src/core/row-record.js";
import { requireStream } from "../../src/streams/index.js";
import { DeletionTracker } from "../../src/sync/deletions.js";
import { encodeKeys } from "../../src/sync/given-keys.js";
import { KeyEncoder } from "../../src/sync/key-codec.js";
import { KeyRuns, type ParentType } from "../../src/sync/key-runs.js";
import { planSync, type SelectedStream } from "../../src/sync/plan.js";
import { EMPTY_STATE, type ConnectorState } from "../../src/sync/state.js";

const settings = { workspace: "1", startDate: undefined, lookbackSeconds: 0, filters: {}, trackDeletions: "rows" as const };
const pick = (name: string): SelectedStream => ({ definition: requireStream(name, "test"), incremental: true, columns: undefined });
const origin = { resourceType: "task", line: 1, offset: 0 };

function given(keys: readonly [string, string, ParentType][]) {
  const b = new KeyRuns();
  for (const [p, c, t] of keys) expect(b.add(p, c, t)).toBe(true);
  const sorted = b.cursor();
  const out = new KeyEncoder();
  while (sorted.next()) out.write(sorted.key, 0, sorted.type);
  return encodeKeys(out);
}

/** The deletion records of a stream as "parent/child" keys. */
const deletedKeys = (rows: readonly RowRecord[] | undefined, parent: string, child: string): string[] =>
  (rows ?? []).map((r) => `${String(r.object[parent])}/${String(r.object[child])}`).sort();

describe("DeletionTracker", () => {
  const streams = [pick("tasks"), pick("stories"), pick("task_custom_field_values"), pick("attachments")];
  const plan = planSync(streams, EMPTY_STATE, settings).single;

  it("judges each child stream by the parents it was fed, sharing one set among the streams fed the same lines", () => {
    const tracker = new DeletionTracker(streams, plan);
    expect([tracker.followsFed("tasks"), tracker.followsFed("stories"), tracker.followsFed("attachments")]).toEqual([false, true, true]);
    // Stories and custom field values are fed the same lines (one set); attachments other ones.
    const shared = tracker.fedParents(["stories", "task_custom_field_values"], "task");
    const own = tracker.fedParents(["attachments"], "task");
    for (const gid of ["10", "11"]) shared?.add(gid);
    own?.add("12");
    expect(() => tracker.fedParents(["stories"], "task")).toThrow(/fed task lines by two groups/);
    for (const gid of ["10", "11", "12"]) tracker.noteLive("task", gid);
    tracker.noteEmitted("stories", new RowRecord({ parent_gid: "10", parent_resource_type: "task", gid: "101" }, origin));
    tracker.noteEmitted("task_custom_field_values", new RowRecord({ task_gid: "11", custom_field_gid: "202" }, origin));
    tracker.noteEmitted("attachments", new RowRecord({ parent_gid: "12", parent_resource_type: "task", gid: "303" }, origin));
    for (const gid of ["10", "11", "12"]) tracker.noteEmitted("tasks", new RowRecord({ gid, resource_type: "task" }, origin));

    const state: ConnectorState = {
      streams: {
        tasks: { version: 1, given: given([["10", "10", "task"], ["11", "11", "task"], ["12", "12", "task"], ["13", "13", "task"]]) },
        // Story 100 of task 10 is gone (10 was re-exported without it); 109 of task 12 stays (12 was not fed to stories).
        stories: { version: 1, given: given([["10", "100", "task"], ["10", "101", "task"], ["12", "109", "task"]]) },
        task_custom_field_values: { version: 1, given: given([["11", "201", "task"], ["11", "202", "task"], ["12", "201", "task"]]) },
        // 300 of task 10 stays: attachments were fed task 12 only.
        attachments: { version: 1, given: given([["10", "300", "task"], ["12", "302", "task"], ["12", "303", "task"]]) },
      },
    };
    const result = tracker.finish(state, "2026-06-01T00:00:00.000Z", true);
    const rows = (name: string) => result.records.get(name) as RowRecord[] | undefined;
    expect(deletedKeys(rows("stories"), "parent_gid", "gid")).toEqual(["10/100"]);
    expect(deletedKeys(rows("task_custom_field_values"), "task_gid", "custom_field_gid")).toEqual(["11/201"]);
    expect(deletedKeys(rows("attachments"), "parent_gid", "gid")).toEqual(["12/302"]);
    // Task 13 is not live: it is gone; the three exported tasks stay (their fed parents are their own keys).
    expect(deletedKeys(rows("tasks"), "gid", "gid")).toEqual(["13/13"]);
    expect(result.given.get("tasks")?.count).toBe(3);
    expect(result.given.get("stories")?.count).toBe(2);
  });
});
