// Every mutation kind, against the ground truth: what it changes, and whether modified_at moves as
// Asana's OpenAPI text says. The expectations are written out here from the text
// (../shared/asana/task_team_schemas.yaml), not read from the emulator's own kind table, and every
// mutation is checked against a diff of the whole workspace taken by the test.
import { describe, expect, it } from "vitest";
import { createWorkspace } from "../../src/emulator/data/index.js";
import { MutationError } from "../../src/emulator/mutation-error.js";
import type { Mutation, MutationKind } from "../../src/emulator/mutation-kinds.js";
import type { AsanaObject, MutationResult, Workspace } from "../../src/emulator/workspace.js";

const START = Date.UTC(2025, 5, 1);
type Json = Record<string, unknown>;
type Target = "task" | "message";

function setup(seed = 3): { ws: Workspace; clock: { t: number; now(): number } } {
  const clock = { t: START, now(): number { return this.t; } };
  return { ws: createWorkspace({ seed, tasks: 300, teams: 4, messages: 100, clock }), clock };
}

/**
 * Whether the target's modified_at moves, from the text. TaskBase.modified_at changes on: "story is
 * created on a task", "story is trashed on a task", "attachment is trashed on a task", "task is
 * assigned or unassigned", "custom field value is changed", and updates of "completed, name, due_date,
 * description, attachments"; not on "moving to a new container (project, portfolio, etc)"; tags,
 * followers, likes, start dates and dependencies are not listed. A status update's modified_at "does
 * not currently reflect any changes in associations such as comments".
 */
const MOVES: Partial<Record<MutationKind, Partial<Record<Target, boolean>>>> = {
  rename: { task: true },
  "edit-notes": { task: true },
  complete: { task: true },
  assign: { task: true },
  "set-due-date": { task: true },
  "set-custom-field": { task: true },
  comment: { task: true, message: false },
  attach: { task: true, message: false },
  "delete-story": { task: true, message: false },
  "delete-attachment": { task: true, message: false },
  "edit-message": { message: true },
  "move-section": { task: false },
  "add-project": { task: false },
  "remove-project": { task: false },
  "add-tag": { task: false },
  "remove-tag": { task: false },
  "add-follower": { task: false, message: false },
  "remove-follower": { task: false, message: false },
  like: { task: false, message: false },
  unlike: { task: false, message: false },
  "set-start-date": { task: false },
  "add-dependency": { task: false },
  "remove-dependency": { task: false },
};

const gids = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String((x as Json).gid)) : []);
const len = (v: unknown): number => (Array.isArray(v) ? v.length : -1);

/** What each kind visibly does to its target (before -> after), checked on the ground truth. */
const EFFECT: Record<string, (before: AsanaObject, after: AsanaObject, ws: Workspace) => void> = {
  rename(b, a) {
    expect(a.name).not.toBe(b.name);
    expect(len(a.stories)).toBe(len(b.stories) + 1);
  },
  "edit-notes"(b, a) {
    expect(String(a.notes).startsWith(String(b.notes))).toBe(true);
    expect(String(a.notes).length).toBeGreaterThan(String(b.notes).length);
    expect(a.html_notes).not.toBe(b.html_notes);
  },
  complete(b, a) {
    expect(a.completed).toBe(!b.completed);
    expect(a.completed_at === null).toBe(!a.completed);
  },
  assign(b, a) {
    expect(a.assignee).not.toEqual(b.assignee);
    if (a.assignee !== null) expect(gids(a.followers)).toContain((a.assignee as Json).gid);
  },
  "set-due-date"(b, a) {
    expect(a.due_on).not.toBe(b.due_on);
    expect(a.start_on).toBeNull();
  },
  "set-custom-field"(b, a) {
    expect(gids(a.custom_fields)).toEqual(gids(b.custom_fields));
    const differ = (a.custom_fields as Json[]).filter((cf, i) => JSON.stringify(cf) !== JSON.stringify((b.custom_fields as Json[])[i]));
    expect(differ).toHaveLength(1);
  },
  comment(b, a) {
    expect(len(a.stories)).toBe(len(b.stories) + 1);
    expect((a.stories as Json[]).at(-1)?.resource_subtype).toBe("comment_added");
  },
  attach(b, a) {
    expect(len(a.attachments)).toBe(len(b.attachments) + 1);
  },
  "delete-story"(b, a) {
    const gone = (b.stories as Json[]).filter((s) => !gids(a.stories).includes(String(s.gid)));
    expect(gone.map((s) => s.resource_subtype)).toEqual(["comment_added"]);
    expect(len(a.stories)).toBe(len(b.stories) - 1);
  },
  "delete-attachment"(b, a) {
    expect(len(a.attachments)).toBe(len(b.attachments) - 1);
  },
  "edit-message"(b, a) {
    expect(a.title !== b.title || a.text !== b.text).toBe(true);
  },
  "move-section"(b, a) {
    expect(gids(a.projects)).toEqual(gids(b.projects));
    const sections = (o: AsanaObject): string[] => (o.memberships as Json[]).map((m) => String((m.section as Json).gid));
    expect(sections(a).filter((s, i) => s !== sections(b)[i])).toHaveLength(1);
  },
  "add-project"(b, a) {
    expect(len(a.projects)).toBe(len(b.projects) + 1);
    expect(len(a.memberships)).toBe(len(b.memberships) + 1);
    expect(gids(a.custom_fields)).toEqual(expect.arrayContaining(gids(b.custom_fields)));
  },
  "remove-project"(b, a) {
    expect(len(a.projects)).toBe(len(b.projects) - 1);
  },
  "add-tag"(b, a) {
    expect(len(a.tags)).toBe(len(b.tags) + 1);
  },
  "remove-tag"(b, a) {
    expect(len(a.tags)).toBe(len(b.tags) - 1);
  },
  "add-follower"(b, a) {
    expect(len(a.followers)).toBe(len(b.followers) + 1);
  },
  "remove-follower"(b, a) {
    expect(len(a.followers)).toBe(len(b.followers) - 1);
  },
  like(b, a) {
    expect(len(a.likes)).toBe(len(b.likes) + 1);
    expect(a.num_likes).toBe(len(a.likes));
    expect(gids(a.likes).slice(0, -1)).toEqual(gids(b.likes)); // a like keeps its gid
  },
  unlike(b, a) {
    expect(len(a.likes)).toBe(len(b.likes) - 1);
    expect(a.num_likes).toBe(len(a.likes));
  },
  "set-start-date"(b, a) {
    expect(a.start_on).not.toBe(b.start_on);
    if (a.start_on !== null) expect(String(a.start_on) < String(a.due_on)).toBe(true);
  },
  "add-dependency"(b, a, ws) {
    const added = gids(a.dependencies).filter((g) => !gids(b.dependencies).includes(g));
    expect(added).toHaveLength(1);
    expect(gids(ws.get("task", added[0] as string)?.dependents)).toContain(a.gid);
  },
  "remove-dependency"(b, a, ws) {
    const removed = gids(b.dependencies).filter((g) => !gids(a.dependencies).includes(g));
    expect(removed).toHaveLength(1);
    expect(gids(ws.get("task", removed[0] as string)?.dependents)).not.toContain(a.gid);
  },
};

/** Every live task and message as JSON, by gid. */
function everything(ws: Workspace): Map<string, string> {
  return new Map([...ws.objects("task"), ...ws.objects("message"), ...ws.objects("team")].map((o) => [o.gid, JSON.stringify(o)]));
}

/** Apply `kind` to the first object of `type` (from slot `from`) it applies to. */
function applyToFirst(ws: Workspace, kind: MutationKind, type: Target, from = 0): MutationResult {
  const objects = [...ws.objects(type)];
  for (const o of [...objects.slice(from), ...objects.slice(0, from)]) {
    try {
      return ws.apply({ kind, [type]: o.gid } as Mutation);
    } catch (error) {
      if (!(error instanceof MutationError) || error.reason !== "not-applicable") throw error;
    }
  }
  throw new Error(`${kind} applies to no ${type}`);
}

/** Check one applied mutation against a whole-workspace diff and the text's rule. */
function checkAgainstDiff(ws: Workspace, before: Map<string, string>, result: MutationResult, at: number, moves: boolean): void {
  const after = everything(ws);
  const target = result.target.gid;
  const changed = [...after].filter(([gid, json]) => before.has(gid) && before.get(gid) !== json).map(([gid]) => gid);
  expect(changed).toContain(target);
  expect(new Set(result.changed.map((c) => c.gid))).toEqual(new Set(changed));
  for (const gid of changed) {
    const old = JSON.parse(before.get(gid) as string) as Json;
    const now = JSON.parse(after.get(gid) as string) as Json;
    const fields = Object.keys(now).filter((k) => k !== "modified_at" && JSON.stringify(old[k]) !== JSON.stringify(now[k])).sort();
    const reported = result.changed.find((c) => c.gid === gid);
    expect(reported?.fields, gid).toEqual(fields);
    const moved = old.modified_at !== now.modified_at;
    expect(reported?.modified_at_moved, gid).toBe(moved);
    // Only the target's modified_at ever moves, and only when the text says it does.
    expect(moved, `${result.kind} on ${gid}`).toBe(gid === target && moves);
    if (moved) expect(now.modified_at).toBe(new Date(at).toISOString());
  }
  expect(result.moves_modified_at).toBe(moves);
}

describe("every mutation kind", () => {
  const cases = Object.entries(MOVES).flatMap(([kind, types]) => Object.entries(types).map(([type, moves]) => [kind as MutationKind, type as Target, moves] as const));

  it.each(cases)("%s on a %s: the change shows in the ground truth, modified_at moves: %s", (kind, type, moves) => {
    const { ws, clock } = setup();
    clock.t = START + 3_600_000;
    const before = everything(ws);
    const result = applyToFirst(ws, kind, type, 17);
    const old = JSON.parse(before.get(result.target.gid) as string) as AsanaObject;
    const now = ws.get(type, result.target.gid) as AsanaObject;
    EFFECT[kind]?.(old, now, ws);
    checkAgainstDiff(ws, before, result, clock.t, moves);
  });

  it("is refused, changing nothing, where it does not apply; unknown targets and bad input are named", () => {
    const { ws } = setup();
    const before = everything(ws);
    const milestone = [...ws.objects("task")].find((t) => t.resource_subtype === "milestone" && t.due_on !== null) as AsanaObject;
    expect(() => ws.apply({ kind: "set-start-date", task: milestone.gid })).toThrow(/milestones cannot have a start date/);
    const untagged = [...ws.objects("task")].find((t) => len(t.tags) === 0) as AsanaObject;
    expect(() => ws.apply({ kind: "remove-tag", task: untagged.gid })).toThrow(expect.objectContaining({ reason: "not-applicable", message: expect.stringContaining("has no tags") }));
    const tagged = [...ws.objects("task")].find((t) => len(t.tags) > 0) as AsanaObject;
    expect(() => ws.apply({ kind: "add-tag", task: tagged.gid, tag: gids(tagged.tags)[0] as string })).toThrow(/has tag \d+ already/);
    expect(() => ws.apply({ kind: "rename", task: "1234" })).toThrow(expect.objectContaining({ reason: "unknown-object" }));
    expect(() => ws.apply({ kind: "rename", message: untagged.gid } as unknown as Mutation)).toThrow(expect.objectContaining({ reason: "invalid", message: expect.stringContaining("rename targets a task, not a message") }));
    expect(() => ws.apply({ kind: "move-section", task: untagged.gid, tag: "1" } as unknown as Mutation)).toThrow(/move-section takes section, not tag/);
    expect(() => ws.apply({ kind: "explode" } as unknown as Mutation)).toThrow(/kind: Invalid option/);
    expect(everything(ws)).toEqual(before);
  });

  it("takes the choice it is given", () => {
    const { ws } = setup();
    const task = [...ws.objects("task")].find((t) => len(t.memberships) > 0 && !gids(t.tags).includes(String(ws.userGids()[0]))) as AsanaObject;
    const project = (task.memberships as Json[])[0]?.project as Json;
    const result = ws.apply({ kind: "remove-project", task: task.gid, project: String(project.gid) });
    expect(gids(ws.get("task", task.gid)?.projects)).not.toContain(project.gid);
    expect(result.changed[0]?.fields).toEqual(expect.arrayContaining(["memberships", "projects"]));
    const user = ws.userGids().find((u) => !gids(task.followers).includes(u)) as string;
    ws.apply({ kind: "add-follower", task: task.gid, user });
    expect(gids(ws.get("task", task.gid)?.followers)).toContain(user);
    ws.apply({ kind: "assign", task: task.gid, assignee: null });
    expect(ws.get("task", task.gid)?.assignee).toBeNull();
    expect(() => ws.apply({ kind: "assign", task: task.gid, assignee: null })).toThrow(/is not assigned/);
  });
});

describe("changes to other objects never move their modified_at", () => {
  it("a renamed parent: its subtasks' parent.name changes silently", () => {
    const { ws, clock } = setup();
    const parent = [...ws.objects("task")].find((t) => (t.num_subtasks as number) > 0) as AsanaObject;
    const kids = [...ws.objects("task")].filter((t) => (t.parent as Json | null)?.gid === parent.gid);
    clock.t += 5_000;
    const result = ws.apply({ kind: "rename", task: parent.gid });
    const name = ws.get("task", parent.gid)?.name;
    for (const kid of kids) {
      const now = ws.get("task", kid.gid) as AsanaObject;
      expect((now.parent as Json).name).toBe(name);
      expect(now.modified_at).toBe(kid.modified_at);
      expect(result.changed.find((c) => c.gid === kid.gid)).toEqual({ resource_type: "task", gid: kid.gid, fields: ["parent"], modified_at_moved: false, modified_at: kid.modified_at });
    }
  });

  it("a new subtask: its parent's num_subtasks grows silently", () => {
    const { ws, clock } = setup();
    const parent = [...ws.objects("task")][40] as AsanaObject;
    clock.t += 5_000;
    const result = ws.apply({ kind: "create-task", parent: parent.gid });
    const child = ws.get("task", result.target.gid) as AsanaObject;
    expect((child.parent as Json).gid).toBe(parent.gid);
    expect(child.created_at).toBe(new Date(clock.t).toISOString());
    expect(child.modified_at).toBe(child.created_at);
    const now = ws.get("task", parent.gid) as AsanaObject;
    expect(now.num_subtasks).toBe((parent.num_subtasks as number) + 1);
    expect(now.modified_at).toBe(parent.modified_at);
    expect(result.created).toEqual([{ resource_type: "task", gid: child.gid }]);
    // Deleting the parent takes the new subtask with it.
    const deleted = ws.apply({ kind: "delete-task", task: parent.gid });
    expect(deleted.deleted.map((d) => d.gid)).toContain(child.gid);
  });

  it("a deleted task: its dependents and dependencies lose it silently", () => {
    const { ws } = setup();
    const linked = [...ws.objects("task")].find((t) => len(t.dependents) > 0 && len(t.dependencies) > 0 && (t.num_subtasks as number) === 0) as AsanaObject;
    const neighbours = [...gids(linked.dependents), ...gids(linked.dependencies)].map((g) => ws.get("task", g) as AsanaObject);
    ws.apply({ kind: "delete-task", task: linked.gid });
    for (const n of neighbours) {
      const now = ws.get("task", n.gid) as AsanaObject;
      expect([...gids(now.dependents), ...gids(now.dependencies)]).not.toContain(linked.gid);
      expect(now.modified_at).toBe(n.modified_at);
    }
  });
});

describe("time", () => {
  it("never moves modified_at backward, and stamps changes after the latest snapshot", () => {
    const { ws, clock } = setup();
    const task = [...ws.objects("task")][3] as AsanaObject;
    const first = ws.apply({ kind: "rename", task: task.gid });
    const second = ws.apply({ kind: "complete", task: task.gid });
    expect(Date.parse(second.at)).toBe(Date.parse(first.at) + 1);
    clock.t -= 60_000; // a clock that goes back does not take modified_at with it
    const third = ws.apply({ kind: "edit-notes", task: task.gid });
    expect(Date.parse(third.at)).toBe(Date.parse(second.at) + 1);
    clock.t = START + 10_000;
    const snapshot = ws.snapshot();
    expect(snapshot.takenAt).toBe(clock.t);
    const other = [...ws.objects("task")][9] as AsanaObject;
    const after = ws.apply({ kind: "rename", task: other.gid });
    expect(after.at).toBe(new Date(clock.t + 1).toISOString());
    const made = ws.apply({ kind: "create-message" });
    expect(ws.get("message", made.target.gid)?.created_at).toBe(new Date(clock.t + 1).toISOString());
  });

  it("a snapshot does not see later changes", () => {
    const { ws } = setup();
    const snapshot = ws.snapshot();
    const task = [...ws.objects("task")][5] as AsanaObject;
    const frozen = JSON.stringify(snapshot.get("task", task.gid));
    ws.apply({ kind: "rename", task: task.gid });
    ws.apply({ kind: "delete-task", task: task.gid });
    ws.apply({ kind: "create-task" });
    expect(JSON.stringify(snapshot.get("task", task.gid))).toBe(frozen);
    expect(snapshot.count("task")).toBe(300);
    expect(snapshot.slots("task")).toBe(300);
    expect(ws.get("task", task.gid)).toBeUndefined();
  });
});
