// The router's compact set of seen gids against a JS Set: the same answer for every add, across the
// recent table's growth, sealed runs and the filter's growth; gids that are no safe integers kept as
// text; and the memory a gid costs, which is why it exists.
import { describe, expect, it } from "vitest";
import { SeenGids } from "../../src/sync/seen-gids.js";
import { prng } from "../helpers/random-json.js";

/** Adds every gid to both sets, expecting the same answers; returns how many were new. */
function addAll(set: SeenGids, oracle: Set<string>, gids: readonly string[]): number {
  let added = 0;
  for (const gid of gids) {
    const want = !oracle.has(gid);
    oracle.add(gid);
    const got = set.add(gid);
    if (got !== want) expect(got, `add(${gid}) after ${oracle.size} gids`).toBe(want);
    if (got) added++;
  }
  return added;
}

describe("SeenGids", () => {
  it("answers as a Set for random gids with repeats, across many runs and filter growths", () => {
    const rand = prng(12);
    const set = new SeenGids();
    const oracle = new Set<string>();
    const gids: string[] = [];
    // 16-digit gids over a wide range, dense ones (neighbours in a run), and repeats of any age.
    for (let i = 0; i < 400_000; i++) {
      const r = rand();
      if (r < 0.2 && gids.length > 0) gids.push(gids[Math.floor(rand() * gids.length)] ?? "1");
      else if (r < 0.5) gids.push(String(1_204_000_000_000_000 + i));
      else gids.push(String(1_200_000_000_000_000 + Math.floor(rand() * 1e14)));
    }
    addAll(set, oracle, gids);
    expect(set.size).toBe(oracle.size);
    // Every gid again, in another order: all of them are known (most now in sealed runs).
    const again = [...gids].reverse();
    expect(addAll(set, oracle, again)).toBe(0);
    expect(set.size).toBe(oracle.size);
  });

  it("finds the first, last and indexed values of a run and the gids between them", () => {
    const set = new SeenGids();
    const oracle = new Set<string>();
    // Exactly one run of 65,536 gids, 7 apart, then their neighbours (absent) and themselves (present).
    const base = 9_007_199_254_000_000;
    const run = Array.from({ length: 65_536 }, (_, i) => String(base + i * 7));
    addAll(set, oracle, run);
    const probes: string[] = [];
    for (let i = 0; i < 65_536; i += 61) probes.push(String(base + i * 7), String(base + i * 7 + 1), String(base + i * 7 - 1));
    probes.push(String(base - 7), String(base + 65_536 * 7), String(base + 65_535 * 7), String(base));
    addAll(set, oracle, probes);
    expect(set.size).toBe(oracle.size);
  });

  it("keeps gids that are no canonical safe integer as text, apart from their numeric look-alikes", () => {
    const set = new SeenGids();
    const oracle = new Set<string>();
    addAll(set, oracle, ["12", "012", "12", "012", "abc", "", "9007199254740993", "9007199254740993", "9007199254740991", "0", "00"]);
    expect(set.size).toBe(oracle.size);
  });

  it("holds a million scattered task gids in a few bytes each (a hash table of doubles: 11-21)", () => {
    const rand = prng(30);
    const set = new SeenGids();
    for (let i = 0; i < 1_000_000; i++) set.add(String(1_200_000_000_000_000 + Math.floor(rand() * 1e13)));
    expect(set.size).toBeGreaterThan(999_000);
    expect(set.bytes / set.size).toBeLessThan(8);
  });
});
