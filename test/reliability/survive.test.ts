// Faults a sync survives, finishing with complete, exact output: each case of survive-cases.ts runs
// through `read` and `sync` at once, each against its own emulator. See docs/reliability.md.
import { afterEach, describe, expect, it } from "vitest";
import { expectNoLeaks, expectTruth } from "./expect.js";
import { run } from "./harness.js";
import { SIDES, forSides, sideEmulators } from "./sides.js";
import { SURVIVE_CASES } from "./survive-cases.js";

const envs = sideEmulators(61);
afterEach(() => {
  for (const side of SIDES) envs[side].em.faults.clear();
});

describe("survives", () => {
  for (const c of SURVIVE_CASES) {
    const sides = c.sides ?? SIDES;
    it(`${c.name} (${sides.join(", ")})`, () =>
      forSides(sides, async (side) => {
        const { em, advance } = envs[side];
        await c.setup?.(em, advance);
        for (const fault of c.faults ?? []) em.faults.arm(fault);
        const from = em.requests.length;
        const o = await run(side, em, { config: { ...c.config }, ...(c.catalog ? { catalog: c.catalog } : {}) });
        const context = { o, em, requests: em.requests.slice(from) };
        if (c.expectOutput) c.expectOutput(context);
        else expectTruth(o, em);
        expect(em.faults.pending).toEqual([]);
        c.check?.(context);
        expectNoLeaks(o, em);
      }));
  }
});
