// The byte-level JSON readers that let derived streams read a line without parsing it all: value,
// member and element spans of the scan, array elements, and compact references anywhere, each
// checked against JSON.parse on random texts.
import { describe, expect, it } from "vitest";
import { decodeLines } from "../../src/export-file/decode.js";
import { arrayElements } from "../../src/export-file/json-bytes.js";
import {
  ABSENT,
  JsonObjectScanner,
  REFERENCE_INTS,
  REF_END,
  REF_GID_END,
  REF_GID_ESCAPED,
  REF_GID_START,
  REF_START,
  REF_TYPE,
  STRING,
  STRING_ESCAPED,
} from "../../src/export-file/json-scan.js";
import { prng, randomText, randomValue, randomWithReferences } from "../helpers/random-json.js";

const KEYS = ["gid", "resource_type", "modified_at", "name", "notes", "a", "é"];

const ENGINES = [
  ["in JavaScript", Infinity],
  ["in the WebAssembly kernel", 0],
] as const;

describe.each(ENGINES)("JsonObjectScanner spans %s", (_engine, kernelMinBytes) => {
  it("delimits every captured value, its member and its elements, as JSON.parse reads them", () => {
    const rand = prng(7);
    const scanner = new JsonObjectScanner(KEYS, [], kernelMinBytes);
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
        // The member, from its key's quote to the end of its value.
        const memberEnd = (scanner.ends[k] ?? 0) + (kind === STRING || kind === STRING_ESCAPED ? 1 : 0);
        expect(JSON.parse(`{${bytes.toString("utf8", scanner.keyStarts[k], memberEnd)}}`), `${key} in ${text}`).toEqual({ [key]: object[key] });
        if (!Array.isArray(object[key])) return;
        const elements: unknown[] = [];
        for (let e = scanner.elementFrom[k] ?? 0; e < (scanner.elementTo[k] ?? 0); e++) {
          elements.push(JSON.parse(bytes.toString("utf8", scanner.elements[e * 2], scanner.elements[e * 2 + 1])));
        }
        expect(elements, `${key} in ${text}`).toEqual(object[key]);
      });
      expect(scanner.repeated).toBe(false);
    }
  });

  it("tells a repeated key, whose last value counts (as for JSON.parse)", () => {
    const scanner = new JsonObjectScanner(["a", "b"], [], kernelMinBytes);
    const bytes = Buffer.from('{"a":[1,2],"b":1,"a":[3]}');
    expect(scanner.scan(bytes, 0, bytes.length)).toBe(true);
    expect(scanner.repeated).toBe(true);
    expect(bytes.toString("utf8", scanner.starts[0], scanner.ends[0])).toBe("[3]");
    expect((scanner.elementTo[0] ?? 0) - (scanner.elementFrom[0] ?? 0)).toBe(1);
    expect(bytes.toString("utf8", scanner.elements[(scanner.elementFrom[0] ?? 0) * 2], scanner.elements[(scanner.elementFrom[0] ?? 0) * 2 + 1])).toBe("3");
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

/** The references in `found` (offsets into `bytes`), each checked to be a whole object of its type and gid, as `type:gid`. */
function readReferences(bytes: Buffer, found: Int32Array, types: readonly string[]): string[] {
  const out: string[] = [];
  for (let r = 0; r < found.length; r += REFERENCE_INTS) {
    const inQuotes = bytes.toString("utf8", found[r + REF_GID_START], found[r + REF_GID_END]);
    const gid = found[r + REF_GID_ESCAPED] === 1 ? (JSON.parse(`"${inQuotes}"`) as string) : inQuotes;
    const object = JSON.parse(bytes.toString("utf8", found[r + REF_START], found[r + REF_END])) as Record<string, unknown>;
    const type = types[found[r + REF_TYPE] ?? -1];
    expect(object.gid).toBe(gid);
    expect(object.resource_type).toBe(type);
    out.push(`${type ?? ""}:${gid}`);
  }
  return out;
}

describe.each(ENGINES)("JsonObjectScanner references %s", (_engine, kernelMinBytes) => {
  const TYPES = ["user", "tag"];
  const scanner = new JsonObjectScanner(["gid"], TYPES, kernelMinBytes);

  it("finds exactly the objects of the wanted types with a string gid, at any depth (the line itself too)", () => {
    const rand = prng(13);
    for (let n = 0; n < 3000; n++) {
      const value = rand() < 0.2 ? { gid: "self", resource_type: "user", v: randomWithReferences(rand) } : { v: randomWithReferences(rand) };
      const text = JSON.stringify(value, null, rand() < 0.3 ? 1 : undefined);
      const bytes = Buffer.from(text, "utf8");
      expect(scanner.scan(bytes, 0, bytes.length), text).toBe(true);
      const found = readReferences(bytes, scanner.references.slice(0, scanner.referenceCount * REFERENCE_INTS), TYPES);
      expect(found.sort(), text).toEqual(referencesOf(value, TYPES).sort());
    }
  });

  it("are handed out by the decode per line, as offsets into each line's own bytes", async () => {
    const rand = prng(17);
    const values = Array.from({ length: 200 }, () => ({ gid: String(Math.floor(rand() * 1e6) + 1), resource_type: "task", v: randomWithReferences(rand) }));
    const text = `\ufeff${values.map((v) => JSON.stringify(v)).join("\n")}\n`;
    async function* chunks(): AsyncGenerator<Buffer> {
      yield Buffer.from(text, "utf8");
    }
    const seen: string[][] = [];
    for await (const batch of decodeLines(chunks(), { referenceTypes: TYPES })) {
      for (const line of batch) {
        const found = line.references();
        expect(found).toBeDefined();
        seen.push(readReferences(Buffer.from(line.rawBytes), found ?? new Int32Array(0), TYPES).sort());
      }
    }
    expect(seen).toEqual(values.map((v) => referencesOf(v, TYPES).sort()));
  });

  it("are not looked for unless asked", async () => {
    async function* chunks(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"gid":"1","resource_type":"task","assignee":{"gid":"2","resource_type":"user"}}\n', "utf8");
    }
    for await (const batch of decodeLines(chunks(), {})) for (const line of batch) expect(line.references()).toBeUndefined();
  });
});
