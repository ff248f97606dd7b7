// Mutations of the seeded workspace: create, modify, remove, and deterministic mutation rounds.
// (Each kind on its own, against the OpenAPI text: mutation-kinds.test.ts.)
import { describe, expect, it } from "vitest";
import { createWorkspace } from "../../src/emulator/data/index.js";
import type { AsanaObject, Workspace } from "../../src/emulator/workspace.js";

const START = Date.UTC(2025, 5, 1);

function setup(seed = 3): { ws: Workspace; clock: { now(): number; t: number } } {
  const clock = { t: START, now(): number { return this.t; } };
  const ws = createWorkspace({ seed, tasks: 300, teams: 4, messages: 100, clock });
  return { ws, clock };
}

const ms = (v: unknown): number => Date.parse(String(v));

function checkTask(t: AsanaObject): void {
  expect(t.completed_at !== null).toBe(t.completed);
  expect(t.completed_by !== null).toBe(t.completed);
  expect(t.num_likes).toBe((t.likes as unknown[]).length);
  expect(ms(t.modified_at)).toBeGreaterThanOrEqual(ms(t.created_at));
  expect(t.html_notes).toContain((t.notes as string).split("\n")[0]?.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"));
}

describe("create", () => {
  it("appends a slot stamped now", () => {
    const { ws, clock } = setup();
    clock.t = START + 60_000;
    const before = ws.slots("task");
    const t = ws.create("task");
    expect(ws.slots("task")).toBe(before + 1);
    expect(ws.count("task")).toBe(before + 1);
    expect(t.created_at).toBe(new Date(clock.t).toISOString());
    expect(t.modified_at).toBe(t.created_at);
    expect(t.completed).toBe(false);
    expect(ws.at("task", before)).toEqual(t);
    expect(ws.get("task", t.gid)).toEqual(t);
    expect([...ws.objects("task")].at(-1)).toEqual(t);
    checkTask(t);
    const m = ws.create("message");
    expect(m.resource_type).toBe("message");
    expect(m.created_at).toBe(m.modified_at);
    expect(ws.count("message")).toBe(101);
    const all = new Set([...ws.objects("task"), ...ws.objects("message")].map((o) => o.gid));
    expect(all.size).toBe(ws.count("task") + ws.count("message"));
  });

  it("makes subtasks of created tasks point at live parents", () => {
    const { ws } = setup();
    const made = Array.from({ length: 60 }, () => ws.create("task"));
    for (const t of made) {
      const parent = t.parent as { gid: string } | null;
      if (parent !== null) expect(ws.get("task", parent.gid)).toBeDefined();
    }
    expect(made.some((t) => t.parent !== null)).toBe(true);
  });
});

describe("modify", () => {
  it("changes fields and advances modified_at to now", () => {
    const { ws, clock } = setup();
    const before = ws.at("task", 10) as AsanaObject;
    clock.t = START + 5_000;
    const after = ws.modify("task", before.gid);
    expect(after.modified_at).toBe(new Date(START + 5_000).toISOString());
    expect(after.created_at).toBe(before.created_at);
    expect(after.gid).toBe(before.gid);
    expect(JSON.stringify(after)).not.toBe(JSON.stringify(before));
    expect(ws.at("task", 10)).toEqual(after);
    checkTask(after);
    // A rename (one of modify's kinds) writes a story stamped with the new modified_at.
    clock.t += 1_000;
    ws.apply({ kind: "rename", task: before.gid });
    const renamed = ws.at("task", 10) as AsanaObject;
    const stories = renamed.stories as { created_at: string; resource_subtype: string }[];
    expect(stories.length).toBe((after.stories as unknown[]).length + 1);
    expect(stories.at(-1)).toMatchObject({ created_at: renamed.modified_at, resource_subtype: "name_changed" });
  });

  it("keeps modified_at strictly increasing when the clock stands still", () => {
    const { ws } = setup();
    const gid = String(ws.at("message", 5)?.gid);
    let last = ms(ws.modify("message", gid).modified_at);
    expect(last).toBe(START);
    for (let i = 0; i < 20; i++) {
      const next = ms(ws.modify("message", gid).modified_at);
      expect(next).toBe(last + 1);
      last = next;
    }
    const tgid = String(ws.at("task", 7)?.gid);
    for (let i = 0; i < 80; i++) checkTask(ws.modify("task", tgid));
  });

  it("refuses unknown or deleted objects", () => {
    const { ws } = setup();
    expect(() => ws.modify("task", "123")).toThrow(/no live task/);
    const gid = String(ws.at("task", 1)?.gid);
    ws.remove("task", gid);
    expect(() => ws.modify("task", gid)).toThrow(/no live task/);
    expect(() => ws.remove("task", gid)).toThrow(/no live task/);
  });
});

describe("remove", () => {
  it("deletes the object and keeps its slot", () => {
    const { ws } = setup();
    const t = ws.at("task", 42) as AsanaObject;
    ws.remove("task", t.gid);
    expect(ws.at("task", 42)).toBeUndefined();
    expect(ws.get("task", t.gid)).toBeUndefined();
    expect(ws.slots("task")).toBe(300);
    expect([...ws.objects("task")].some((o) => o.gid === t.gid)).toBe(false);
    expect(ws.count("task")).toBe([...ws.objects("task")].length);
  });

  it("takes a task's subtasks with it and updates links", () => {
    const { ws } = setup();
    const parent = [...ws.objects("task")].find((t) => (t.num_subtasks as number) > 0) as AsanaObject;
    const kids = [...ws.objects("task")].filter((t) => (t.parent as { gid: string } | null)?.gid === parent.gid);
    const before = ws.count("task");
    ws.remove("task", parent.gid);
    expect(ws.count("task")).toBe(before - 1 - kids.length);
    for (const k of kids) expect(ws.get("task", k.gid)).toBeUndefined();
    for (const t of ws.objects("task")) {
      for (const d of [...(t.dependencies as { gid: string }[]), ...(t.dependents as { gid: string }[])]) {
        expect(ws.get("task", d.gid)).toBeDefined();
      }
    }
  });
});

describe("mutate", () => {
  function rounds(ws: Workspace, clock: { t: number }): unknown[] {
    const out: unknown[] = [];
    for (let r = 0; r < 5; r++) {
      clock.t += 1000;
      out.push(ws.mutate({ creates: 10, modifies: 25, deletes: 8 }));
    }
    return out;
  }

  it("is deterministic for a seed and round sequence", () => {
    const a = setup();
    const b = setup();
    expect(rounds(a.ws, a.clock)).toEqual(rounds(b.ws, b.clock));
    for (const type of ["task", "message"] as const) {
      expect(JSON.stringify([...a.ws.objects(type)])).toBe(JSON.stringify([...b.ws.objects(type)]));
    }
    const c = setup(4);
    expect(rounds(c.ws, c.clock)).not.toEqual(rounds(setup().ws, setup().clock));
  });

  it("creates, modifies and deletes over tasks and messages as reported", () => {
    const { ws, clock } = setup();
    const teams = JSON.stringify([...ws.objects("team")]);
    const live = ws.count("task") + ws.count("message");
    clock.t += 10_000;
    const s = ws.mutate({ creates: 20, modifies: 60, deletes: 15 });
    // A deleted parent takes its subtasks along, even ones created or modified this round.
    expect(s.created.length).toBeGreaterThan(15);
    expect(s.modified.length).toBe(60); // the targets of the 60 modifies, none deleted (deletes skip them)
    expect(s.deleted.length).toBeGreaterThanOrEqual(15);
    const sets = [s.created, s.modified, s.deleted].map((x) => new Set(x));
    expect(sets.map((x) => x.size)).toEqual([s.created.length, s.modified.length, s.deleted.length]);
    for (const g of s.modified) expect(sets[0]?.has(g) || sets[2]?.has(g)).toBe(false);
    expect(ws.count("task") + ws.count("message")).toBe(live + 20 - s.deleted.length);
    expect(s.deleted.length).toBeGreaterThanOrEqual(15);
    const find = (g: string): AsanaObject | undefined => ws.get("task", g) ?? ws.get("message", g);
    for (const g of s.deleted) expect(find(g)).toBeUndefined();
    for (const g of s.created) expect(find(g)?.created_at).toBe(new Date(clock.t).toISOString());
    // Touched twice in one round (say modified, then a subtask added): a millisecond later.
    for (const g of [...s.created, ...s.modified]) {
      expect(ms(find(g)?.modified_at) - clock.t).toBeGreaterThanOrEqual(0);
      expect(ms(find(g)?.modified_at) - clock.t).toBeLessThan(10);
    }
    const types = new Set([...s.created, ...s.modified].map((g) => find(g)?.resource_type));
    expect([...types].sort()).toEqual(["message", "task"]);
    expect(JSON.stringify([...ws.objects("team")])).toBe(teams);
  });

  it("reports every object whose export changed: as modified when its modified_at moved, as silent when it did not", () => {
    const { ws, clock } = setup(5);
    const snapshot = (): Map<string, AsanaObject> => new Map([...ws.objects("task"), ...ws.objects("message")].map((o) => [o.gid, o]));
    for (let r = 0; r < 6; r++) {
      const before = snapshot();
      clock.t += r % 2 === 0 ? 1000 : 0;
      const s = ws.mutate({ creates: 15, modifies: 30, silent: 20, deletes: 12 });
      const modified = new Set(s.modified);
      const silent = new Set(s.silent);
      let silentChanges = 0;
      for (const [gid, now] of snapshot()) {
        const old = before.get(gid);
        if (old === undefined) {
          expect(s.created).toContain(gid);
          continue;
        }
        if (JSON.stringify(old) === JSON.stringify(now)) {
          expect(modified.has(gid) || silent.has(gid)).toBe(false);
          continue;
        }
        // modified_at moves only where a kind the text lists changed the object, never backward.
        if (now.modified_at !== old.modified_at) {
          expect(ms(now.modified_at)).toBeGreaterThan(ms(old.modified_at));
          expect(modified.has(gid), gid).toBe(true);
        } else {
          expect(silent.has(gid), gid).toBe(true);
          silentChanges++;
        }
      }
      // The silent pool and the side effects of the others (a parent's num_subtasks, dependents) show.
      expect(silentChanges).toBeGreaterThanOrEqual(20);
      for (const gid of before.keys()) if (ws.get("task", gid) === undefined && ws.get("message", gid) === undefined) expect(s.deleted).toContain(gid);
    }
  });

  it("rejects bad counts and stops when nothing is left", () => {
    const { ws } = setup();
    expect(() => ws.mutate({ creates: -1, modifies: 0, deletes: 0 })).toThrow(/creates/);
    const s = ws.mutate({ creates: 0, modifies: 0, deletes: 10_000 });
    expect(ws.count("task") + ws.count("message")).toBe(0);
    expect(s.deleted.length).toBe(400);
    expect(ws.mutate({ creates: 0, modifies: 5, deletes: 5 })).toEqual({ created: [], modified: [], silent: [], deleted: [], kinds: {} });
    expect(ws.count("team")).toBe(4); // `deletes` deletes tasks and messages; teams go only by delete-team
  });
});
