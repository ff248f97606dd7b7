// Bench cases timing how soon SIGTERM ends a run, from the signal to the process's exit: while it
// waits for the export job (`read`) and in the middle of the download (`sync`, which also deletes
// its temporary files). docs/reliability.md promises "at once", within 3 s; the tests check only
// what the run does (exit code 143, the INTERRUPTED error, nothing advanced). Each run has its own
// small emulator, so the suite's fixture and its export are untouched.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startEmulator, type Emulator, type Fault } from "../../src/emulator/index.js";
import { airbyteStreams } from "../../src/streams/index.js";
import type { BenchCase, CaseContext } from "./cases.js";
import type { Measured } from "./measure.js";

type Moment = "waiting" | "downloading";

const FAULTS: Record<Moment, Fault[]> = {
  // The job never finishes during the run.
  waiting: [{ kind: "job-slow", ms: 3_600_000 }],
  // The first connection drops after 30 kB; the resumed request is held: the run is mid-file.
  downloading: [
    { kind: "reset", target: "download", afterBytes: 30_000 },
    { kind: "hold", target: "download", skip: 1 },
  ],
};

/** Resolves once the run has reached the moment to be stopped. */
async function reached(em: Emulator, moment: Moment): Promise<void> {
  if (moment === "downloading") {
    await em.faults.waitForFired((f) => f.kind === "hold", { timeoutMs: 120_000 });
    return;
  }
  await em.waitForRequest((q) => q.method === "POST" && q.status === 201, { timeoutMs: 120_000 });
  await em.waitForRequest((q) => q.path.includes("/jobs/"), { timeoutMs: 120_000 });
}

/** The argv of a run against `em`, its files written under `dir`. */
function runArgs(ctx: CaseContext, em: Emulator, moment: Moment, dir: string): string[] {
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify({ workspace: em.workspaceGid, service_account_token: em.token, base_url: em.baseUrl, poll_interval_seconds: 0.05 }));
  const cli = join(ctx.dist, "src/cli/source-main.js");
  if (moment === "downloading") return [cli, "sync", "--config", config, "--out", join(dir, "out"), "--format", "jsonl"];
  const catalog = join(dir, "catalog.json");
  const streams = airbyteStreams().map((stream) => ({
    stream,
    sync_mode: stream.supported_sync_modes.includes("incremental") ? "incremental" : "full_refresh",
    destination_sync_mode: "append_dedup",
  }));
  writeFileSync(catalog, JSON.stringify({ streams }));
  return [cli, "read", "--config", config, "--catalog", catalog];
}

/** One timed run: start, wait for the moment, SIGTERM, time until the process has exited. */
async function sigtermToExit(ctx: CaseContext, moment: Moment): Promise<Measured> {
  const dir = join(ctx.out, `sigterm-${moment}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const em = await startEmulator({ seed: 5, tasks: 2_000, teams: 5, messages: 100, jobPollsUntilDone: 1, faults: FAULTS[moment] });
  try {
    const child = spawn(process.execPath, runArgs(ctx, em, moment, dir), { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => (stderr = (stderr + text).slice(-65536)));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => resolve([code, signal]));
    });
    try {
      await reached(em, moment);
    } catch (error) {
      child.kill("SIGKILL");
      await exited;
      throw error;
    }
    const signalled = performance.now();
    child.kill("SIGTERM");
    const [exitCode, signal] = await exited;
    return { wallMs: performance.now() - signalled, peakRssMb: undefined, exitCode, signal, stderr };
  } finally {
    await em.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The SIGTERM-to-exit case of one moment. */
export function sigtermCase(moment: Moment): BenchCase {
  return {
    id: `sigterm-${moment}`,
    label:
      moment === "waiting"
        ? "SIGTERM to exit: `read` waiting for the export job (wall s = signal to exit)"
        : "SIGTERM to exit: `sync` mid-download, deleting its temporaries (wall s = signal to exit)",
    emitsRecords: false,
    timesAnEvent: true,
    expectedExit: 143,
    skip: () => undefined,
    run: (ctx) => sigtermToExit(ctx, moment),
    check: async (_ctx, run) =>
      /Stopped by SIGTERM before the sync finished/.test(run.stderr) ? [] : [`no "Stopped by SIGTERM" message on stderr: ${run.stderr.trim().slice(-300)}`],
  };
}
