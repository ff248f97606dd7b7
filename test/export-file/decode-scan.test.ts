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
