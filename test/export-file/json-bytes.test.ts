// The byte-level JSON readers that let derived streams read a line without parsing it all: value and
// member spans of the scan, array elements, and compact references anywhere, each checked against
// JSON.parse on random texts.
import { describe, expect, it } from "vitest";
import { ReferenceFinder, arrayElements } from "../../src/export-file/json-bytes.js";
import { ABSENT, JsonObjectScanner, STRING, STRING_ESCAPED } from "../../src/export-file/json-scan.js";
import { prng, randomText, randomValue } from "../helpers/random-json.js";

const KEYS = ["gid", "resource_type", "modified_at", "name", "notes", "a", "é"];

describe("JsonObjectScanner spans", () => {
  it("delimits every captured value and every top-level member, as JSON.parse reads them", () => {
    const rand = prng(7);
    const scanner = new JsonObjectScanner(KEYS, true);
    for (let n = 0; n < 3000; n++) {
      const text = randomText(rand);
      const bytes = Buffer.from(text, "utf8");
      expect(scanner.scan(bytes, 0, bytes.length), text).toBe(true);
      const object = JSON.parse(text) as Record<string, unknown>;
      KEYS.forEach((key, k) => {
        const kind = scanner.kinds[k] ?? ABSENT;
        if (!(key in object)) return expect(kind, `${key} in ${text}`).toBe(ABSENT);
        const slice = bytes.toString("utf8", scanner.starts[k], scanner.ends[k]);
        // Strings are delimited inside their quotes; everything else is the whole value.
        const value: unknown = kind === STRING ? slice : kind === STRING_ESCAPED ? JSON.parse(`"${slice}"`) : JSON.parse(slice);
        expect(value, `${key} in ${text}`).toEqual(object[key]);
      });
      const members: string[] = [];
      for (let m = 0; m < scanner.memberCount; m++) members.push(bytes.toString("utf8", scanner.memberStarts[m], scanner.memberEnds[m]));
      expect(JSON.parse(`{${members.join(",")}}`), text).toEqual(object);
    }
  });
});

describe("arrayElements", () => {
  it("finds each element of an array, whatever it holds", () => {
    const rand = prng(11);
    for (let n = 0; n < 3000; n++) {
      const list = Array.from({ length: Math.floor(rand() * 5) }, () => randomValue(rand, 1));
      const text = JSON.stringify(list, null, rand() < 0.5 ? 2 : undefined);
      const bytes = Buffer.from(`xx${text}yy`, "utf8");
      const offsets = arrayElements(bytes, 2, 2 + Buffer.byteLength(text));
      const elements: unknown[] = [];
      for (let i = 0; i < offsets.length; i += 2) elements.push(JSON.parse(bytes.toString("utf8", offsets[i], offsets[i + 1])));
      expect(elements, text).toEqual(list);
    }
  });
});

/** Every object nested in a value whose resource_type is one of the types and whose gid is a string. */
function referencesOf(value: unknown, types: readonly string[], out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) referencesOf(item, types, out);
  else if (typeof value === "object" && value !== null) {
    const object = value as Record<string, unknown>;
    for (const child of Object.values(object)) referencesOf(child, types, out);
    if (typeof object.gid === "string" && types.includes(object.resource_type as string)) out.push(`${String(object.resource_type)}:${object.gid}`);
  }
  return out;
}

describe("ReferenceFinder", () => {
  const TYPES = ["user", "tag"];
  const finder = new ReferenceFinder(TYPES);

  /** A random value with compact references (and near misses) planted in it. */
  function planted(rand: () => number, depth = 0): unknown {
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
      ];
      return rand() < 0.5 ? refs[Math.floor(rand() * refs.length)] : randomValue(rand, 3);
    }
    if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => planted(rand, depth + 1));
    const object: Record<string, unknown> = {};
    for (const key of ["gid", "resource_type", "assignee", "followers", "stories", "x"]) if (rand() < 0.5) object[key] = planted(rand, depth + 1);
    return object;
  }

  it("finds exactly the objects of the wanted types with a string gid, at any depth", () => {
    const rand = prng(13);
    for (let n = 0; n < 3000; n++) {
      const value = planted(rand);
      const text = JSON.stringify(value, null, rand() < 0.3 ? 1 : undefined);
      const bytes = Buffer.from(text, "utf8");
      const found = finder.find(bytes, 0, bytes.length).map((f) => {
        const gid = f.gidEscaped ? (JSON.parse(`"${bytes.toString("utf8", f.gidStart, f.gidEnd)}"`) as string) : bytes.toString("utf8", f.gidStart, f.gidEnd);
        // The object found is a whole JSON object of that type and gid.
        const object = JSON.parse(bytes.toString("utf8", f.start, f.end)) as Record<string, unknown>;
        expect(object.gid).toBe(gid);
        expect(object.resource_type).toBe(TYPES[f.type]);
        return `${TYPES[f.type] ?? ""}:${gid}`;
      });
      expect(found.sort(), text).toEqual(referencesOf(value, TYPES).sort());
    }
  });
});
