// The scanned (not parsed) decode path: what a line offers without a parse, and the switch to
// parsing for consumers that read every object.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { ExportRecord } from "../../src/core/record.js";
import { decodeExport, type DecodeOptions } from "../../src/export-file/decode.js";

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
    const stories = first?.elementBytes("stories")?.map((b) => Buffer.from(b).toString("utf8"));
    expect(stories).toEqual(['{"gid":"s1","text":"a, [b] {c}"}', '{"gid":"s2"}']);
    expect(first?.elementBytes("tags")).toEqual([]);
    expect(second?.elementBytes("stories")).toBeUndefined();
    expect(first?.elementBytes("name")).toBeUndefined();
  });

  it("re-assembles a line without some of its fields, from its bytes, when members are kept", async () => {
    const [first] = await decodeAll(text, { fields, members: true });
    const trimmed = first?.withoutFields(new Set(["stories", "none"]));
    expect(trimmed?.raw).toBe('{"gid":"1","resource_type":"task","modified_at":"2024-01-01T00:00:00Z","tags":[],"name":"x\\u00e9","n":3}');
    expect(trimmed?.object).toEqual({ gid: "1", resource_type: "task", modified_at: "2024-01-01T00:00:00Z", tags: [], name: "xé", n: 3 });
    expect(trimmed?.gid).toBe("1");
    const [plain] = await decodeAll(text, { fields });
    expect(plain?.withoutFields(new Set(["stories"]))).toBeUndefined();
  });

  it("answers from the object once the line is parsed (a consumer read every object)", async () => {
    const many = Array.from({ length: 400 }, (_, i) => `{"gid":"${i}","resource_type":"task","stories":[{"gid":"s${i}"}]}`).join("\n");
    const lines = await decodeAll(many, { fields: ["stories"] }, (line) => void line.object);
    const last = lines.at(-1);
    // Parsed at decode time: no spans, so the derived streams read the parsed value.
    expect(last?.elementBytes("stories")).toBeUndefined();
    expect(last?.field("stories")).toEqual([{ gid: "s399" }]);
    expect(last?.has("stories")).toBe(true);
  });
});
