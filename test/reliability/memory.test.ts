// Memory stays flat: a 20k-task export read by a reader that stops reading stdout for a while, then
// drains it; and the same workspace written by `sync` as Parquet (its own export: each test stands
// alone). Peak RSS of the child process is its own, reported by a preloaded module when it exits:
// the kernel's high-water mark of its memory (VmHWM in /proc/self/status) where there is one, else
// getrusage's maxRSS. Not maxRSS first: on Node 24 a spawned child's maxRSS counts the memory of the
// process that spawned it (the child shares it until it runs its own program), and this test's
// process, holding the read test's output, stands at about 460 MB then: the sync's maxRSS read
// 465 MB where its VmHWM was 208 MB (on Node 20, 200 MB both). The CLI restarting itself with its
// heap flags (src/cli/heap.ts) resets VmHWM too, and only module loading comes before that.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { airbyteStreams } from "../../src/streams/index.js";
import { SOURCE_BIN } from "../helpers/cli.js";
import { scratch } from "../helpers/airbyte.js";
import { expectFailure, expectNoLeaks, expectTruth } from "./expect.js";
import { outcome, runArgs, type Json, type Outcome, type Side } from "./harness.js";

const PEAK_RSS_BOUND_MB = 200;
/** The Parquet sync's target (PERFORMANCE.md): two threads (shredding, encoding), each with its heap. */
const SYNC_PEAK_RSS_BOUND_MB = 256;
const TASKS = 20_000;
/** The limit held once, plus the process's own ~100 MB: far below what accepting the line costs. */
const OVER_LIMIT_RSS_BOUND_MB = 256;

let em: Emulator;
const dir = scratch();
const preload = join(dir, "report-max-rss.mjs");
beforeAll(async () => {
  em = await startEmulator({ seed: 111, tasks: TASKS, teams: 4, messages: 100, jobPollsUntilDone: 0, gzipLevel: 1 });
  writeFileSync(
    preload,
    'import { existsSync, readFileSync, writeFileSync } from "node:fs";\n' +
      "const peakKb = () => existsSync('/proc/self/status') ? Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) : process.resourceUsage().maxRSS;\n" +
      'process.on("exit", () => writeFileSync(process.env.MAX_RSS_FILE, String(peakKb())));\n',
  );
});
afterAll(async () => em.close());

/** What one measured run did. */
interface Measured {
  o: Outcome;
  peakMb: number;
  /** Whether the reader resumed while the process still ran: the pause held up a run, not a finished one. */
  resumedMidRun: boolean;
}

/**
 * Run one side with the RSS reporter; for read, stop reading stdout for `pauseMs` after its first
 * bytes. The pause is the load applied, not a wait for anything: nothing is asserted about its length.
 */
function measured(side: Side, input: Parameters<typeof runArgs>[2], options: { pauseMs?: number } = {}): Promise<Measured> {
  const { args, dir: runDir, out } = runArgs(side, em, input);
  const report = join(runDir, "max-rss");
  const pauseMs = options.pauseMs ?? 0;
  const child = spawn(process.execPath, ["--import", pathToFileURL(preload).href, SOURCE_BIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ASANA_SERVICE_ACCOUNT_TOKEN: "", MAX_RSS_FILE: report },
  });
  const out1: Buffer[] = [];
  let stderr = "";
  let paused = false;
  let exited = false;
  let resumedMidRun = false;
  child.on("exit", () => (exited = true));
  child.stdout.on("data", (b: Buffer) => {
    out1.push(b);
    if (pauseMs > 0 && !paused) {
      paused = true;
      child.stdout.pause();
      setTimeout(() => {
        resumedMidRun = !exited;
        child.stdout.resume();
      }, pauseMs);
    }
  });
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out1).toString("utf8");
      const messages = stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Json);
      void outcome(side, { code, signal, stdout, stderr, messages }, runDir, out).then((o) => {
        const peakMb = Number(readFileSync(report, "utf8")) / 1024;
        resolve({ o, peakMb, resumedMidRun });
      }, reject);
    });
  });
}

// No column selection: `read` asks for the same export as `sync`.
const catalog = {
  streams: airbyteStreams().map((stream) => ({
    stream: { ...stream, json_schema: {} },
    sync_mode: stream.supported_sync_modes.includes("incremental") ? "incremental" : "full_refresh",
    destination_sync_mode: "append_dedup",
  })),
};

describe("memory stays flat", () => {
  it(`read of ${TASKS} tasks with a reader that pauses 2 s, then drains: peak RSS < ${PEAK_RSS_BOUND_MB} MB`, async () => {
    const r = await measured("read", { catalog }, { pauseMs: 2_000 });
    expectTruth(r.o, em);
    // The pause held the run up (its output does not fit the pipe), so backpressure was exercised.
    expect(r.resumedMidRun).toBe(true);
    expect(r.peakMb).toBeLessThan(PEAK_RSS_BOUND_MB);
    expect(r.peakMb).toBeGreaterThan(20); // the report is real
    expectNoLeaks(r.o, em);
    console.info(`read peak RSS ${r.peakMb.toFixed(0)} MB`);
  });

  // As users run it: default heap flags (the CLI sets V8's heap growth, src/cli/heap.ts), row groups
  // encoded in a worker thread. The bench's memory check shows the same peak at 100k and 1M tasks.
  it(`sync of the same ${TASKS} tasks to Parquet: peak RSS < ${SYNC_PEAK_RSS_BOUND_MB} MB`, async () => {
    const out = join(scratch(), "out");
    const r = await measured("sync", { out, format: "parquet" });
    expectTruth(r.o, em);
    expect(r.peakMb).toBeLessThan(SYNC_PEAK_RSS_BOUND_MB);
    expect(r.peakMb).toBeGreaterThan(20); // the report is real
    expectNoLeaks(r.o, em);
    console.info(`sync peak RSS ${r.peakMb.toFixed(0)} MB`);
  });

  // A 50 MB line took `sync` to Parquet to ~820 MB and a 250 MB one to ~3 GB: the line limit (32 MiB)
  // is what bounds that, and a line over it is refused after the splitter held at most the limit.
  it(`a line over the 32 MiB limit (40 MiB of notes), synced to Parquet: refused, peak RSS < ${OVER_LIMIT_RSS_BOUND_MB} MB`, async () => {
    em.faults.arm({ kind: "file-huge-line", line: 3, bytes: 40 * 1024 * 1024 });
    const r = await measured("sync", { out: join(scratch(), "out"), format: "parquet" });
    expect(em.faults.pending).toEqual([]);
    expectFailure(r.o, { code: "EXPORT_LINE_TOO_LONG", failureType: "system_error", message: /is longer than the 33554432-byte line limit/ });
    expect(r.peakMb).toBeLessThan(OVER_LIMIT_RSS_BOUND_MB);
    expect(r.peakMb).toBeGreaterThan(20); // the report is real
    console.info(`over-long line: sync peak RSS ${r.peakMb.toFixed(0)} MB`);
  });
});
