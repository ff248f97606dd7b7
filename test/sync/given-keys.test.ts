// The deletion memory: keys collected in compact sorted runs come back sorted and without repeats;
// the state's codec round-trips, reads what the previous implementation wrote and refuses damage;
// reconcile agrees with a set-based oracle on random histories; the encoded size stays small.
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { StoredKeys, encodeKeys, reconcile } from "../../src/sync/given-keys.js";
import { KeyEncoder, valueOf, type KeyCursor } from "../../src/sync/key-codec.js";
import { KeyRuns, PARENT_TYPES, gidWords, type ParentType } from "../../src/sync/key-runs.js";
import { sortKeys } from "../../src/sync/key-sort.js";
import { prng } from "../helpers/random-json.js";

type Key = `${string}/${string}/${ParentType}`;
const keyOf = (p: bigint, c: bigint, t: ParentType): Key => `${p}/${c}/${t}`;

function runsOf(keys: Iterable<Key>): KeyRuns {
  const runs = new KeyRuns();
  for (const k of keys) {
    const [p, c, t] = k.split("/") as [string, string, ParentType];
    expect(runs.add(p, c, t)).toBe(true);
  }
  return runs;
}

const cursorOf = (keys: Iterable<Key>): KeyCursor => runsOf(keys).cursor();

/** The keys of a cursor as [parent, child, type], in the order it gives them. */
function tuplesOf(cursor: KeyCursor): [bigint, bigint, ParentType][] {
  const out: [bigint, bigint, ParentType][] = [];
  while (cursor.next()) out.push([valueOf(cursor.key, 0), valueOf(cursor.key, 2), PARENT_TYPES[cursor.type] ?? "task"]);
  return out;
}

const keysOf = (cursor: KeyCursor): Key[] => tuplesOf(cursor).map(([p, c, t]) => keyOf(p, c, t));

function blobOf(cursor: KeyCursor) {
  const out = new KeyEncoder();
  while (cursor.next()) out.write(cursor.key, 0, cursor.type);
  return encodeKeys(out);
}

const sorted = (keys: Iterable<Key>): Key[] => [...keys].sort();

describe("gidWords", () => {
  const gidOf = (gid: string): bigint | undefined => {
    const words = new Uint32Array(2);
    return gidWords(gid, words, 0) ? valueOf(words, 0) : undefined;
  };
  it("takes canonical decimal gids of at most 64 bits, nothing else", () => {
    expect(gidOf("1204567890123456")).toBe(1204567890123456n);
    expect(gidOf("0")).toBe(0n);
    expect(gidOf("18446744073709551615")).toBe(18446744073709551615n);
    for (const bad of ["", "012", "18446744073709551616", "12a", "-1", " 1", "1.0"]) expect(gidOf(bad), bad).toBeUndefined();
  });
});

/** A random 64-bit value, often near the edges the two 32-bit words meet at. */
function randomValue(rand: () => number): bigint {
  const edges = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 2n, 2n ** 64n - 1n];
  if (rand() < 0.2) return edges[Math.floor(rand() * edges.length)] ?? 0n;
  const high = BigInt(Math.floor(rand() * 2 ** 32));
  return (high << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
}

describe("KeyRuns", () => {
  it("gives keys back sorted and without repeats across runs as BigInt sorting does, edges of the 64-bit range included", () => {
    const rand = prng(21);
    for (const n of [0, 1, 2, 17, 1000, 150_000]) {
      const b = new KeyRuns();
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
      const expected = [...want.values()].sort(([pa, ca], [pb, cb]) => (pa !== pb ? (pa < pb ? -1 : 1) : ca < cb ? -1 : ca > cb ? 1 : 0));
      // The small ones twice: the runs are kept, so the keys can be walked by several streams.
      for (const walk of n <= 1000 ? [1, 2] : [1]) {
        const got = tuplesOf(b.cursor());
        expect(got.length, `n = ${n}, walk ${walk}`).toBe(expected.length);
        for (let i = 0; i < got.length; i++) if (String(got[i]) !== String(expected[i])) expect(got[i], `n = ${n}, key ${i}`).toEqual(expected[i]);
      }
    }
  });

  it("keeps a run in a few bytes a key, and takes keys after it was walked", () => {
    const rand = prng(4);
    const b = new KeyRuns();
    const gids = new Set<string>();
    // Task gids as Asana writes them: 16 digits, spread over a range of 10^13.
    for (let i = 0; i < 131_072; i++) {
      const gid = String(1_200_000_000_000_000 + Math.floor(rand() * 1e13));
      gids.add(gid);
      b.addGid(gid, "task");
    }
    expect(b.runBytes / 131_072).toBeLessThan(6);
    expect(tuplesOf(b.cursor()).length).toBe(gids.size);
    b.addGid("1", "message");
    const all = tuplesOf(b.cursor());
    expect(all.length).toBe(gids.size + 1);
    expect(all[0]).toEqual([1n, 1n, "message"]);
  });

  it("refuses a gid that is no canonical decimal of at most 64 bits and keeps nothing of its key", () => {
    const b = new KeyRuns();
    for (const bad of ["", "012", "18446744073709551616", "99999999999999999999", "12a", "-1", " 1", "1.0"]) {
      expect(b.add(bad, "5", "task"), bad).toBe(false);
      expect(b.add("5", bad, "task"), bad).toBe(false);
      expect(b.addGid(bad, "task"), bad).toBe(false);
    }
    expect(b.add("18446744073709551615", "0", "message")).toBe(true);
    expect(tuplesOf(b.cursor())).toEqual([[2n ** 64n - 1n, 0n, "message"]]);
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

describe("the state's key codec", () => {
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
      const built = runsOf([...keys, ...keys]); // repeats are dropped
      expect(keysOf(built.cursor())).toEqual(sorted(keys).sort((a, b) => cmp(a, b)));
      const blob = blobOf(built.cursor());
      expect(blob.count).toBe(keys.size);
      expect(keysOf(StoredKeys.decode(blob, "test").cursor())).toEqual(keysOf(built.cursor()));
    }
  });

  it("reads the keys the previous implementation (BigInt arithmetic) wrote, and writes the same bytes", () => {
    // Written by the BigInt encoder this codec replaced: deltas past 2^52 and 2^63, negative child deltas, both types.
    const old = {
      codec: "keys-delta-deflate-v1" as const,
      count: 13,
      data: "42VgYmD49x8KmBmZQWx+hr////+/DxFhOrD1dOfWjxOZmBgY9n2eNvnVo8UsjAyLP02b3PV4McuBU1u+7ep7x8s4mZGB8RvcHCj9vp7hJ7rY/3pGRgZmAA==",
    };
    const want: [bigint, bigint, ParentType][] = [
      [0n, 0n, "task"], [0n, 18446744073709551615n, "task"], [1n, 1n, "message"], [4294967295n, 4294967296n, "task"],
      [4294967296n, 4294967296n, "task"], [1204567890123456n, 1204567890123456n, "task"], [1204567890123456n, 1204567890123999n, "task"],
      [1204567890123457n, 77n, "task"], [9007199254740993n, 3n, "message"], [9007199254740993n, 18446744073709551614n, "message"],
      [9223372036854775808n, 1n, "task"], [18446744073709551615n, 0n, "message"], [18446744073709551615n, 18446744073709551615n, "message"],
    ];
    expect(tuplesOf(StoredKeys.decode(old, "test").cursor())).toEqual(want);
    expect(blobOf(cursorOf(want.map(([p, c, t]) => keyOf(p, c, t))))).toEqual(old);
  });

  it("refuses a damaged blob with an error naming the state and the fix", () => {
    const blob = blobOf(cursorOf([keyOf(5n, 5n, "task"), keyOf(7n, 9n, "message")]));
    expect(() => StoredKeys.decode({ ...blob, count: 3 }, "The state of stream 'tasks'")).toThrow(/The state of stream 'tasks': its 'given' keys are unreadable \(it says 3 keys and holds 2\).*remove the stream's state/);
    expect(() => StoredKeys.decode({ ...blob, data: "AAAA" }, "here")).toThrow(/unreadable/);
    expect(() => StoredKeys.decode({ ...blob, data: blob.data.slice(0, 4) }, "here")).toThrow(/unreadable/);
    // Keys out of order (a hand-made blob): (7, 2, message), then deltas of 0 giving the same key again.
    const swapped = { codec: blob.codec, count: 2, data: deflateRawSync(Uint8Array.from([2, 7, 1, 4, 0, 0, 0])).toString("base64") };
    expect(() => StoredKeys.decode(swapped, "here")).toThrow(/unreadable \(keys out of order at 1\)/);
  });

  it("keeps 100,000 dense task gids in well under a byte each", () => {
    const b = new KeyRuns();
    for (let i = 0; i < 100_000; i++) b.add(String(1204000000000000 + i), String(1204000000000000 + i), "task");
    const blob = blobOf(b.cursor());
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
        const c = new KeyRuns();
        for (const g of gids) c.addGid(String(g), typeOf(g));
        return c.cursor();
      };
      const fed = { task: collect(fedParents.filter((p) => typeOf(p) === "task")), message: collect(fedParents.filter((p) => typeOf(p) === "message")) };
      const liveSets = {
        ...(liveKnown.task ? { task: collect([...live].filter((p) => typeOf(p) === "task")) } : {}),
        ...(liveKnown.message ? { message: collect([...live].filter((p) => typeOf(p) === "message")) } : {}),
      };
      const next = new KeyEncoder();
      const deleted: Key[] = [];
      reconcile(cursorOf(given), fed, cursorOf(emitted), liveSets, next, (key, type) => deleted.push(keyOf(valueOf(key, 0), valueOf(key, 2), PARENT_TYPES[type] ?? "task")));
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
      expect(sorted(deleted), `round ${round}`).toEqual(sorted(wantDeleted));
      expect(sorted(keysOf(StoredKeys.decode(encodeKeys(next), "test").cursor())), `round ${round}`).toEqual(sorted(wantNext));
    }
  });
});
