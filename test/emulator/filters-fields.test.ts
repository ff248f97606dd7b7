// Export contents against the ground truth of `emulator.workspace`: each filter's semantics
// (date filters strict at the boundary), OR of parameters, and `fields` projection.
import { afterAll, beforeAll, describe, it, expect } from "vitest";
import { FIELDS } from "../../src/emulator/data/fields.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import type { AsanaObject, ResourceType } from "../../src/emulator/workspace.js";
import { exportLines, manualClock } from "./helpers.js";

type Ref = { gid: string } | null | undefined;
const gidOf = (ref: unknown): string | undefined => (ref as Ref)?.gid;
const gidsOf = (refs: unknown): string[] => (Array.isArray(refs) ? refs.map(gidOf).filter((g): g is string => g !== undefined) : []);

const USERS: Record<string, (o: AsanaObject) => string[]> = {
  "created_by.any": (o) => gidsOf([o.created_by]),
  "assignee.any": (o) => gidsOf([o.assignee]),
  "assigned_by.any": (o) => gidsOf([o.assigned_by]),
  "followers.any": (o) => gidsOf(o.followers),
  "liked_by.any": (o) => gidsOf((o.likes as Array<{ user: unknown }>).map((l) => l.user)),
  "commented_on_by.any": (o) =>
    gidsOf((o.stories as Array<{ resource_subtype: string; created_by: unknown }>).filter((s) => s.resource_subtype === "comment_added").map((s) => s.created_by)),
};

let emu: Emulator;
let truth: Record<ResourceType, AsanaObject[]>;
beforeAll(async () => {
  emu = await startEmulator({ seed: 11, tasks: 160, teams: 4, messages: 60, clock: manualClock(), jobPollsUntilDone: 1 });
  truth = { task: [...emu.workspace.objects("task")], team: [...emu.workspace.objects("team")], message: [...emu.workspace.objects("message")] };
});
afterAll(async () => {
  await emu.close();
});

const sortedGids = (objects: ReadonlyArray<Record<string, unknown>>): string[] => objects.map((o) => String(o.gid)).sort();

/** Users that some but not all objects match, so the filter visibly selects. */
function someUsers(type: ResourceType, key: string): string[] {
  const counts = new Map<string, number>();
  for (const o of truth[type]) for (const g of new Set(USERS[key]?.(o) ?? [])) counts.set(g, (counts.get(g) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 2).map(([g]) => g);
}

describe("filters", () => {
  for (const type of ["task", "message"] as const) {
    for (const key of Object.keys(USERS)) {
      if (type === "message" && (key === "assignee.any" || key === "assigned_by.any")) continue;
      it(`${type} ${key} keeps objects with any of the users`, async () => {
        const users = someUsers(type, key);
        expect(users.length).toBeGreaterThan(0);
        const expected = truth[type].filter((o) => USERS[key]?.(o).some((g) => users.includes(g)));
        expect(expected.length).toBeGreaterThan(0);
        expect(expected.length).toBeLessThan(truth[type].length);
        const lines = await exportLines(emu, [{ resource_type: type, fields: ["modified_at"], filters: { [key]: users } }]);
        expect(sortedGids(lines)).toEqual(sortedGids(expected));
      });
    }

    for (const field of ["created_at", "modified_at"] as const) {
      it(`${type} ${field}.after / .before are strict at the boundary`, async () => {
        const times = truth[type].map((o) => String(o[field])).sort();
        const bound = times[Math.floor(times.length / 2)] ?? "";
        const after = await exportLines(emu, [{ resource_type: type, fields: [field], filters: { [`${field}.after`]: bound } }]);
        const before = await exportLines(emu, [{ resource_type: type, fields: [field], filters: { [`${field}.before`]: bound } }]);
        const ms = Date.parse(bound);
        expect(sortedGids(after)).toEqual(sortedGids(truth[type].filter((o) => Date.parse(String(o[field])) > ms)));
        expect(sortedGids(before)).toEqual(sortedGids(truth[type].filter((o) => Date.parse(String(o[field])) < ms)));
        const atBound = truth[type].filter((o) => o[field] === bound).length;
        expect(atBound).toBeGreaterThan(0);
        expect(after.length + before.length).toBe(truth[type].length - atBound);
      });
    }
  }

  it("filters of one parameter all hold (AND)", async () => {
    const users = someUsers("task", "followers.any");
    const bound = truth.task.map((o) => String(o.created_at)).sort()[40] ?? "";
    const lines = await exportLines(emu, [{ resource_type: "task", fields: ["name"], filters: { "followers.any": users, "created_at.after": bound } }]);
    const expected = truth.task.filter((o) => USERS["followers.any"]?.(o).some((g) => users.includes(g)) && String(o.created_at) > bound);
    expect(sortedGids(lines)).toEqual(sortedGids(expected));
  });

  it("several parameters are OR'ed, an object matching two appears twice, types mix", async () => {
    const assignees = someUsers("task", "assignee.any");
    const assigned = truth.task.filter((o) => USERS["assignee.any"]?.(o).some((g) => assignees.includes(g)));
    const creators = [gidOf(assigned[0]?.created_by) ?? ""];
    const lines = await exportLines(emu, [
      { resource_type: "task", fields: ["name"], filters: { "assignee.any": assignees } },
      { resource_type: "task", fields: ["name"], filters: { "created_by.any": creators } },
      { resource_type: "team", fields: ["name"] },
    ]);
    const a = truth.task.filter((o) => USERS["assignee.any"]?.(o).some((g) => assignees.includes(g)));
    const c = truth.task.filter((o) => USERS["created_by.any"]?.(o).some((g) => creators.includes(g)));
    const tasks = lines.filter((l) => l.resource_type === "task");
    expect(sortedGids(tasks)).toEqual(sortedGids([...a, ...c]));
    expect(a.some((o) => c.includes(o))).toBe(true);
    expect(sortedGids(lines.filter((l) => l.resource_type === "team"))).toEqual(sortedGids(truth.team));
  });
});

describe("fields", () => {
  const pick = (o: AsanaObject, keys: readonly string[]): Record<string, unknown> =>
    Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));

  for (const type of ["task", "team", "message"] as const) {
    it(`${type} without fields: exactly the default set, no opt-ins`, async () => {
      const lines = await exportLines(emu, [{ resource_type: type }]);
      expect(lines).toHaveLength(truth[type].length);
      const byGid = new Map(truth[type].map((o) => [o.gid, o]));
      for (const line of lines) {
        const object = byGid.get(String(line.gid));
        expect(object).toBeDefined();
        expect(line).toEqual(pick(object as AsanaObject, FIELDS[type].defaults));
        for (const optIn of FIELDS[type].optIn) expect(line).not.toHaveProperty(optIn);
      }
    });
  }

  it("named fields, opt-ins included, plus gid and resource_type; a named object is its gid alone", async () => {
    const fields = ["name", "created_by", "html_notes", "assigned_by", "num_subtasks"];
    const lines = await exportLines(emu, [{ resource_type: "task", fields }]);
    const byGid = new Map(truth.task.map((o) => [o.gid, o]));
    const id = (v: unknown): unknown => (v === null ? null : { gid: (v as { gid: string }).gid });
    for (const line of lines) {
      const o = byGid.get(String(line.gid)) as AsanaObject;
      expect(line).toEqual({ ...pick(o, ["gid", "resource_type", "name", "html_notes", "num_subtasks"]), created_by: id(o.created_by), assigned_by: id(o.assigned_by) });
    }
    const teams = await exportLines(emu, [{ resource_type: "team", fields: ["description"] }]);
    expect(teams.every((t) => Object.keys(t).sort().join() === "description,gid,resource_type")).toBe(true);
    const messages = await exportLines(emu, [{ resource_type: "message", fields: ["html_notes", "title"] }]);
    expect(messages.every((m) => typeof m.html_notes === "string" && typeof m.title === "string")).toBe(true);
  });

  it("dotted paths keep gid and the named sub-fields, element-wise in arrays", async () => {
    const lines = await exportLines(emu, [{ resource_type: "task", fields: ["assignee.name", "memberships.project.name", "likes.user", "gid"] }]);
    const byGid = new Map(truth.task.map((o) => [o.gid, o]));
    for (const line of lines) {
      const o = byGid.get(String(line.gid)) as AsanaObject;
      const assignee = o.assignee as { gid: string; name: string } | null;
      expect(line.assignee).toEqual(assignee === null ? null : { gid: assignee.gid, name: assignee.name });
      const memberships = o.memberships as Array<{ project: { gid: string; name: string } }>;
      expect(line.memberships).toEqual(memberships.map((m) => ({ project: { gid: m.project.gid, name: m.project.name } })));
      // `likes.user` names the user: each like keeps its gid, each user its gid only.
      expect(line.likes).toEqual((o.likes as Array<{ gid: string; user: { gid: string } }>).map((l) => ({ gid: l.gid, user: { gid: l.user.gid } })));
      expect(Object.keys(line).sort()).toEqual(["assignee", "gid", "likes", "memberships", "resource_type"]);
    }
  });

  it("a named object's dotted sub-paths add to its gid, in either order", async () => {
    for (const fields of [["created_by.name", "created_by"], ["created_by", "created_by.name"]]) {
      const lines = await exportLines(emu, [{ resource_type: "message", fields }]);
      const byGid = new Map(truth.message.map((o) => [o.gid, o]));
      for (const line of lines) {
        const user = byGid.get(String(line.gid))?.created_by as { gid: string; name: string };
        expect(line.created_by).toEqual({ gid: user.gid, name: user.name });
      }
    }
  });
});
