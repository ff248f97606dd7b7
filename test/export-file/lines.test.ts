import { describe, expect, it } from "vitest";
import { ExportLineError } from "../../src/export-file/errors.js";
import { LineSplitter } from "../../src/export-file/lines.js";

interface Seen {
  text: string;
  line: number;
  offset: number;
}

/** Run the splitter over `chunks`, decoding each line only once it is whole. */
function split(chunks: Buffer[], maxLineBytes?: number): { lines: Seen[]; blank: number; count: number } {
  const splitter = new LineSplitter(maxLineBytes);
  const lines: Seen[] = [];
  const onLine = (buf: Buffer, start: number, end: number, line: number, offset: number): void => {
    lines.push({ text: buf.toString("utf8", start, end), line, offset });
  };
  for (const chunk of chunks) splitter.push(chunk, onLine);
  splitter.end(onLine);
  return { lines, blank: splitter.blankLines, count: splitter.lineCount };
}

/** The reference answer, from splitting the whole text at once. */
function reference(sample: Buffer): { lines: Seen[]; blank: number; count: number } {
  const lines: Seen[] = [];
  let blank = 0;
  let offset = 0;
  const parts = sample.toString("utf8").split("\n");
  if (parts[parts.length - 1] === "") parts.pop();
  parts.forEach((part, i) => {
    const text = part.endsWith("\r") ? part.slice(0, -1) : part;
    if (text === "") blank++;
    else lines.push({ text, line: i + 1, offset });
    offset += Buffer.byteLength(part) + 1;
  });
  return { lines, blank, count: parts.length };
}

// An emoji (4 bytes), 2- and 3-byte characters, CRLF, blank lines (LF and CRLF), no final newline.
const SAMPLE = Buffer.from('{"a":"x😀y"}\r\n\n{"b":"é中"}\n\r\n{"c":1}\r\n{"d":"😀"}', "utf8");

describe("LineSplitter", () => {
  it("splits a sample like a whole-buffer split", () => {
    const expected = reference(SAMPLE);
    expect(expected.lines.map((l) => l.text)).toEqual(['{"a":"x😀y"}', '{"b":"é中"}', '{"c":1}', '{"d":"😀"}']);
    expect(expected.lines.map((l) => l.line)).toEqual([1, 3, 5, 6]);
    expect(split([SAMPLE])).toEqual(expected);
  });

  it("gives the same lines, numbers and offsets under every split into two and three chunks", () => {
    const expected = reference(SAMPLE);
    const n = SAMPLE.length;
    // Every cut point is covered, including those inside the 4-byte emoji and between CR and LF.
    for (let i = 0; i <= n; i++) {
      expect(split([SAMPLE.subarray(0, i), SAMPLE.subarray(i)])).toEqual(expected);
      for (let j = i; j <= n; j++) {
        const chunks = [SAMPLE.subarray(0, i), SAMPLE.subarray(i, j), SAMPLE.subarray(j)];
        expect(split(chunks)).toEqual(expected);
      }
    }
  });

  it("handles one-byte chunks", () => {
    const chunks = [...SAMPLE].map((b) => Buffer.from([b]));
    expect(split(chunks)).toEqual(reference(SAMPLE));
  });

  it("handles a final newline, only blank lines, and nothing at all", () => {
    expect(split([Buffer.from("{}\n")])).toEqual({ lines: [{ text: "{}", line: 1, offset: 0 }], blank: 0, count: 1 });
    expect(split([Buffer.from("\n\r\n\n")])).toEqual({ lines: [], blank: 3, count: 3 });
    expect(split([])).toEqual({ lines: [], blank: 0, count: 0 });
    expect(split([Buffer.alloc(0), Buffer.from("a"), Buffer.alloc(0)])).toEqual({
      lines: [{ text: "a", line: 1, offset: 0 }],
      blank: 0,
      count: 1,
    });
  });

  it("keeps a lone CR inside a line and strips only the one before LF", () => {
    expect(split([Buffer.from("a\rb\r\r\n")]).lines).toEqual([{ text: "a\rb\r", line: 1, offset: 0 }]);
  });

  it("joins a 10 MB line spread over many chunks", () => {
    const big = `{"notes":"${"é".repeat(5 * 1024 * 1024)}"}`;
    const data = Buffer.from(`{"x":1}\n${big}\n{"y":2}`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < data.length; i += 65_536) chunks.push(data.subarray(i, i + 65_536));
    const { lines } = split(chunks);
    expect(lines.map((l) => l.text.length)).toEqual([7, big.length, 7]);
    expect(lines[1]?.text === big).toBe(true);
    expect(lines[2]?.offset).toBe(8 + Buffer.byteLength(big) + 1);
  });

  it("refuses a line over the limit, naming its number and offset, before its end arrives", () => {
    const splitter = new LineSplitter(10);
    const noop = (): void => undefined;
    splitter.push(Buffer.from("short\n0123456789"), noop);
    let error: unknown;
    try {
      splitter.push(Buffer.from("abc"), noop);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExportLineError);
    expect(error).toMatchObject({ code: "EXPORT_LINE_TOO_LONG", line: 2, offset: 6 });
    expect((error as Error).message).toContain("line 2 (byte offset 6");
  });

  it("accepts a line of exactly the limit, with or without CR", () => {
    const seen = split([Buffer.from("0123456789\r\n0123456789\nab")], 10);
    expect(seen.lines.map((l) => l.text)).toEqual(["0123456789", "0123456789", "ab"]);
    expect(() => split([Buffer.from("ok\n01234567890\n")], 10)).toThrow(/line 2 \(byte offset 3/);
  });
});
