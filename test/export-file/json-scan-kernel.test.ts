// The WebAssembly kernel of the JSON scan against the JavaScript scan it was ported from: the same
// verdict and the same results (kinds, spans, members, elements, references, repeats) on random,
// damaged and edge-case objects; the cases it hands back; its memory growing for a long line; and
// the committed kernel bytes being exactly what its source compiles to.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { JSON_SCAN_WASM } from "../../src/export-file/json-scan-wasm.js";
import { JsonObjectScanner, REFERENCE_INTS } from "../../src/export-file/json-scan.js";
import { compileKernel } from "../../scripts/wasm-kernel.js";
import { prng, randomText, randomWithReferences } from "../helpers/random-json.js";

const KEYS = ["gid", "resource_type", "modified_at", "name", "notes", "a", "é", "stories"];
const TYPES = ["user", "tag"];

/** Everything a scan leaves for its callers to read. */
function results(scanner: JsonObjectScanner, ok: boolean): unknown {
  if (!ok) return { ok };
  const keys = KEYS.map((_, k) => {
    const kind = scanner.kinds[k] ?? 0;
    if (kind === 0) return { kind };
    const from = scanner.elementFrom[k] ?? 0;
    const to = scanner.elementTo[k] ?? 0;
    return { kind, start: scanner.starts[k], end: scanner.ends[k], member: scanner.keyStarts[k], elements: [...scanner.elements.subarray(from * 2, to * 2)] };
  });
  const references = [...scanner.references.subarray(0, scanner.referenceCount * REFERENCE_INTS)];
  return { ok, repeated: scanner.repeated, keys, references };
}

function bothAgree(javascript: JsonObjectScanner, kernel: JsonObjectScanner, bytes: Buffer, start: number, end: number): boolean {
  const expected = results(javascript, javascript.scan(bytes, start, end));
  const ok = kernel.scan(bytes, start, end);
  expect(results(kernel, ok), bytes.toString("utf8", start, end)).toEqual(expected);
  return ok;
}

const DAMAGE = ['"', "\\", "\\u", "\\u00e9", "\\x", "{", "}", "[", "]", ",", ":", " ", "\u0000", "\u001f", "0", "-", "1e", "tru", "nul", "é", '"gid"', "\\u0067id"];

function damaged(rand: () => number, text: string): string {
  const chars = [...text];
  const at = Math.floor(rand() * (chars.length + 1));
  const piece = DAMAGE[Math.floor(rand() * DAMAGE.length)] ?? "";
  if (rand() < 0.5) chars.splice(at, 1, piece);
  else chars.splice(at, 0, piece);
  return chars.join("");
}

describe("the WebAssembly kernel of the JSON scan", () => {
  const javascript = new JsonObjectScanner(KEYS, TYPES, Infinity);
  const kernel = new JsonObjectScanner(KEYS, TYPES, 0);

  it("gives the JavaScript scan's verdict and results on random and damaged objects", () => {
    const rand = prng(20261202);
    let accepted = 0;
    let refused = 0;
    for (let n = 0; n < 20_000; n++) {
      const value = rand() < 0.5 ? JSON.parse(randomText(rand)) : { gid: "1", resource_type: "task", stories: randomWithReferences(rand), v: randomWithReferences(rand) };
      const text = JSON.stringify(value, null, rand() < 0.2 ? 1 : undefined);
      const line = rand() < 0.5 ? text : damaged(rand, text);
      // The object in the middle of other bytes, as a line is in its chunk.
      const bytes = Buffer.from(`{"x":"${"y".repeat(n % 23)}${line}"}`, "utf8");
      const start = Buffer.byteLength(`{"x":"${"y".repeat(n % 23)}`, "utf8");
      if (bothAgree(javascript, kernel, bytes, start, start + Buffer.byteLength(line, "utf8"))) accepted++;
      else refused++;
    }
    // Both verdicts must be well represented, or the test would check only one side.
    expect(accepted).toBeGreaterThan(5000);
    expect(refused).toBeGreaterThan(2000);
  });

  it("finds a string's end whichever of its 16 bytes the quote, a backslash or a control character falls on", () => {
    for (let length = 0; length < 70; length++) {
      for (const stop of ['"', '\\"', "\\\\", "\\u0041", "\u0001", "\\q", "\u001f"]) {
        const text = `{"name":"${"a".repeat(length)}${stop}${"b".repeat(length % 17)}","gid":"1"}`;
        const bytes = Buffer.from(text, "utf8");
        bothAgree(javascript, kernel, bytes, 0, bytes.length);
        // Cut short inside the string: unterminated, whatever follows in the buffer.
        bothAgree(javascript, kernel, bytes, 0, 9 + length);
      }
    }
  });

  it("hands back what it does not handle itself, and the JavaScript scan answers it", () => {
    const cases = [
      // An escaped top-level key means what it decodes to.
      '{"g\\u0069d":"7","resource_type":"t\\u0061sk"}',
      // Deeper than the kernel's stack.
      `{"a":${"[".repeat(1500)}${"]".repeat(1500)},"gid":"deep"}`,
      `{"a":${"[".repeat(1500)}${"]".repeat(1499)},"gid":"deep"}`,
      // More elements and more references than its areas hold.
      `{"gid":"1","stories":[${Array.from({ length: 9000 }, (_, i) => i).join(",")}]}`,
      `{"gid":"1","v":[${Array.from({ length: 2500 }, (_, i) => `{"gid":"${i}","resource_type":"user"}`).join(",")}]}`,
    ];
    for (const text of cases) {
      const bytes = Buffer.from(text, "utf8");
      bothAgree(javascript, kernel, bytes, 0, bytes.length);
    }
    expect(kernel.scan(Buffer.from(cases[1] ?? ""), 0, (cases[1] ?? "").length)).toBe(true);
    expect(kernel.scan(Buffer.from(cases[2] ?? ""), 0, (cases[2] ?? "").length)).toBe(false);
    expect(kernel.referenceCount).toBe(0);
  });

  it("grows its memory for a long object and still scans short ones after it", () => {
    const notes = "x".repeat(3_000_000);
    const long = Buffer.from(JSON.stringify({ gid: "1", resource_type: "task", notes, stories: [{ gid: "2", resource_type: "user" }] }));
    bothAgree(javascript, kernel, long, 0, long.length);
    expect(kernel.ends[KEYS.indexOf("notes")]! - kernel.starts[KEYS.indexOf("notes")]!).toBe(notes.length);
    const short = Buffer.from('{"gid":"3","resource_type":"tag","a":[1,{"gid":"4","resource_type":"tag"}]}');
    bothAgree(javascript, kernel, short, 0, short.length);
    expect(kernel.referenceCount).toBe(2);
  });

  it("is built from wasm/json-scan.ts as committed (npm run build:wasm)", async () => {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const binary = await compileKernel(root);
    expect(Buffer.from(binary).toString("base64")).toBe(JSON_SCAN_WASM);
  });
});
