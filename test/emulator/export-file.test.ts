// The export file: deterministic bytes per seed, shuffled with interleaved types, a snapshot of the
// workspace as the job runs (mutations show in the next export), temp files gone after close.
import { existsSync, readdirSync } from "node:fs";
import { describe, it, expect } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { exportBytes, exportLines, manualClock, parseLines } from "./helpers.js";

const all = [{ resource_type: "task" }, { resource_type: "team" }, { resource_type: "message" }];

describe("export file", () => {
  it("same seed, same bytes; another seed, other bytes", async () => {
    const bytes = async (seed: number): Promise<Buffer> => {
      const emu = await startEmulator({ seed, tasks: 80, teams: 3, messages: 20, clock: manualClock(), jobPollsUntilDone: 1 });
      try {
        return await exportBytes(emu, all);
      } finally {
        await emu.close();
      }
    };
    const a = await bytes(21);
    const b = await bytes(21);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(await bytes(22))).toBe(false);
  });

  it("holds every live object once, shuffled, with types interleaved", async () => {
    const emu = await startEmulator({ seed: 4, tasks: 300, teams: 6, messages: 100, jobPollsUntilDone: 1 });
    try {
      const lines = await exportLines(emu, all);
      for (const type of ["task", "team", "message"] as const) {
        const gids = lines.filter((l) => l.resource_type === type).map((l) => String(l.gid));
        expect(new Set(gids).size).toBe(gids.length);
        expect([...gids].sort()).toEqual([...emu.workspace.objects(type)].map((o) => o.gid).sort());
      }
      const taskGids = lines.filter((l) => l.resource_type === "task").map((l) => String(l.gid));
      const slotOrder = [...emu.workspace.objects("task")].map((o) => o.gid);
      expect(taskGids).not.toEqual(slotOrder);
      const ascending = taskGids.filter((g, i) => i > 0 && g > (taskGids[i - 1] ?? "")).length;
      expect(ascending / taskGids.length).toBeGreaterThan(0.3);
      expect(ascending / taskGids.length).toBeLessThan(0.7);
      // Types interleave: messages are spread through the file, not in one block.
      const typeChanges = lines.filter((l, i) => i > 0 && l.resource_type !== lines[i - 1]?.resource_type).length;
      expect(typeChanges).toBeGreaterThan(50);
      const firstMessage = lines.findIndex((l) => l.resource_type === "message");
      const lastMessage = lines.map((l) => l.resource_type).lastIndexOf("message");
      expect(firstMessage).toBeLessThan(lines.length / 4);
      expect(lastMessage).toBeGreaterThan((lines.length * 3) / 4);
      // Two exports of the same workspace are shuffled differently.
      const again = await exportLines(emu, all);
      expect(again.map((l) => l.gid)).not.toEqual(lines.map((l) => l.gid));
    } finally {
      await emu.close();
    }
  });

  it("reflects mutations made between exports; deleted objects are gone", async () => {
    const clock = manualClock();
    const emu = await startEmulator({ seed: 9, tasks: 60, teams: 2, messages: 20, clock, jobPollsUntilDone: 1 });
    try {
      const before = await exportLines(emu, [{ resource_type: "task", fields: ["modified_at"] }]);
      clock.advance(3_600_000);
      const created = emu.workspace.create("task");
      const target = [...emu.workspace.objects("task")][5];
      const modified = emu.workspace.modify("task", target?.gid ?? "");
      const doomed = [...emu.workspace.objects("task")][7]?.gid ?? "";
      emu.workspace.remove("task", doomed);
      clock.advance(1000);
      const cursor = new Date(clock.now() - 2000).toISOString();
      const after = await exportLines(emu, [{ resource_type: "task", fields: ["modified_at"] }]);
      const byGid = new Map(after.map((l) => [String(l.gid), l]));
      expect(after).toHaveLength(before.length);
      expect(byGid.has(created.gid)).toBe(true);
      expect(byGid.has(doomed)).toBe(false);
      expect(byGid.get(modified.gid)?.modified_at).toBe(modified.modified_at);
      const incremental = await exportLines(emu, [{ resource_type: "task", fields: ["modified_at"], filters: { "modified_at.after": cursor } }]);
      const changed = [...emu.workspace.objects("task")].filter((o) => String(o.modified_at) > cursor).map((o) => o.gid);
      expect(changed).toEqual(expect.arrayContaining([created.gid, modified.gid]));
      expect(incremental.map((l) => l.gid).sort()).toEqual(changed.sort());
    } finally {
      await emu.close();
    }
  });

  it("deletes its temp files on close", async () => {
    const emu = await startEmulator({ tasks: 10, teams: 1, messages: 1, jobPollsUntilDone: 1 });
    const gz = await exportBytes(emu, all);
    expect(parseLines(gz)).toHaveLength(12);
    expect(readdirSync(emu.tempDir).length).toBe(1);
    await emu.close();
    expect(existsSync(emu.tempDir)).toBe(false);
    await emu.close();
  });
});
