// Two things real Asana does that a seeded emulator never showed: an incremental export that matched
// nothing comes as a 0-byte file (not a gzip stream), and answers may carry `Asana-Change` headers
// announcing API changes, which Asana's client libraries log. Both `read` and `sync`.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fullCatalog } from "../helpers/airbyte.js";
import { expectNoLeaks, expectTruth } from "./expect.js";
import { SMALL, emittedCursors, lastStates, run, type Outcome, type RunInput, type Side } from "./harness.js";
import { forSides, SIDES, sideEmulators } from "./sides.js";

const CHANGES = [
  "name=new_goal_memberships;info=https://forum.asana.com/t/new-goal-memberships/1;affected=true",
  "name=other_change;info=https://forum.asana.com/t/other-change/2",
];
const envs = sideEmulators(171, { ...SMALL, asanaChange: CHANGES });

/** Only the tasks stream (incremental), so that a run after nothing changed exports nothing at all. */
const tasksOnly = (side: Side): Partial<RunInput> => (side === "read" ? { catalog: fullCatalog("incremental", ["tasks"]) } : { flags: ["--streams", "tasks"] });

const cursorOf = (o: Outcome): string | undefined => {
  if (o.side === "read") return emittedCursors(o).filter((c) => c !== undefined).at(-1);
  const state = JSON.parse(readFileSync(join(o.out ?? "", "_state.json"), "utf8")) as { bookmarks: { tasks?: { cursor?: string } } };
  return state.bookmarks.tasks?.cursor;
};

describe("what real Asana does", () => {
  it("a quiet incremental run: the export matched nothing and is a 0-byte file; the run succeeds with no records and the cursor advances (read, sync)", () =>
    forSides(SIDES, async (side) => {
      const { em } = envs[side];
      // No deletion tracking: it adds a narrow export of every live gid, so the export is never empty.
      const config = { lookback_window_seconds: 0, track_deletions: "off" };
      const first = await run(side, em, { config, ...tasksOnly(side) });
      expect(first.code, first.stderr).toBe(0);
      const before = cursorOf(first) ?? "";
      const from = em.requests.length;
      const quiet = await run(side, em, { config, ...tasksOnly(side), ...(side === "read" ? { state: lastStates(first) } : { out: first.out ?? "" }) });
      expect(quiet.code, quiet.stderr.slice(-1500)).toBe(0);
      // The file that was downloaded is a 0-byte object.
      const download = em.requests.slice(from).find((q) => q.role === "storage" && q.status === 200);
      const exportGid = /\/(\d+)\.jsonl\.gz$/.exec(download?.path ?? "")?.[1] ?? "";
      expect(statSync(join(em.tempDir, `${exportGid}.jsonl.gz`)).size).toBe(0);
      expect(quiet.gids.get("tasks") ?? []).toEqual([]);
      expect(quiet.messages.filter((m) => m.type === "RECORD")).toEqual([]);
      expect(Date.parse(cursorOf(quiet) ?? "")).toBeGreaterThan(Date.parse(before));
      expectNoLeaks(quiet, em);
    }));

  it("Asana-Change headers on every answer: each change logged once per run, saying whether this request is affected (read, sync)", () =>
    forSides(SIDES, async (side) => {
      const { em } = envs[side];
      const o = await run(side, em);
      expectTruth(o, em);
      const notices = o.logs.filter((l) => l.includes("Asana announces the API change"));
      expect(notices).toEqual([
        expect.stringMatching(/Asana announces the API change 'new_goal_memberships' \(https:\/\/forum\.asana\.com\/t\/new-goal-memberships\/1\) and says requests like POST \/exports\/resource are affected by it\. The connector keeps working until Asana makes the change the default; look for a newer source-asana-export before then\.$/),
        expect.stringMatching(/Asana announces the API change 'other_change' \(https:\/\/forum\.asana\.com\/t\/other-change\/2\) and says requests like POST \/exports\/resource may be affected\./),
      ]);
      // Every API answer carried them: several requests, two notices.
      expect(em.requests.filter((q) => q.role === "api").length).toBeGreaterThan(2);
    }));
});
