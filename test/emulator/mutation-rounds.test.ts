// Seeded mutation rounds that mix every kind: deterministic, reported exactly, and checked against a
// diff of the whole workspace taken by the test.
import { describe, expect, it } from "vitest";
import { createWorkspace } from "../../src/emulator/data/index.js";
import { KIND_NAMES, type MutationRound } from "../../src/emulator/mutation-kinds.js";
import type { Workspace } from "../../src/emulator/workspace.js";

const START = Date.UTC(2025, 5, 1);

function setup(seed = 8): { ws: Workspace; clock: { t: number; now(): number } } {
  const clock = { t: START, now(): number { return this.t; } };
  return { ws: createWorkspace({ seed, tasks: 400, teams: 6, messages: 150, clock }), clock };
}

/** One of every kind, plus a few of each pool. */
const EVERY: MutationRound = { ...Object.fromEntries(KIND_NAMES.map((k) => [k, 1])), creates: 3, modifies: 6, silent: 6, moves: 3, deletes: 2 };

const dump = (ws: Workspace): string =>
  JSON.stringify([...ws.objects("task"), ...ws.objects("message"), ...ws.objects("team"), ws.deleted("task"), ws.deleted("message"), ws.deleted("team")]);

describe("mutate", () => {
  it("runs every kind, and the same seed and calls give the same rounds and the same workspace", () => {
    const run = (seed: number): { summaries: unknown[]; state: string } => {
      const { ws, clock } = setup(seed);
      const summaries: unknown[] = [];
      for (let r = 0; r < 4; r++) {
        clock.t += 60_000;
        summaries.push(ws.mutate(EVERY));
      }
      return { summaries, state: dump(ws) };
    };
    const a = run(8);
    const b = run(8);
    expect(b.summaries).toEqual(a.summaries);
    expect(b.state).toBe(a.state);
    const first = a.summaries[0] as { kinds: Record<string, number> };
    for (const kind of KIND_NAMES) expect(first.kinds[kind], kind).toBeGreaterThanOrEqual(1);
    const other = run(9);
    expect(other.state).not.toBe(a.state);
  });

  it("reports each gid in exactly one list, as the whole-workspace diff shows", () => {
    const { ws, clock } = setup();
    for (let r = 0; r < 3; r++) {
      const before = new Map([...ws.objects("task"), ...ws.objects("message"), ...ws.objects("team")].map((o) => [o.gid, o]));
      clock.t += 60_000;
      const s = ws.mutate(EVERY);
      const lists = [s.created, s.modified, s.silent, s.deleted];
      const all = lists.flat();
      expect(new Set(all).size).toBe(all.length);
      const after = new Map([...ws.objects("task"), ...ws.objects("message"), ...ws.objects("team")].map((o) => [o.gid, o]));
      expect(new Set(s.deleted)).toEqual(new Set([...before.keys()].filter((g) => !after.has(g))));
      expect(new Set(s.created)).toEqual(new Set([...after.keys()].filter((g) => !before.has(g))));
      const moved = [...after].filter(([g, o]) => before.has(g) && before.get(g)?.modified_at !== o.modified_at).map(([g]) => g);
      const silent = [...after].filter(([g, o]) => before.has(g) && before.get(g)?.modified_at === o.modified_at && JSON.stringify(before.get(g)) !== JSON.stringify(o)).map(([g]) => g);
      expect(new Set(s.modified)).toEqual(new Set(moved));
      expect(new Set(s.silent)).toEqual(new Set(silent));
      for (const g of moved) expect(after.get(g)?.modified_at).toBe(new Date(clock.t).toISOString());
      // Deleted this round, deleted at this round's time; every deleted object is listed once.
      for (const type of ["task", "message", "team"] as const) {
        const listed = ws.deleted(type).map((d) => d.gid);
        expect(new Set(listed).size).toBe(listed.length);
      }
      const times = new Set(["task", "message", "team"].flatMap((t) => ws.deleted(t as "task").filter((d) => s.deleted.includes(d.gid)).map((d) => d.deleted_at)));
      expect([...times]).toEqual([new Date(clock.t).toISOString()]);
    }
  });

  it("refuses a bad round with the key and the reason, and changes nothing", () => {
    const { ws } = setup();
    const before = dump(ws);
    expect(() => ws.mutate({ silent: 1.5 })).toThrow(/invalid mutation round: silent: .*int/i);
    expect(() => ws.mutate({ explode: 1 } as unknown as MutationRound)).toThrow(/unknown key 'explode'/);
    expect(dump(ws)).toBe(before);
  });
});
