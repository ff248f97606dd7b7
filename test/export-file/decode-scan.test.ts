// The scanned (not parsed) decode path: what a line offers without a parse, and the switch to
// parsing for consumers that read every object.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { ExportRecord } from "../../src/core/record.js";
import { decodeExport, type DecodeOptions } from "../../src/export-file/decode.js";
import { prng, randomText } from "../helpers/random-json.js";

async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function decodeAll(text: string, options: DecodeOptions = {}, read?: (line: ExportRecord) => void): Promise<ExportRecord[]> {
  const lines: ExportRecord[] = [];
  for await (const batch of decodeExport(chunked(gzipSync(Buffer.from(text)), 512), options)) {
    for (const line of batch) read?.(line);
    lines.push(...batch);
  }
  return lines;
}

/** The text of each element of an array field, from the line's bytes; undefined when it cannot give them. */
function elementTexts(line: ExportRecord | undefined, field: string): string[] | undefined {
  const out: string[] = [];
  return line?.eachElement(field, (bytes, start, end) => out.push(bytes.toString("utf8", start, end))) === true ? out : undefined;
}

async function decodeFailure(text: string, read?: (line: ExportRecord) => void): Promise<unknown> {
  try {
    await decodeAll(text, {}, read);
  } catch (error) {
    return error;
  }
  throw new Error("decoding did not fail");
}

describe("decodeExport without parsing", () => {
  it("reads gid and resource_type as JSON.parse would: escapes decoded, the last duplicate key wins", async () => {
    const text = [
      '{"g\\u0069d":"1\\u0032","resource_type":"t\\u0061sk"}',
      '{"gid":"1","resource_type":"task","gid":"3"}',
      '{"gid":"4","resource_type":"message","nested":{"gid":"x","resource_type":"team"}}',
    ].join("\n");
    const lines = await decodeAll(text);
    expect(lines.map((l) => `${l.resourceType}:${l.gid}`)).toEqual(["task:12", "task:3", "message:4"]);
    expect(lines.map((l) => l.object.gid)).toEqual(["12", "3", "4"]);
  });

  it("offers the line's bytes, and answers hasString for the scanned fields and any other", async () => {
    const text = [
      '{"gid":"1","resource_type":"task","modified_at":"2024-01-01T00:00:00Z","name":"café 😀"}',
      '{"gid":"2","resource_type":"task","modified_at":null,"name":7}',
      '{"gid":"3","resource_type":"task"}',
    ].join("\n");
    const lines = await decodeAll(text, { fields: ["modified_at"] });
    expect(lines.map((l) => Buffer.from(l.rawBytes).toString("utf8"))).toEqual(text.split("\n"));
    expect(lines.map((l) => l.hasString("modified_at"))).toEqual([true, false, false]);
    expect(lines.map((l) => l.hasString("name"))).toEqual([true, false, false]);
    const again = await decodeAll(text, { fields: ["gid", "modified_at", "gid"] });
    expect(again.map((l) => [l.hasString("gid"), l.hasString("modified_at")])).toEqual([
      [true, true],
      [true, false],
      [true, false],
    ]);
  });

  it("gives the same records and the same errors when the consumer reads every object (and decoding switches to parsing)", async () => {
    const good = Array.from({ length: 400 }, (_, i) => `{"gid":"${i + 1}","resource_type":"task","notes":"${"x".repeat(i % 50)}"}`);
    const text = good.join("\n");
    const lazily = await decodeAll(text);
    const eagerly = await decodeAll(text, {}, (line) => void line.object);
    expect(eagerly.map((l) => [l.gid, l.raw, l.line, l.offset])).toEqual(lazily.map((l) => [l.gid, l.raw, l.line, l.offset]));
    expect(eagerly.map((l) => l.object)).toEqual(lazily.map((l) => l.object));

    const damaged = `${text}\n{"gid":"x","resource_type":"task",}\n`;
    const lazyError = await decodeFailure(damaged);
    const eagerError = await decodeFailure(damaged, (line) => void line.object);
    expect(eagerError).toMatchObject({ code: "EXPORT_LINE_MALFORMED", line: 401 });
    expect((eagerError as Error).message).toBe((lazyError as Error).message);
  });
});

describe("a scanned line's top-level fields, without parsing it", () => {
  const text = [
    '{"gid":"1","resource_type":"task","modified_at":"2024-01-01T00:00:00Z","stories":[{"gid":"s1","text":"a, [b] {c}"},{"gid":"s2"}],"tags":[],"name":"x\\u00e9","n":3,"none":null}',
    '{"gid":"2","resource_type":"task","stories":"not a list","tags":[{"gid":"t1"}]}',
  ].join("\n");
  const fields = ["stories", "tags", "name", "n", "none", "modified_at"];

  it("answers has and field from the spans, parsing only the value asked for", async () => {
    const [first, second] = await decodeAll(text, { fields });
    expect(["stories", "tags", "name", "n", "none", "modified_at", "missing"].map((f) => first?.has(f))).toEqual([true, true, true, true, true, true, false]);
    expect(first?.field("name")).toBe("xé");
    expect(first?.field("n")).toBe(3);
    expect(first?.field("none")).toBeNull();
    expect(first?.field("stories")).toEqual([{ gid: "s1", text: "a, [b] {c}" }, { gid: "s2" }]);
    expect(first?.field("tags")).toEqual([]);
    expect(second?.field("stories")).toBe("not a list");
    expect(second?.has("modified_at")).toBe(false);
    expect(second?.field("modified_at")).toBeUndefined();
    // A field not among `fields` is answered from the object (parsed for it).
    expect(first?.field("resource_type")).toBe("task");
  });

  it("gives the bytes of each element of an array field, and nothing for a value that is not an array", async () => {
    const [first, second] = await decodeAll(text, { fields });
    expect(elementTexts(first, "stories")).toEqual(['{"gid":"s1","text":"a, [b] {c}"}', '{"gid":"s2"}']);
    expect(elementTexts(first, "tags")).toEqual([]);
    expect(elementTexts(second, "stories")).toBeUndefined();
    expect(elementTexts(first, "name")).toBeUndefined();
    expect(first?.fieldJson("name")).toBe('"x\\u00e9"');
    expect(first?.fieldJson("stories")).toBe('[{"gid":"s1","text":"a, [b] {c}"},{"gid":"s2"}]');
    expect(second?.fieldJson("modified_at")).toBe("null");
  });

  it("re-assembles a line without some of its fields, from its bytes, when they are among the fields it keeps", async () => {
    const [first] = await decodeAll(text, { fields });
    const trimmed = first?.withoutFields(new Set(["stories", "none"]));
    expect(trimmed?.raw).toBe('{"gid":"1","resource_type":"task","modified_at":"2024-01-01T00:00:00Z","tags":[],"name":"x\\u00e9","n":3}');
    expect(Buffer.from(trimmed?.rawBytes ?? []).toString("utf8")).toBe(trimmed?.raw);
    expect(trimmed?.object).toEqual({ gid: "1", resource_type: "task", modified_at: "2024-01-01T00:00:00Z", tags: [], name: "xé", n: 3 });
    expect(trimmed?.gid).toBe("1");
    // The first and the last member, and every member.
    expect(first?.withoutFields(new Set(["modified_at", "none", "stories", "tags", "name", "n"]))?.object).toEqual({ gid: "1", resource_type: "task" });
    const [spaced] = await decodeAll('{ "stories" : [1] , "gid":"9", "resource_type":"task" ,"n" :2 }', { fields });
    expect(spaced?.withoutFields(new Set(["stories", "n"]))?.object).toEqual({ gid: "9", resource_type: "task" });
    expect(spaced?.withoutFields(new Set(["stories", "n", "tags"]))?.raw).toBe('{  "gid":"9", "resource_type":"task"  }');
    // A field whose spans the line does not keep, or a key the line has twice: not from the bytes.
    expect(first?.withoutFields(new Set(["stories", "other"]))).toBeUndefined();
    const [twice] = await decodeAll('{"gid":"1","resource_type":"task","n":1,"n":2}', { fields });
    expect(twice?.withoutFields(new Set(["n"]))).toBeUndefined();
  });

  it("re-assembles random lines without random fields as JSON.parse would see them", async () => {
    const rand = prng(23);
    const keys = ["modified_at", "name", "notes", "a", "", "é"];
    // One line each: a raw line feed in JSON text can only be whitespace.
    const usable = (t: string): boolean => {
      const { gid, resource_type: type } = JSON.parse(t) as Record<string, unknown>;
      return typeof gid === "string" && gid !== "" && typeof type === "string" && type !== "";
    };
    const texts = Array.from({ length: 1500 }, () => randomText(rand).replaceAll("\n", " ")).filter(usable);
    const lines = await decodeAll(texts.join("\n"), { fields: keys });
    lines.forEach((line, n) => {
      const drop = new Set(keys.filter(() => rand() < 0.5));
      const expected = Object.fromEntries(Object.entries(JSON.parse(texts[n] ?? "") as Record<string, unknown>).filter(([k]) => !drop.has(k)));
      const trimmed = line.withoutFields(drop);
      expect(trimmed?.object, texts[n]).toEqual(expected);
      expect(Buffer.from(trimmed?.rawBytes ?? []).toString("utf8")).toBe(trimmed?.raw);
      expect(trimmed?.rawLengthBound()).toBe(trimmed?.rawBytes.length);
    });
  });

  it("answers from the object once the line is parsed (a consumer read every object)", async () => {
    const many = Array.from({ length: 400 }, (_, i) => `{"gid":"${i}","resource_type":"task","stories":[{"gid":"s${i}"}]}`).join("\n");
    const lines = await decodeAll(many, { fields: ["stories"] }, (line) => void line.object);
    const last = lines.at(-1);
    // Parsed at decode time: no spans, so the derived streams read the parsed value.
    expect(elementTexts(last, "stories")).toBeUndefined();
    expect(last?.field("stories")).toEqual([{ gid: "s399" }]);
    expect(last?.has("stories")).toBe(true);
  });
});
