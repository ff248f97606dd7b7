// The runner of the failure tables (report.test.ts, bad-file.test.ts): after one successful baseline
// run per side, each case must fail with its exact error and advance nothing, leaking nothing.
import { cpSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Emulator, Fault, RequestRecord } from "../../src/emulator/index.js";
import { scratch } from "../helpers/airbyte.js";
import { expectFailure, expectNoLeaks, expectStateKept, expectTruth, snapshot, type ExpectedFailure } from "./expect.js";
import { emittedCursors, lastStates, run, type Json, type Outcome, type RunInput, type Side } from "./harness.js";
import { SIDES, forSides, sideEmulators } from "./sides.js";

/** What a case's hooks get. */
export interface FailureContext {
  side: Side;
  em: Emulator;
  o: Outcome;
  /** Requests of this case only. */
  requests: RequestRecord[];
  /** Move the emulator's clock. */
  advance: (ms: number) => void;
  /** The input the case ran with (to run it again). */
  input: RunInput;
}

export interface FailureCase {
  name: string;
  sides?: readonly Side[];
  /** The case arms no fault and starts no job: it may run at the same time as its neighbours. */
  concurrent?: boolean;
  faults?: Fault[];
  config?: Json;
  expected: ExpectedFailure;
  /** Input other than the baseline's (read: `state`; sync: `out` holding a state file); `config` keys are merged. */
  prepare?: (c: { side: Side; em: Emulator }) => Promise<Partial<RunInput>>;
  check?: (c: FailureContext) => void | Promise<void>;
}

// Each failing export asks for everything, so line-numbered faults land whatever the cursor.
const EVERYTHING = { lookback_window_seconds: 2_000_000_000 };

function copyOf(dir: string): string {
  const copy = join(scratch(), "out");
  cpSync(dir, copy, { recursive: true });
  return copy;
}

/** Define the table's tests: each case runs for `read` and `sync` at once, each side with its own emulator. */
export function failureMatrix(title: string, seed: number, cases: readonly FailureCase[]): void {
  const envs = sideEmulators(seed);
  const baseline: { state?: Json[]; cursors?: (string | undefined)[]; out?: string } = {};
  beforeAll(async () => {
    const [read, sync] = await Promise.all([run("read", envs.read.em), run("sync", envs.sync.em, { out: (baseline.out = join(scratch(), "out")) })]);
    expectTruth(read, envs.read.em);
    expectTruth(sync, envs.sync.em);
    baseline.state = lastStates(read);
    baseline.cursors = [...new Set(emittedCursors(read).filter((c) => c !== undefined)), undefined];
  });
  afterEach(() => {
    for (const side of SIDES) {
      envs[side].em.faults.clear();
      // Whatever export a case left running finishes, so the next case finds the slot free.
      envs[side].advance(2 * 3_600_000);
    }
  });

  describe(title, () => {
    for (const c of cases) {
      const sides = c.sides ?? SIDES;
      (c.concurrent === true ? it.concurrent : it)(`${c.name} (${sides.join(", ")})`, () =>
        forSides(sides, async (side) => {
          const { em, advance } = envs[side];
          const prepared = (await c.prepare?.({ side, em })) ?? {};
          const input: RunInput = {
            // Each sync case works on its own copy of the baseline output (a recorded job stays there).
            ...(side === "read" ? { state: baseline.state ?? [] } : { out: copyOf(baseline.out ?? "") }),
            ...prepared,
            config: { ...EVERYTHING, ...c.config, ...prepared.config },
          };
          const before = input.out === undefined ? undefined : snapshot(input.out);
          for (const fault of c.faults ?? []) em.faults.arm(fault);
          const from = em.requests.length;
          const o = await run(side, em, input);
          expectFailure(o, c.expected);
          expectStateKept(o, side === "read" ? { cursors: baseline.cursors ?? [] } : { snapshot: before ?? snapshot("") });
          expect(em.faults.pending).toEqual([]);
          expectNoLeaks(o, em);
          await c.check?.({ side, em, o, requests: em.requests.slice(from), advance, input });
        }));
    }
  });
}
