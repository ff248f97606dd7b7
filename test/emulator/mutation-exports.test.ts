// Mutations as the export API shows them (real HTTP on loopback): a full export after a mutation
// carries it; a `modified_at.after` export carries the target only when the text says its
// modified_at moves; deleted objects leave the export and are listed once with their time; an export
// shows the workspace as it was when its job was created, whatever lands while it runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { MutationError } from "../../src/emulator/mutation-error.js";
import type { Mutation, MutationKind } from "../../src/emulator/mutation-kinds.js";
import type { AsanaObject, MutationResult } from "../../src/emulator/workspace.js";
import { FIELDS } from "../../src/emulator/data/fields.js";
import { exportLines, fetchUrl, finishJob, getJob, manualClock, parseLines, postExport, type JobJson } from "./helpers.js";

type Json = Record<string, unknown>;
type Target = "task" | "message";

/** The fields an export without `fields` carries. */
const defaults = (o: AsanaObject, type: Target): Json => Object.fromEntries(FIELDS[type].defaults.map((f) => [f, o[f]]));
const gids = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String((x as Json).gid)) : []);

/** Kinds and whether the text says the target's modified_at moves (see mutation-kinds.test.ts for the quotes). */
const CASES: ReadonlyArray<readonly [MutationKind, Target, boolean]> = [
  ["rename", "task", true],
  ["edit-notes", "task", true],
  ["complete", "task", true],
  ["assign", "task", true],
  ["set-due-date", "task", true],
  ["set-custom-field", "task", true],
  ["comment", "task", true],
  ["attach", "task", true],
  ["delete-story", "task", true],
  ["delete-attachment", "task", true],
  ["edit-message", "message", true],
  ["comment", "message", false],
  ["attach", "message", false],
  ["move-section", "task", false],
  ["add-project", "task", false],
  ["remove-project", "task", false],
  ["add-tag", "task", false],
  ["remove-tag", "task", false],
  ["add-follower", "task", false],
  ["remove-follower", "message", false],
  ["like", "task", false],
  ["unlike", "message", false],
  ["set-start-date", "task", false],
  ["add-dependency", "task", false],
  ["remove-dependency", "task", false],
];

function applyToFirst(emu: Emulator, kind: MutationKind, type: Target, from: number): MutationResult {
  const objects = [...emu.workspace.objects(type)];
  for (const o of [...objects.slice(from), ...objects.slice(0, from)]) {
    try {
      return emu.workspace.apply({ kind, [type]: o.gid } as Mutation);
    } catch (error) {
      if (!(error instanceof MutationError) || error.reason !== "not-applicable") throw error;
    }
  }
  throw new Error(`${kind} applies to no ${type}`);
}

describe("exports after each kind of mutation", () => {
  const clock = manualClock();
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ seed: 12, tasks: 160, teams: 3, messages: 60, clock, jobPollsUntilDone: 1 });
  });
  afterAll(async () => emu.close());

  it.each(CASES.map(([kind, type, moves], i) => [kind, type, moves, i] as const))(
    "%s on a %s: a full export shows it; a modified_since export includes the target: %s",
    async (kind, type, moves, i) => {
      clock.advance(60_000);
      const since = new Date(clock.now()).toISOString();
      clock.advance(1_000);
      const result = applyToFirst(emu, kind, type, 7 * i);
      const truth = emu.workspace.get(type, result.target.gid) as AsanaObject;
      const full = await exportLines(emu, [{ resource_type: type }]);
      expect(full.find((l) => l.gid === truth.gid)).toEqual(defaults(truth, type));
      expect(full).toHaveLength(emu.workspace.count(type));
      if (type === "task") {
        // The opt-in links (dependencies, dependents, num_subtasks) as the ground truth has them.
        const links = await exportLines(emu, [{ resource_type: "task", fields: ["dependencies", "dependents", "num_subtasks"] }]);
        for (const line of links) {
          const o = emu.workspace.get("task", String(line.gid)) as AsanaObject;
          expect([gids(line.dependencies), gids(line.dependents), line.num_subtasks]).toEqual([gids(o.dependencies), gids(o.dependents), o.num_subtasks]);
        }
      }
      const incremental = await exportLines(emu, [{ resource_type: type, fields: ["modified_at"], filters: { "modified_at.after": since } }]);
      const expected = [...emu.workspace.objects(type)].filter((o) => Date.parse(String(o.modified_at)) > Date.parse(since)).map((o) => o.gid);
      expect(incremental.map((l) => l.gid).sort()).toEqual(expected.sort());
      expect(incremental.some((l) => l.gid === truth.gid)).toBe(moves);
    },
  );
});

describe("deletions", () => {
  it("a task with its subtasks, a message, a team with its own messages: gone from exports, listed once with their time", async () => {
    const clock = manualClock();
    const emu = await startEmulator({ seed: 13, tasks: 200, teams: 3, messages: 120, clock, jobPollsUntilDone: 1 });
    try {
      const ws = emu.workspace;
      const parent = [...ws.objects("task")].find((t) => (t.num_subtasks as number) >= 2) as AsanaObject;
      const kids = [...ws.objects("task")].filter((t) => (t.parent as Json | null)?.gid === parent.gid).map((t) => t.gid);
      const message = [...ws.objects("message")][4] as AsanaObject;
      const postedTo = (t: AsanaObject): AsanaObject[] => [...ws.objects("message")].filter((m) => (m.parents as Json[]).some((p) => p.gid === t.gid));
      // The team with messages of its own and messages also posted to a project.
      const team = [...ws.objects("team")].find((t) => postedTo(t).some((m) => (m.parents as Json[]).length > 1)) as AsanaObject;
      const posted = postedTo(team).filter((m) => m.gid !== message.gid);
      const own = posted.filter((m) => (m.parents as Json[]).length === 1).map((m) => m.gid);
      const shared = posted.filter((m) => (m.parents as Json[]).length > 1);
      expect(own.length).toBeGreaterThan(0);
      expect(shared.length).toBeGreaterThan(0);
      clock.advance(10_000);
      const since = new Date(clock.now() - 1).toISOString();
      const tasksGone = ws.apply({ kind: "delete-task", task: parent.gid });
      clock.advance(1_000);
      ws.apply({ kind: "delete-message", message: message.gid });
      clock.advance(1_000);
      const teamGone = ws.apply({ kind: "delete-team", team: team.gid });

      expect(tasksGone.deleted.map((d) => d.gid).sort()).toEqual([parent.gid, ...kids].sort());
      expect(teamGone.deleted.map((d) => d.gid).sort()).toEqual([team.gid, ...own].sort());
      const all = await exportLines(emu, [{ resource_type: "task" }, { resource_type: "message" }, { resource_type: "team" }]);
      const exported = new Set(all.map((l) => String(l.gid)));
      for (const gid of [parent.gid, ...kids, message.gid, team.gid, ...own]) expect(exported.has(gid), gid).toBe(false);
      expect(all).toHaveLength(ws.count("task") + ws.count("message") + ws.count("team"));
      // Messages also posted elsewhere stay, without the team, and their modified_at stands still.
      for (const m of shared) {
        const line = all.find((l) => l.gid === m.gid) as Json;
        expect((line.parents as Json[]).map((p) => p.gid)).not.toContain(team.gid);
        expect(line.modified_at).toBe(m.modified_at);
      }
      const at = (ms: number): string => new Date(ms).toISOString();
      const t0 = Date.parse(since) + 1;
      expect(ws.deleted("task")).toEqual(
        [parent.gid, ...kids].sort().map((gid) => ({ resource_type: "task", gid, deleted_at: at(t0), cause: gid === parent.gid ? "deleted" : "parent_deleted", ...(gid === parent.gid ? {} : { via: parent.gid }) })),
      );
      expect(ws.deleted("message")).toEqual([
        { resource_type: "message", gid: message.gid, deleted_at: at(t0 + 1_000), cause: "deleted" },
        ...own.sort().map((gid) => ({ resource_type: "message", gid, deleted_at: at(t0 + 2_000), cause: "team_deleted", via: team.gid })),
      ]);
      expect(ws.deleted("team")).toEqual([{ resource_type: "team", gid: team.gid, deleted_at: at(t0 + 2_000), cause: "deleted" }]);
      // Nothing that only lost a neighbour is in an incremental export.
      const incremental = await exportLines(emu, [{ resource_type: "task", filters: { "modified_at.after": since } }, { resource_type: "message", filters: { "modified_at.after": since } }]);
      expect(incremental).toEqual([]);
      expect(() => ws.apply({ kind: "delete-team", team: team.gid })).toThrow(/Unknown object/);
    } finally {
      await emu.close();
    }
  });
});

describe("a change landing while an export runs", () => {
  it("is not in that export (a snapshot at its created_at) and is in the next incremental one", async () => {
    const clock = manualClock();
    // Big enough that the file is still being written when the changes land; the job needs 3 polls.
    const emu = await startEmulator({ seed: 14, tasks: 20_000, teams: 2, messages: 10, clock, jobPollsUntilDone: 3, gzipLevel: 1 });
    try {
      const ws = emu.workspace;
      const tasks = [...ws.objects("task")];
      const renamed = tasks.slice(0, 400).filter((_, i) => i % 8 === 0);
      const moved = tasks.slice(1000, 3000).filter((t) => (t.memberships as unknown[]).length > 0 && (t.parent === null)).slice(0, 30);
      const doomed = tasks.slice(5000, 5400).filter((t) => t.num_subtasks === 0 && t.parent === null).slice(0, 30);
      const fields = ["name", "modified_at", "memberships"];
      const answer = await postExport(emu, [{ resource_type: "task", fields }]);
      const job = (answer.json as { data: JobJson }).data;
      const createdAt = job.new_resource_export.created_at;
      expect((await getJob(emu, job.gid)).status).toBe("in_progress");
      for (const t of renamed) ws.apply({ kind: "rename", task: t.gid });
      for (const t of moved) ws.apply({ kind: "move-section", task: t.gid });
      for (const t of doomed) ws.apply({ kind: "delete-task", task: t.gid });
      const made = ws.apply({ kind: "create-task" }).target.gid;
      // Every change is stamped after the job's created_at, even on a clock that stood still.
      for (const t of renamed) expect(Date.parse(String(ws.get("task", t.gid)?.modified_at))).toBeGreaterThan(Date.parse(createdAt));
      const done = await finishJob(emu, job.gid);
      expect(done.status).toBe("succeeded");
      const url = done.new_resource_export.download_url as string;
      const lines = new Map(parseLines((await fetchUrl(url)).body).map((l) => [String(l.gid), l]));
      expect(lines.size).toBe(20_000);
      for (const t of [...renamed, ...moved]) expect(lines.get(t.gid)).toEqual({ gid: t.gid, resource_type: "task", name: t.name, modified_at: t.modified_at, memberships: t.memberships });
      for (const t of doomed) expect(lines.has(t.gid)).toBe(true);
      expect(lines.has(made)).toBe(false);

      const next = await exportLines(emu, [{ resource_type: "task", fields, filters: { "modified_at.after": createdAt } }]);
      expect(next.map((l) => l.gid).sort()).toEqual([...renamed.map((t) => t.gid), made].sort());
      expect(ws.deleted("task").map((d) => d.gid).sort()).toEqual(doomed.map((t) => t.gid).sort());
    } finally {
      await emu.close();
    }
  });
});
