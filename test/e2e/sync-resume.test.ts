// A standalone sync killed while its export runs records the job beside the state file (which keeps
// naming the last complete sync); the rerun resumes that job instead of starting another. Meanwhile
// a second sync of the same folder is refused; the rerun takes over the killed run's lock.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { STREAMS } from "../../src/streams/index.js";
import { SOURCE_BIN } from "../helpers/cli.js";
import { expectedRows } from "../helpers/truth.js";
import { emulatorConfig, scratch } from "../helpers/airbyte.js";
import { until } from "../helpers/until.js";
import { manifests, runSync } from "./sync-helpers.js";

let em: Emulator;
let offset = 0;
const clock = { now: () => Date.now() + offset };
beforeAll(async () => {
  em = await startEmulator({ seed: 31, tasks: 150, teams: 3, messages: 20, clock, jobMsUntilDone: 3_600_000 });
});
afterAll(async () => em.close());

describe("standalone sync resume", () => {
  it("SIGKILL while the export runs, then a rerun resumes the recorded job: one POST, every record, state advanced", async () => {
    const out = scratch();
    const config = join(out, "..", `cfg-${Date.now()}.json`);
    writeFileSync(config, JSON.stringify(emulatorConfig(em, { poll_interval_seconds: 0.1 })));
    const child = spawn(process.execPath, [SOURCE_BIN, "sync", "--config", config, "--out", out, "--format", "jsonl"], { stdio: "ignore" });
    const pendingPath = join(out, "._state.json.pending");
    await until("the pending job file", () => existsSync(pendingPath));
    // A second sync of the same folder meanwhile is refused before it reads or removes anything.
    const second = await runSync(em, out, { poll_interval_seconds: 0.1 }, ["--format", "jsonl"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/is in use by another sync \(pid \d+ on .*Wait for that sync to finish/);
    expect(second.stdout).toMatch(/"failure_type":"transient_error"/);
    expect(existsSync(pendingPath)).toBe(true);
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    expect(existsSync(join(out, "_state.json"))).toBe(false);
    const recorded = JSON.parse(readFileSync(pendingPath, "utf8")) as { bookmarks: Record<string, { pending_export: { job_gid: string } }> };
    const jobGid = recorded.bookmarks.tasks?.pending_export.job_gid;
    expect(jobGid).toMatch(/^\d+$/);
    const posts = () => em.requests.filter((q) => q.method === "POST").length;
    expect(posts()).toBe(1);

    offset += 3_600_000;
    const r = await runSync(em, out, { poll_interval_seconds: 0.1 }, ["--format", "jsonl"]);
    expect(r.code, r.stderr).toBe(0);
    expect(posts()).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`Resuming export job ${jobGid}`));
    expect(r.stderr).toMatch(/Taking over the lock of .*: its holder \(pid \d+, started .*\) is no longer running/);
    expect(existsSync(join(out, ".sync.lock"))).toBe(false);
    const [manifest] = manifests(out);
    const rows = Object.fromEntries(Object.entries(manifest?.streams ?? {}).map(([name, s]) => [name, s.rows]));
    expect(rows).toEqual(Object.fromEntries(STREAMS.map((d) => [d.name, expectedRows(em.workspace, d.name).length])));
    expect(existsSync(pendingPath)).toBe(false);
    const state = JSON.parse(readFileSync(join(out, "_state.json"), "utf8")) as { bookmarks: Record<string, { cursor?: string; pending_export?: unknown }> };
    expect(state.bookmarks.tasks?.cursor).toMatch(/^\d{4}-/);
    expect(state.bookmarks.tasks?.pending_export).toBeUndefined();
  });
});
