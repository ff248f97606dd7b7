// The deletion memory: its codec round-trips and refuses damage; reconcile agrees with a set-based
// oracle on random histories; the encoded size stays small.
import { describe, expect, it } from "vitest";
import { GidCollector, KeyList, KeyListBuilder, gidKey, reconcile, sortKeys, type ParentType } from "../../src/sync/given-keys.js";
import { prng } from "../helpers/random-json.js";

type Key = `${string}/${string}/${ParentType}`;
const keyOf = (p: bigint, c: bigint, t: ParentType): Key => `${p}/${c}/${t}`;

function listOf(keys: Iterable<Key>): KeyList {
  const b = new KeyListBuilder();
  for (const k of keys) {
    const [p, c, t] = k.split("/") as [string, string, ParentType];
    expect(b.add(p, c, t)).toBe(true);
  }
  return b.build();
}

function keysOf(list: KeyList): Key[] {
  const out: Key[] = [];
  for (let i = 0; i < list.length; i++) out.push(keyOf(list.parent(i), list.child(i), list.parentType(i)));
  return out;
}

const sorted = (keys: Iterable<Key>): Key[] => [...keys].sort();

describe("gidKey", () => {
  it("takes canonical decimal gids of at most 64 bits, nothing else", () => {
    expect(gidKey("1204567890123456")).toBe(1204567890123456n);
    expect(gidKey("0")).toBe(0n);
    expect(gidKey("18446744073709551615")).toBe(18446744073709551615n);
    for (const bad of ["", "012", "18446744073709551616", "12a", "-1", " 1", "1.0"]) expect(gidKey(bad), bad).toBeUndefined();
  });
});

/** A random 64-bit value, often near the edges the two 32-bit words meet at. */
function randomValue(rand: () => number): bigint {
  const edges = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 2n, 2n ** 64n - 1n];
  if (rand() < 0.2) return edges[Math.floor(rand() * edges.length)] ?? 0n;
  const high = BigInt(Math.floor(rand() * 2 ** 32));
  return (high << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
}

describe("KeyListBuilder", () => {
  it("sorts and dedupes keys across chunks as BigInt sorting does, edges of the 64-bit range included", () => {
    const rand = prng(21);
    for (const n of [0, 1, 2, 17, 1000, 150_000]) {
      const b = new KeyListBuilder();
      const want = new Map<string, [bigint, bigint, ParentType]>();
      // Few distinct parents and children: many equal keys and equal parents, as in real streams.
      const parents = Array.from({ length: 1 + Math.floor(n / 8) }, () => randomValue(rand));
      const children = Array.from({ length: 1 + Math.floor(n / 3) }, () => randomValue(rand));
      for (let i = 0; i < n; i++) {
        const p = parents[Math.floor(rand() * parents.length)] ?? 0n;
        const c = children[Math.floor(rand() * children.length)] ?? 0n;
        // A parent's type is the parent's own (one gid is one object).
        const t: ParentType = p % 2n === 0n ? "task" : "message";
        expect(b.add(String(p), String(c), t)).toBe(true);
        if (!want.has(`${p}/${c}`)) want.set(`${p}/${c}`, [p, c, t]);
      }
      const list = b.build();
      const expected = [...want.values()].sort(([pa, ca], [pb, cb]) => (pa !== pb ? (pa < pb ? -1 : 1) : ca < cb ? -1 : ca > cb ? 1 : 0));
      expect(list.length, `n = ${n}`).toBe(expected.length);
      for (let i = 0; i < list.length; i++) {
        const [p, c, t] = expected[i] ?? [0n, 0n, "task"];
        if (list.parent(i) !== p || list.child(i) !== c || list.parentType(i) !== t) expect([list.parent(i), list.child(i), list.parentType(i)], `n = ${n}, key ${i}`).toEqual([p, c, t]);
      }
      expect(b.length).toBe(0);
    }
  });

  it("lists the distinct parents of each type in order (a resource stream's fed parents)", () => {
    const rand = prng(8);
    const keys = new Set<Key>();
    for (let i = 0; i < 3000; i++) {
      const p = randomValue(rand);
      for (let c = 0; c < 1 + Math.floor(rand() * 3); c++) keys.add(keyOf(p, randomValue(rand), p % 3n === 0n ? "message" : "task"));
    }
    const list = listOf(keys);
    for (const type of ["task", "message"] as const) {
      const want = [...new Set([...keys].filter((k) => k.endsWith(`/${type}`)).map((k) => BigInt(k.split("/")[0] ?? "0")))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect([...list.parentsOf(type).gids], type).toEqual(want);
    }
  });

  it("refuses a gid that is no canonical decimal of at most 64 bits and keeps nothing of its key", () => {
    const b = new KeyListBuilder();
    for (const bad of ["", "012", "18446744073709551616", "99999999999999999999", "12a", "-1", " 1", "1.0"]) {
      expect(b.add(bad, "5", "task"), bad).toBe(false);
      expect(b.add("5", bad, "task"), bad).toBe(false);
    }
    expect(b.length).toBe(0);
    expect(b.add("18446744073709551615", "0", "message")).toBe(true);
    const list = b.build();
    expect([list.length, list.parent(0), list.child(0), list.parentType(0)]).toEqual([1, 2n ** 64n - 1n, 0n, "message"]);
  });

  it("sorts by heapsort alone as by quicksort (the fallback past the depth limit)", () => {
    const rand = prng(5);
    const n = 5000;
    const words = new Uint32Array(n * 4);
    const types = new Uint8Array(n);
    for (let i = 0; i < words.length; i++) words[i] = rand() < 0.5 ? Math.floor(rand() * 4) : Math.floor(rand() * 2 ** 32);
    for (let i = 0; i < n; i++) types[i] = i % 2;
    const key = (w: Uint32Array, t: Uint8Array, i: number): string => `${[...w.subarray(i * 4, i * 4 + 4)].map((x) => x.toString(16).padStart(8, "0")).join("")}:${t[i]}`;
    const before = Array.from({ length: n }, (_, i) => key(words, types, i));
    const heap = [words.slice(), types.slice()] as const;
    sortKeys(heap[0], heap[1], n, 0);
    sortKeys(words, types, n);
    const order = (w: Uint32Array, t: Uint8Array) => Array.from({ length: n }, (_, i) => key(w, t, i).split(":")[0]);
    const want = before.map((k) => k.split(":")[0]).sort();
    expect(order(heap[0], heap[1])).toEqual(want);
    expect(order(words, types)).toEqual(want);
    // Each key keeps its type (the pairs move together).
    expect(Array.from({ length: n }, (_, i) => key(heap[0], heap[1], i)).sort()).toEqual([...before].sort());
  });
});

describe("KeyList codec", () => {
  it("round-trips random keys, sorted and without repeats", () => {
    const rand = prng(3);
    for (let round = 0; round < 30; round++) {
      const keys = new Set<Key>();
      const n = Math.floor(rand() * 400);
      for (let i = 0; i < n; i++) {
        const parent = BigInt(Math.floor(rand() * 1e6)) * 1_000_000_000n + 1204000000000000n;
        const child = rand() < 0.3 ? parent : BigInt(Math.floor(rand() * 2 ** 53)) * BigInt(1 + Math.floor(rand() * 2000));
        keys.add(keyOf(parent, child, rand() < 0.5 ? "task" : "message"));
      }
      const built = listOf([...keys, ...keys]); // repeats are dropped
      expect(keysOf(built)).toEqual(sorted(keys).sort((a, b) => cmp(a, b)));
      const blob = built.encode();
      expect(blob.count).toBe(keys.size);
      expect(keysOf(KeyList.decode(blob, "test"))).toEqual(keysOf(built));
    }
  });

  it("refuses a damaged blob with an error naming the state and the fix", () => {
    const blob = listOf([keyOf(5n, 5n, "task"), keyOf(7n, 9n, "message")]).encode();
    expect(() => KeyList.decode({ ...blob, count: 3 }, "The state of stream 'tasks'")).toThrow(/The state of stream 'tasks': its 'given' keys are unreadable \(it says 3 keys and holds 2\).*remove the stream's state/);
    expect(() => KeyList.decode({ ...blob, data: "AAAA" }, "here")).toThrow(/unreadable/);
    expect(() => KeyList.decode({ ...blob, data: blob.data.slice(0, 4) }, "here")).toThrow(/unreadable/);
  });

  it("keeps 100,000 dense task gids in well under a byte each", () => {
    const b = new KeyListBuilder();
    for (let i = 0; i < 100_000; i++) b.add(String(1204000000000000 + i), String(1204000000000000 + i), "task");
    const blob = b.build().encode();
    expect(Buffer.from(blob.data, "base64").length).toBeLessThan(100_000);
  });
});

function cmp(a: Key, b: Key): number {
  const [pa, ca] = a.split("/").map((x, i) => (i < 2 ? BigInt(x) : 0n));
  const [pb, cb] = b.split("/").map((x, i) => (i < 2 ? BigInt(x) : 0n));
  if (pa !== pb) return (pa ?? 0n) < (pb ?? 0n) ? -1 : 1;
  return ca === cb ? 0 : (ca ?? 0n) < (cb ?? 0n) ? -1 : 1;
}

describe("reconcile", () => {
  it("agrees with a set oracle: re-exported parents' rows replaced, rows of parents not live deleted", () => {
    const rand = prng(9);
    for (let round = 0; round < 200; round++) {
      const parents = Array.from({ length: 1 + Math.floor(rand() * 30) }, (_, i) => BigInt(100 + i * 3));
      const typeOf = (p: bigint): ParentType => (p % 2n === 0n ? "task" : "message");
      const randomKeys = (): Set<Key> => {
        const keys = new Set<Key>();
        for (const p of parents) if (rand() < 0.6) for (let c = 0; c < 3; c++) if (rand() < 0.5) keys.add(keyOf(p, BigInt(1000 + Math.floor(rand() * 8)), typeOf(p)));
        return keys;
      };
      const given = randomKeys();
      const fedParents = parents.filter(() => rand() < 0.4);
      // What the export gave: rows of the fed parents only.
      const emitted = new Set([...randomKeys()].filter((k) => fedParents.some((p) => k.startsWith(`${p}/`))));
      const liveKnown = { task: rand() < 0.7, message: rand() < 0.7 };
      const live = new Set(parents.filter((p) => fedParents.includes(p) || rand() < 0.7));
      const collect = (gids: Iterable<bigint>) => {
        const c = new GidCollector();
        for (const g of gids) c.add(g);
        return c.sorted();
      };
      const fed = { task: collect(fedParents.filter((p) => typeOf(p) === "task")), message: collect(fedParents.filter((p) => typeOf(p) === "message")) };
      const liveSets = {
        ...(liveKnown.task ? { task: collect([...live].filter((p) => typeOf(p) === "task")) } : {}),
        ...(liveKnown.message ? { message: collect([...live].filter((p) => typeOf(p) === "message")) } : {}),
      };
      const result = reconcile(listOf(given), fed, listOf(emitted), liveSets);
      // The oracle, with sets.
      const parentOf = (k: Key): bigint => BigInt(k.split("/")[0] ?? "0");
      const typeOfKey = (k: Key): ParentType => k.split("/")[2] as ParentType;
      const gone = (k: Key): boolean => {
        const p = parentOf(k);
        if (fedParents.includes(p)) return !emitted.has(k);
        return liveKnown[typeOfKey(k)] && !live.has(p);
      };
      const wantDeleted = [...given].filter(gone);
      const wantNext = new Set([...[...given].filter((k) => !gone(k)), ...emitted]);
      expect(sorted(keysOf(result.deleted)), `round ${round}`).toEqual(sorted(wantDeleted));
      expect(sorted(keysOf(result.next)), `round ${round}`).toEqual(sorted(wantNext));
    }
  });
});
