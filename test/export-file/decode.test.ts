import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/core/errors.js";
import type { ExportRecord } from "../../src/core/record.js";
import { decodeExport, decodeLines, type DecodeOptions } from "../../src/export-file/decode.js";
import { ExportFileError, ExportLineError } from "../../src/export-file/errors.js";
import { eventually } from "../helpers/until.js";

/** Yield `data` in pieces of `size` bytes, as a download would. */
async function* chunked(data: Buffer, size = 7): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

const gz = (text: string | Buffer): Buffer => gzipSync(typeof text === "string" ? Buffer.from(text) : text);
const task = (gid: string, extra = ""): string => `{"gid":"${gid}","resource_type":"task"${extra}}`;

async function decodeAll(data: Buffer, options?: DecodeOptions, size?: number) {
  const decode = decodeExport(chunked(data, size), options);
  const lines: ExportRecord[] = [];
  for await (const batch of decode) lines.push(...batch);
  return { lines, stats: decode.stats };
}

async function drain(source: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const batch of decodeExport(source)) n += batch.length;
  return n;
}

async function decodeError(data: Buffer, options?: DecodeOptions): Promise<ConnectorError> {
  try {
    await decodeAll(data, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectorError);
    return err as ConnectorError;
  }
  throw new Error("decoding did not fail");
}

describe("decodeExport", () => {
  it("yields objects with their raw text, line number and byte offset", async () => {
    const text = `${task("1", ',"name":"café 😀"')}\r\n\n   \n{"gid":"2","resource_type":"team"}`;
    const { lines, stats } = await decodeAll(gz(text), {}, 3);
    expect(lines.map((l) => [l.resourceType, l.gid, l.line, l.offset])).toEqual([
      ["task", "1", 1, 0],
      ["team", "2", 4, Buffer.byteLength(task("1", ',"name":"café 😀"')) + 2 + 1 + 4],
    ]);
    expect(lines[0]?.raw).toBe(task("1", ',"name":"café 😀"'));
    expect(lines[0]?.object).toEqual({ gid: "1", resource_type: "task", name: "café 😀" });
    expect(stats).toMatchObject({ lines: 4, blankLines: 2, records: 2, uncompressedBytes: Buffer.byteLength(text) });
    expect(stats.compressedBytes).toBe(gz(text).length);
  });

  it("strips a byte-order mark opening the file", async () => {
    const { lines } = await decodeAll(gz(`\uFEFF${task("1")}\n`));
    expect(lines[0]?.raw).toBe(task("1"));
    expect(lines[0]?.offset).toBe(0);
  });

  it("reports a truncated gzip as EXPORT_FILE_TRUNCATED", async () => {
    const whole = gz(Array.from({ length: 200 }, (_, i) => task(String(i + 1))).join("\n"));
    const err = await decodeError(whole.subarray(0, whole.length - 20));
    expect(err).toBeInstanceOf(ExportFileError);
    expect(err.code).toBe("EXPORT_FILE_TRUNCATED");
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/ended early.*the next run starts a new export\.$/);
    // A lone first magic byte is a gzip stream cut short, not "not gzip".
    expect((await decodeError(Buffer.from([0x1f]))).code).toBe("EXPORT_FILE_TRUNCATED");
  });

  it("reads a 0-byte file as an empty export (what an export that matched nothing is)", async () => {
    const { lines, stats } = await decodeAll(Buffer.alloc(0));
    expect(lines).toEqual([]);
    expect(stats).toMatchObject({ lines: 0, records: 0, compressedBytes: 0 });
  });

  it("reports corrupt gzip as EXPORT_FILE_CORRUPT, and input that is not gzip at all as EXPORT_FILE_NOT_GZIP", async () => {
    const whole = gz(Array.from({ length: 200 }, (_, i) => task(String(i + 1))).join("\n"));
    const damaged = Buffer.from(whole);
    for (let i = 30; i < 60; i++) damaged[i] = 0xff - (damaged[i] ?? 0);
    expect((await decodeError(damaged)).code).toBe("EXPORT_FILE_CORRUPT");
    const plain = await decodeError(Buffer.from(`${task("1")}\n`));
    expect(plain.code).toBe("EXPORT_FILE_NOT_GZIP");
    expect(plain.message).toMatch(/^The export file is not gzip: it starts with the bytes 7b 22 67 69 \(it looks like uncompressed JSON\), where a gzip file starts with 1f 8b\./);
    expect((await decodeError(Buffer.from("<html>"))).message).toContain("(it looks like an HTML or XML page)");
  });

  it("names line and offset of malformed JSON without quoting the line", async () => {
    const first = `${task("1")}\n${task("2")}\n`;
    const err = await decodeError(gz(`${first}{"gid":"3","secret":"hunter2" oops}\n${task("4")}\n`));
    expect(err).toBeInstanceOf(ExportLineError);
    expect(err).toMatchObject({ code: "EXPORT_LINE_MALFORMED", line: 3, offset: first.length });
    expect(err.message).toContain(`line 3 (byte offset ${first.length} of the uncompressed file) is not valid JSON`);
    expect(err.message).toContain('on_invalid_record to "skip"');
    expect(err.message).not.toContain("hunter2");
  });

  it("names line and offset of bytes that are not UTF-8", async () => {
    const first = Buffer.from(`${task("1")}\n`);
    const bad = Buffer.concat([first, Buffer.from('{"gid":"2","resource_type":"task","n":"ab'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]);
    const err = await decodeError(gz(bad));
    expect(err).toMatchObject({ code: "EXPORT_LINE_NOT_UTF8", line: 2, offset: first.length });
    expect(err.message).toContain(`first bad byte is at offset ${first.length + 41}`);
  });

  it("validates UTF-8 the same way under any chunking of the decompressed bytes", async () => {
    const good = Buffer.from([task("1", ',"n":"😀é"'), task("2", ',"n":"中😀"'), task("3")].join("\n"));
    const badAt = good.indexOf("中");
    const bad = Buffer.from(good);
    bad[badAt + 1] = 0x41; // breaks the 3-byte character on line 2
    for (let size = 1; size <= good.length; size++) {
      const lines: ExportRecord[] = [];
      for await (const batch of decodeLines(chunked(good, size))) lines.push(...batch);
      expect(lines.map((l) => l.object.n ?? null)).toEqual(["😀é", "中😀", null]);
      await expect(
        (async () => {
          for await (const _ of decodeLines(chunked(bad, size))) void _;
        })(),
      ).rejects.toMatchObject({ code: "EXPORT_LINE_NOT_UTF8", line: 2, offset: Buffer.byteLength(task("1", ',"n":"😀é"')) + 1 });
    }
  });

  it.each([
    ['{"resource_type":"task"}', 'no "gid"'],
    ['{"gid":12,"resource_type":"task"}', '"gid" that is a number'],
    ['{"gid":"1"}', 'no "resource_type"'],
    ['{"gid":"1","resource_type":null}', '"resource_type" that is null'],
    ["[1,2]", "an array, not a JSON object"],
    ['"text"', "a string, not a JSON object"],
  ])("refuses %s with EXPORT_LINE_INVALID", async (line, what) => {
    const err = await decodeError(gz(`${task("9")}\n${line}\n`));
    expect(err).toMatchObject({ code: "EXPORT_LINE_INVALID", line: 2, offset: task("9").length + 1 });
    expect(err.message).toContain(what);
  });

  it("counts and skips unusable lines in skip mode", async () => {
    const text = [task("1"), "{oops", '{"gid":"2"}', "[]", task("3"), '{"resource_type":"task"}', "{also bad"].join("\n");
    const withBadUtf8 = Buffer.concat([Buffer.from(`${text}\n`), Buffer.from([0xc3, 0x28, 10])]);
    const { lines, stats } = await decodeAll(gz(withBadUtf8), { onInvalidLine: "skip" });
    expect(lines.map((l) => l.gid)).toEqual(["1", "3"]);
    expect(stats.invalid).toEqual({ not_utf8: 1, malformed_json: 2, not_object: 1, missing_gid: 1, missing_resource_type: 1 });
    expect(stats.firstInvalid).toEqual({ line: 2, offset: task("1").length + 1, reason: "malformed_json" });
    expect((await decodeAll(gz(text), { onInvalidLine: "skip" })).stats.records).toBe(2);
  });

  it("counts lines of unwanted resource types instead of yielding them", async () => {
    const text = [task("1"), '{"gid":"2","resource_type":"story"}', '{"gid":"3","resource_type":"team"}', '{"gid":"4","resource_type":"story"}'].join("\n");
    const { lines, stats } = await decodeAll(gz(text), { wantedTypes: new Set(["task", "team"]) });
    expect(lines.map((l) => l.gid)).toEqual(["1", "3"]);
    expect([...stats.unwantedTypes]).toEqual([["story", 2]]);
  });

  it("keeps repeated (resource_type, gid) pairs: the router decides which line serves which stream", async () => {
    const text = [task("1"), task("1", ',"v":2'), '{"gid":"1","resource_type":"team"}'].join("\n");
    const { lines } = await decodeAll(gz(text));
    expect(lines.map((l) => `${l.resourceType}:${l.gid}`)).toEqual(["task:1", "task:1", "team:1"]);
    expect(lines.map((l) => l.raw)).toEqual(text.split("\n"));
  });

  it("decodes a 10 MB line", async () => {
    const notes = "Asana 😀 ".repeat(1_000_000);
    const text = `${task("1")}\n${task("2", `,"notes":"${notes}"`)}\n${task("3")}`;
    const { lines } = await decodeAll(gz(text), {}, 64 * 1024);
    expect(Buffer.byteLength(text)).toBeGreaterThan(10_000_000);
    expect(lines.map((l) => l.gid)).toEqual(["1", "2", "3"]);
    expect(lines[1]?.object.notes === notes).toBe(true);
  });

  it("refuses a line over maxLineBytes even in skip mode", async () => {
    const err = await decodeError(gz(`${task("1")}\n${task("2", `,"n":"${"x".repeat(100)}"`)}\n`), {
      maxLineBytes: 64,
      onInvalidLine: "skip",
    });
    expect(err).toMatchObject({ code: "EXPORT_LINE_TOO_LONG", line: 2 });
  });

  it("passes the source's own errors through unchanged", async () => {
    const failing = (error: unknown) =>
      async function* (): AsyncGenerator<Buffer> {
        yield gz(task("1")).subarray(0, 10);
        throw error;
      };
    const download = new ConnectorError("download broke", { code: "DOWNLOAD_FAILED", failureType: "transient_error" });
    await expect(drain(failing(download)())).rejects.toBe(download);
    const plain = new Error("socket gone");
    await expect(drain(failing(plain)())).rejects.toBe(plain);
  });

  it("closes the source when the consumer stops early", async () => {
    let closeSource: () => void = () => undefined;
    const sourceClosed = new Promise<void>((resolve) => (closeSource = resolve));
    const endless = async function* (): AsyncGenerator<Buffer> {
      try {
        const data = gz(Array.from({ length: 5000 }, (_, i) => task(String(i + 1))).join("\n"));
        for (;;) yield* chunked(data, 1024);
      } finally {
        closeSource();
      }
    };
    for await (const batch of decodeExport(endless())) if (batch.length > 0) break;
    // The source may be closed after the consumer's break returns.
    await eventually("the source to be closed", sourceClosed);
  });
});
