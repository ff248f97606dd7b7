import { describe, expect, it } from "vitest";
import { ABSENT, BOOLEAN, JsonObjectScanner, NULL, NUMBER, OBJECT, STRING, STRING_ESCAPED } from "../../src/export-file/json-scan.js";
import { prng, randomText } from "../helpers/random-json.js";

const KEYS = ["gid", "resource_type", "modified_at"];

/** What the scan must say: exactly whether JSON.parse gives an object. */
function parsesToObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function kindOf(value: unknown): number {
  if (value === undefined) return ABSENT;
  if (value === null) return NULL;
  if (typeof value === "string") return STRING;
  if (typeof value === "boolean") return BOOLEAN;
  if (typeof value === "number") return NUMBER;
  return OBJECT;
}

/** Scan `text` and check verdict and captures against JSON.parse. */
function check(scanner: JsonObjectScanner, text: string): void {
  // Padding around the line: the scan must stay inside [start, end).
  const bytes = Buffer.from(`{"x":[1,${text}\n${text}"}]`, "utf8");
  const start = Buffer.byteLength(`{"x":[1,`, "utf8");
  const end = start + Buffer.byteLength(text, "utf8");
  const ok = scanner.scan(bytes, start, end);
  const expected = parsesToObject(text);
  if (ok !== expected) throw new Error(`scan said ${ok}, JSON.parse says ${expected}: ${JSON.stringify(text)}`);
  if (!ok) return;
  const object = JSON.parse(text) as Record<string, unknown>;
  KEYS.forEach((key, k) => {
    const kind = scanner.kinds[k] ?? -1;
    const want = kindOf(object[key]);
    const got = kind === STRING_ESCAPED ? STRING : kind;
    if (got !== want) throw new Error(`key ${key}: kind ${kind}, expected ${want}: ${JSON.stringify(text)}`);
    if (want === STRING) {
      const s = scanner.starts[k] ?? 0;
      const e = scanner.ends[k] ?? 0;
      const decoded = kind === STRING ? bytes.toString("utf8", s, e) : (JSON.parse(bytes.toString("utf8", s - 1, e + 1)) as string);
      if (decoded !== object[key]) throw new Error(`key ${key}: ${JSON.stringify(decoded)}, expected ${JSON.stringify(object[key])}`);
    }
  });
}

const PIECES = ['"', "\\", "\\u", "\\u00e9", "\\ud83d", "\\x", "{", "}", "[", "]", ",", ":", " ", "\t", "\r", "\u0000", "\u001f", "\u007f",
  "0", "-", "01", "1.", ".5", "1e", "1e+", "-0", "2.5E-3", "true", "tru", "false", "null", "nul", "NaN", "é", "😀", "\u2028", "\ufeff", "gid", '"gid"'];

function mutate(rand: () => number, text: string): string {
  const chars = [...text];
  for (let n = 1 + Math.floor(rand() * 2); n > 0; n--) {
    const at = Math.floor(rand() * (chars.length + 1));
    const op = rand();
    const piece = PIECES[Math.floor(rand() * PIECES.length)] ?? "";
    if (op < 0.33) chars.splice(at, 1);
    else if (op < 0.66) chars.splice(at, 0, piece);
    else chars.splice(at, 1, piece);
  }
  return chars.join("");
}

// Every object through the JavaScript scan, then every object through the WebAssembly kernel.
describe.each([
  ["in JavaScript", Infinity],
  ["in the WebAssembly kernel", 0],
])("JsonObjectScanner %s", (_engine, kernelMinBytes) => {
  const scanner = new JsonObjectScanner(KEYS, [], kernelMinBytes);

  it("accepts exactly the objects JSON.parse accepts, on hand-picked texts", () => {
    const texts = [
      "{}",
      " {} ",
      '{"gid":"1","resource_type":"task"}',
      '{"gid":"1","gid":"2","resource_type":"task"}',
      '{"gid":"1","resource_type":"task","gid":null}',
      '{"g\\u0069d":"7","resource_type":"t\\u0061sk"}',
      '{"gid":"\\u0031\\"x","resource_type":"task","modified_at":"2024-01-01T00:00:00Z"}',
      '{"gid":1,"resource_type":["task"],"modified_at":{"a":1}}',
      '{"gid":true,"resource_type":false,"modified_at":null}',
      '{"a":{"gid":"nested"},"b":[{"resource_type":"x"}]}',
      '{"n":[-0,0.5,1e5,1E+5,-2.5e-10,12345678901234567890]}',
      '{"s":"\\ud83d\\ude00 \\ud800 lone \\/ \\b\\f\\n\\r\\t"}',
      '{"a":[[[[[[[[[[]]]]]]]]]]}',
      '{ "a" : 1 , "b" : [ 1 , 2 ] }',
      '{"a":1}{"b":2}',
      '{"a":1',
      '{"a":1,}',
      '{"a":[1,]}',
      '{"a":01}',
      '{"a":-}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":+1}',
      '{"a":1e}',
      '{"a":"\\x"}',
      '{"a":"\\u12"}',
      '{"a":"tab\there"}',
      '{"a":tru}',
      '{"a":nulll}',
      '{"a" 1}',
      "{'a':1}",
      '{"a":1}\u00a0',
      "\ufeff{}",
      "[1,2]",
      '"text"',
      "null",
      "",
      " ",
      '{"a":"x"}}',
      '{"a":["x"}',
      '{"a":{"b":1]}',
    ];
    for (const text of texts) check(scanner, text);
  });

  it("accepts exactly the objects JSON.parse accepts, on random and randomly damaged texts", () => {
    const rand = prng(20261128);
    let accepted = 0;
    for (let n = 0; n < 30_000; n++) {
      const text = randomText(rand);
      check(scanner, text);
      const damaged = mutate(rand, text);
      check(scanner, damaged);
      if (parsesToObject(damaged)) accepted++;
    }
    // The damage must leave some texts valid, or the test would only ever check rejections.
    expect(accepted).toBeGreaterThan(1000);
  });

  it("never reads past the end it is given", () => {
    const text = '{"gid":"1","resource_type":"task","n":12';
    for (const tail of ["3}", "}", " }", "e5}", ".5}"]) {
      const bytes = Buffer.from(text + tail);
      expect(scanner.scan(bytes, 0, text.length)).toBe(false);
    }
    const bytes = Buffer.from('{"a":true}');
    expect(scanner.scan(bytes, 0, 7)).toBe(false);
    expect(scanner.scan(bytes, 0, 10)).toBe(true);
  });
});
