// The process stopped (SIGTERM) or killed (SIGKILL) while it waits for the export job and while it
// downloads, then run again: nothing advanced, nothing leaked, SIGTERM ends the run cleanly with its
// documented error, and the next run delivers every record. One table, run for `read` and `sync` at
// once (signals.test.ts). How fast SIGTERM ends a run is measured by the bench (bench/suite/signal.ts).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Emulator, Fault, RequestRecord } from "../../src/emulator/index.js";
import { SOURCE_BIN } from "../helpers/cli.js";
import { until } from "../helpers/until.js";
import { PENDING_FILE, expectFailure, expectNoLeaks, expectStateKept, expectTruth, filesUnder, snapshot } from "./expect.js";
import { exportPosts, lastStates, outcome, run, runArgs, type Json, type Outcome, type Side } from "./harness.js";
import { SIDES, forSides, sideEmulators } from "./sides.js";

const HOUR = 3_600_000;

/** Spawn a run; `messages` fills as complete stdout lines arrive. */
function start(side: Side, em: Emulator, out?: string) {
  const { args, dir, out: outDir } = runArgs(side, em, out === undefined ? {} : { out });
  const child = spawn(process.execPath, [SOURCE_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ASANA_SERVICE_ACCOUNT_TOKEN: "" } });
  const messages: Json[] = [];
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => {
    const text = b.toString("utf8");
    const lines = (stdout.slice(stdout.lastIndexOf("\n") + 1) + text).split("\n");
    stdout += text;
    for (const line of lines.slice(0, -1)) if (line.trim() !== "") messages.push(JSON.parse(line) as Json);
  });
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
  const closed = new Promise<Outcome>((resolve, reject) => {
    child.on("close", (code, signal) => {
      // A killed process may leave half a line: Airbyte would drop it too.
      const complete = stdout.slice(0, stdout.lastIndexOf("\n") + 1);
      // Its last requests are logged once the emulator has seen their connections close.
      void em.settled().then(() => resolve(outcome(side, { code, signal, stdout: complete, stderr, messages }, dir, outDir)), reject);
    });
  });
  return { child, messages, closed, out: outDir };
}

/** Where the first run is, when the case stops it. */
interface Running {
  side: Side;
  em: Emulator;
  messages: readonly Json[];
  out: string | undefined;
  /** Index of the first request and the first fault firing of this run. */
  from: number;
  firedFrom: number;
}

interface SignalCase {
  name: string;
  signal: "SIGTERM" | "SIGKILL";
  /** Faults for the first run; the second runs without. */
  faults: Fault[];
  /** Resolves once the first run has reached the point to stop it. */
  ready: (c: Running) => Promise<void>;
}

const isPoll = (q: RequestRecord): boolean => q.path.includes("/jobs/");

/** The run has recorded its export job where the rerun looks for it (what the case asserts). */
async function jobRecorded({ side, messages, out }: Running): Promise<void> {
  if (side === "read") {
    const pendingStates = (): number => messages.filter((m) => m.type === "STATE" && JSON.stringify(m).includes("pending_export")).length;
    await until("a STATE recording the export job for each of the three streams", () => pendingStates() >= 3);
  } else {
    await until(`the pending job file ${PENDING_FILE}`, () => existsSync(join(out ?? "", PENDING_FILE)));
  }
}

// Waiting: the job runs an hour (emulator clock). Downloading: the connection drops after 30 kB and
// the resumed request is held, so the process is caught in the middle of the file.
const WAITING: Fault[] = [{ kind: "job-slow", ms: HOUR }];
const MID_DOWNLOAD: Fault[] = [
  { kind: "reset", target: "download", afterBytes: 30_000 },
  { kind: "hold", target: "download", skip: 1 },
];

const CASES: SignalCase[] = [
  ...(["SIGTERM", "SIGKILL"] as const).map((signal) => ({
    name: `${signal} while waiting for the export job`,
    signal,
    faults: WAITING,
    ready: async (c: Running) => {
      await c.em.waitForRequest((q) => q.method === "POST" && q.status === 201, { since: c.from });
      await c.em.waitForRequest(isPoll, { since: c.from });
      await jobRecorded(c);
    },
  })),
  ...(["SIGTERM", "SIGKILL"] as const).map((signal) => ({
    name: `${signal} while downloading`,
    signal,
    faults: MID_DOWNLOAD,
    // The first connection dropped after 30 kB: the process is now in the held second request.
    ready: async (c: Running) => {
      await c.em.faults.waitForFired((f) => f.kind === "hold", { since: c.firedFrom });
      await jobRecorded(c);
    },
  })),
];

/** The signal table: each case runs for `read` and `sync` at once, each with its own emulator. */
export function signalMatrix(seed: number): void {
  const envs = sideEmulators(seed);
  afterEach(() => {
    for (const side of SIDES) {
      envs[side].em.faults.clear();
      envs[side].advance(2 * HOUR); // whatever still runs finishes
    }
  });

  describe("stopped, then run again", () => {
    for (const c of CASES) {
      const title = `${c.name}: ${c.signal === "SIGTERM" ? "exits cleanly with its documented error" : "leaves the state valid"}; the rerun delivers every record (read, sync)`;
      it(title, () => forSides(SIDES, async (side) => {
        const { em, advance } = envs[side];
        for (const fault of c.faults) em.faults.arm(fault);
        const from = em.requests.length;
        const firedFrom = em.faults.fired.length;
        const first = start(side, em);
        const before = first.out === undefined ? undefined : snapshot(first.out);
        await c.ready({ side, em, messages: first.messages, out: first.out, from, firedFrom });
        first.child.kill(c.signal);
        const o = await first.closed;
        em.faults.clear();

        if (c.signal === "SIGTERM") {
          expectFailure(o, { code: "INTERRUPTED", failureType: "transient_error", exit: 143, message: [/^Stopped by SIGTERM before the sync finished; the last state it emitted is still valid\./, /Run the sync again to continue/] });
        } else {
          expect(o.signal).toBe("SIGKILL");
        }
        expectStateKept(o, { killed: c.signal === "SIGKILL", ...(before === undefined ? {} : { snapshot: before }) });
        // The job is recorded for the rerun.
        if (side === "read") expect(JSON.stringify(lastStates(o))).toContain("pending_export");
        else expect(existsSync(join(first.out ?? "", PENDING_FILE))).toBe(true);
        expectNoLeaks(o, em);

        // Run again at once: it resumes the recorded job (read: from the state; sync: from the file
        // beside its state file), waiting for it if it still runs.
        const posts = exportPosts(em.requests).length;
        const again = em.requests.length;
        const waiting = c.faults === WAITING;
        const release = (async () => {
          if (!waiting) return;
          await em.waitForRequest(isPoll, { since: again });
          advance(HOUR);
        })();
        const rerun = await run(side, em, side === "read" ? { state: lastStates(o) } : { out: first.out ?? "" });
        await release;
        expectTruth(rerun, em);
        expectNoLeaks(rerun, em);
        expect(rerun.logs.some((l) => /Resuming export job \d+/.test(l))).toBe(true);
        expect(exportPosts(em.requests).length).toBe(posts);
        if (side === "sync") expect(filesUnder(rerun.out ?? "", true).filter((f) => f.endsWith(".partial") || f === PENDING_FILE)).toEqual([]);
      }));
    }
  });
}
