// The sync's terminal display, under a real pseudo-terminal: the screen at each phase, held there
// by the test (the export job by the emulator's clock, the download by a proxy that stops part-way),
// and released by the test, never by waiting a fixed time. Then the same sync without a terminal.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { emulatorConfig, scratch } from "../helpers/airbyte.js";
import { SOURCE_BIN } from "../helpers/cli.js";
import { startHoldProxy, type HoldProxy } from "../helpers/hold-proxy.js";
import { ptyAvailable, runOnPty as startOnPty, type PtyRun } from "../helpers/pty.js";

const HOUR = 3_600_000;
const COLS = 110;

// The emulator's clock runs an hour behind until the test moves it: jobs take an hour of it.
let offset = 0;
let em: Emulator;
let proxy: HoldProxy;
const dir = scratch();

beforeAll(async () => {
  em = await startEmulator({ seed: 15, tasks: 3_000, teams: 4, messages: 50, jobMsUntilDone: HOUR, jobPollsUntilDone: 1, clock: { now: () => Date.now() + offset } });
  // Held after about a third of the file (~1.4 MB gzip), so some records were written first.
  proxy = await startHoldProxy(em, 400_000);
});
afterAll(async () => {
  await proxy.close();
  await em.close();
});

// A run left waiting by a failed expectation would hold the workspace's only export slot.
const runs: PtyRun[] = [];
afterEach(() => {
  for (const r of runs.splice(0)) r.kill();
});
const runOnPty = (...args: Parameters<typeof startOnPty>): PtyRun => {
  const run = startOnPty(...args);
  runs.push(run);
  return run;
};

/** SHOW_SCREENS=1 prints each captured screen (to look at the display, or to document it). */
function show(name: string, screen: string[]): void {
  if (process.env.SHOW_SCREENS) console.info(`--- ${name} ---\n${screen.join("\n")}`);
}

const lineOf = (screen: string[], start: string): string | undefined => screen.find((l) => l.startsWith(start) || l.slice(2).startsWith(start));
const count = (screen: string[], re: RegExp): number => screen.filter((l) => re.test(l)).length;

describe.runIf(ptyAvailable())("sync on a terminal", () => {
  it("shows each phase (waiting, downloading and writing, publishing) live, then a summary, with no JSON on the terminal", async () => {
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify(emulatorConfig(em, { base_url: proxy.baseUrl, poll_interval_seconds: 0.2 })));
    const run = runOnPty([process.execPath, SOURCE_BIN, "sync", "--config", config, "--out", join(dir, "out"), "--streams", "tasks,teams,messages"], {
      cols: COLS,
      rows: 40,
      env: { ...process.env, ASANA_SERVICE_ACCOUNT_TOKEN: "" },
    });

    // 1. Waiting for the export job: its gid, status, elapsed time and the next poll.
    const waiting = await run.waitForScreen((s) => /^\S Waiting for export job \d+: in progress, \d+:\d\d elapsed, next poll in \d+ s$/.test(lineOf(s, "Waiting") ?? ""), "the job being waited for");
    show("waiting", waiting);
    expect(waiting.filter((l) => /^[·] (Download|Write|Publish)$/.test(l))).toHaveLength(3);
    offset += HOUR;

    // 2. Downloading, held part-way: bytes of the total, rate and ETA; records per stream already written.
    await proxy.held;
    // The held download shows where it stopped (about 400 kB of ~1.2 MB), with a rate and an ETA.
    const stalledAt = (s: string[]): number => Number(/\((\d+)%\)/.exec(lineOf(s, "Downloading") ?? "")?.[1] ?? 0);
    // The write rate shows once the writing has run for a moment (the display redraws meanwhile).
    const downloading = await run.waitForScreen(
      (s) => stalledAt(s) >= 25 && / ETA \d+:\d\d$/.test(lineOf(s, "Downloading") ?? "") && / records\/s: /.test(lineOf(s, "Writing") ?? ""),
      "the download held part-way, with a write rate",
    );
    show("downloading and writing", downloading);
    expect(lineOf(downloading, "Export job")).toMatch(/^✓ Export job \d+ succeeded after \d+:\d\d \(\d+ polls?\)$/);
    // Counted as the bytes reach the decoder: at most the 400,000 the proxy let through.
    expect(lineOf(downloading, "Downloading")).toMatch(/^\S Downloading ([23]\d\d|400) kB of [\d.]+ MB \(\d+%\), [\d.]+ [kM]?B\/s, ETA \d+:\d\d$/);
    expect(lineOf(downloading, "Writing")).toMatch(/^\S Writing [1-9][\d,]* records, [\d,]+ records\/s: tasks [1-9][\d,]* · teams \d+ · messages \d+$/);
    expect(downloading).toContain("· Publish");
    proxy.release();

    // 3. Published, and the summary table; every phase line once, nothing left over from a frame.
    expect(await run.exited).toBe(0);
    const done = await run.screen();
    show("published", done);
    expect(lineOf(done, "Downloaded")).toMatch(/^✓ Downloaded [\d.]+ MB in \d+:\d\d/);
    expect(lineOf(done, "Wrote")).toMatch(/^✓ Wrote 3,054 records in \d+:\d\d: tasks 3,000 · teams 4 · messages 50$/);
    expect(lineOf(done, "Published")).toMatch(/^✓ Published: 3 files renamed, manifest _manifests\/\d+\.json, state _state\.json$/);
    for (const phase of [/Export job \d+ succeeded/, /Downloaded /, /Wrote /, /Published: /, /Waiting for export job/, /Downloading /, /Writing /]) {
      expect(count(done, phase), `${phase} on the final screen:\n${done.join("\n")}`).toBeLessThanOrEqual(1);
    }
    expect(done.some((l) => /^tasks\s+3,000\s+1\s/.test(l))).toBe(true);
    expect(done.some((l) => l.includes('{"status":"succeeded"'))).toBe(false);
    for (const l of done) expect([...l].length).toBeLessThan(COLS);
  });

  it("keeps the block intact on a narrow terminal (lines cut, never wrapped), and prints the JSON line with --json", async () => {
    const config = join(dir, "config-narrow.json");
    // No hold this time: a fresh emulator job still waits an hour of the emulator's clock.
    writeFileSync(config, JSON.stringify(emulatorConfig(em, { poll_interval_seconds: 0.2, lookback_window_seconds: 0 })));
    const run = runOnPty([process.execPath, SOURCE_BIN, "sync", "--config", config, "--out", join(dir, "out-narrow"), "--format", "jsonl", "--json"], {
      cols: 40,
      rows: 30,
      env: { ...process.env, ASANA_SERVICE_ACCOUNT_TOKEN: "" },
    });
    const waiting = await run.waitForScreen((s) => s.some((l) => /^\S Waiting for export job \d+/.test(l)), "the job being waited for");
    expect(waiting.filter((l) => l.startsWith("· ")).length).toBe(3);
    // The phase lines (log lines above them may wrap: they are printed once).
    for (const l of waiting.filter((l) => /^[·✓|/\\-] /.test(l))) expect([...l].length).toBeLessThan(40);
    offset += HOUR;
    expect(await run.exited).toBe(0);
    const done = await run.screen();
    expect(count(done, /Export job \d/)).toBe(1);
    expect(done.some((l) => l.startsWith("✓ Published"))).toBe(true);
    expect(run.raw()).toMatch(/\{"status":"succeeded","export_gid":"\d+"/);
  });
});

describe("sync without a terminal", () => {
  it("writes plain timestamped log lines with each phase, no escape codes, and the JSON result on stdout", async () => {
    const config = join(dir, "config-plain.json");
    writeFileSync(config, JSON.stringify(emulatorConfig(em, { poll_interval_seconds: 0.2 })));
    const child = spawn(process.execPath, [SOURCE_BIN, "sync", "--config", config, "--out", join(dir, "out-plain"), "--streams", "tasks,teams,messages"], { env: { ...process.env, ASANA_SERVICE_ACCOUNT_TOKEN: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    // Release the job once the sync says it is waiting for it.
    let released = false;
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
      if (!released && /Export job \d+ (not_started|in_progress)/.test(stderr)) {
        released = true;
        offset += HOUR;
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code, stderr).toBe(0);
    expect(stderr.includes("\u001b[")).toBe(false);
    const lines = stderr.split("\n").filter((l) => l !== "");
    const timed = lines.filter((l) => /^\[\s*\d+\.\d+s\] /.test(l)).map((l) => l.replace(/^\[\s*\d+\.\d+s\] /, ""));
    expect(timed.some((l) => /^Starting an export of tasks, teams, messages/.test(l))).toBe(true);
    expect(timed.some((l) => /^Downloading [\d.]+ MB \(compressed\)$/.test(l))).toBe(true);
    expect(timed.filter((l) => l.startsWith("Published file ")).length).toBe(3);
    expect(timed.some((l) => l.startsWith("Published manifest "))).toBe(true);
    expect(timed.some((l) => l.startsWith("Published state "))).toBe(true);
    const result = JSON.parse(stdout.trim()) as { status: string; streams: { stream: string; rows: number }[] };
    expect(result.status).toBe("succeeded");
    expect(result.streams.map((s) => [s.stream, s.rows])).toEqual([
      ["tasks", 3_000],
      ["teams", 4],
      ["messages", 50],
    ]);
  });
});
