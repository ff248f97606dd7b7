// Seeded random JSON for property tests of the byte-level JSON readers: values with every kind of
// leaf (escapes, unicode, line separators), nested objects and arrays, and random whitespace.

/** A small seeded generator of floats in [0, 1). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random JSON value nested up to four levels, leaves of every kind. */
export function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 3 || r < 0.35) {
    const leaves: unknown[] = [null, true, false, 0, -1.5e-7, 123456789012, "", "text é 😀", 'quote " back \\ slash / tab \t nl \n', "\u0001\u001f\u2028"];
    return leaves[Math.floor(rand() * leaves.length)];
  }
  if (r < 0.55) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  const object: Record<string, unknown> = {};
  const keys = ["gid", "resource_type", "modified_at", "name", "notes", "a", "", "é"];
  for (let n = Math.floor(rand() * 5); n > 0; n--) object[keys[Math.floor(rand() * keys.length)] ?? "a"] = randomValue(rand, depth + 1);
  return object;
}

/** JSON text of a random object, with random whitespace between tokens. */
export function randomText(rand: () => number): string {
  const value = { gid: String(Math.floor(rand() * 1e16)), resource_type: rand() < 0.5 ? "task" : "message", ...(randomValue(rand, 0) as object) };
  const text = JSON.stringify(value, null, rand() < 0.3 ? 1 : undefined);
  return rand() < 0.2 ? ` ${text}\t` : text;
}

/** A random value with compact references of the types user and tag (and near misses) planted in it. */
export function randomWithReferences(rand: () => number, depth = 0): unknown {
  const r = rand();
  if (depth > 3 || r < 0.25) {
    const refs: unknown[] = [
      { gid: String(Math.floor(rand() * 100)), resource_type: "user", name: "Zoë \"Z\" 😀" },
      { resource_type: "tag", gid: "t\\\"1" },
      { gid: 5, resource_type: "user" },
      { gid: "9", resource_type: "project" },
      { gid: "8", resource_type: "users" },
      { gid: "7", name: "no type" },
      { gid: "u\u00e9", resource_type: "user", nested: { gid: "inner", resource_type: "tag" } },
      { resource_type: "user", gid: "a", list: [{}, [], { gid: "b", resource_type: "tag" }] },
    ];
    return rand() < 0.5 ? refs[Math.floor(rand() * refs.length)] : randomValue(rand, 3);
  }
  if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => randomWithReferences(rand, depth + 1));
  const object: Record<string, unknown> = {};
  for (const key of ["gid", "resource_type", "assignee", "followers", "stories", "x"]) if (rand() < 0.5) object[key] = randomWithReferences(rand, depth + 1);
  return object;
}
