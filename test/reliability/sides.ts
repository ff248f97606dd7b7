// Each case of the matrix runs for `read` and `sync` at the same time, each side against its own
// emulator (its own faults, request log and clock), so a file takes the time of one side, not two.
import { afterAll, beforeAll } from "vitest";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../src/emulator/index.js";
import { SMALL, type Side } from "./harness.js";

export const SIDES: readonly Side[] = ["read", "sync"];

/** One side's emulator and the hand on its clock. */
export interface SideEnv {
  em: Emulator;
  /** Move this emulator's clock forward (running jobs finish, URLs expire). */
  advance(ms: number): void;
}

/** One emulator per side, started before the file's tests and closed after them. */
export function sideEmulators(seed: number, options: EmulatorOptions = SMALL): Record<Side, SideEnv> {
  const envs = {} as Record<Side, SideEnv>;
  beforeAll(async () => {
    await Promise.all(
      SIDES.map(async (side, i) => {
        let offset = 0;
        const em = await startEmulator({ ...options, seed: seed + i, clock: { now: () => Date.now() + offset } });
        envs[side] = { em, advance: (ms) => void (offset += ms) };
      }),
    );
  });
  afterAll(async () => {
    await Promise.all(SIDES.map((side) => envs[side]?.em.close()));
  });
  return envs;
}

/** Run a case's body for each side at once; a failure names its side. */
export async function forSides(sides: readonly Side[], body: (side: Side) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(sides.map((side) => body(side)));
  for (const [i, result] of results.entries()) {
    if (result.status === "fulfilled") continue;
    const reason: unknown = result.reason;
    if (reason instanceof Error) reason.message = `[${sides[i] ?? "?"}] ${reason.message}`;
    throw reason;
  }
}
