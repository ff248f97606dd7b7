// Byte-level reads of JSON that a scan (json-scan.ts) has already validated: the elements of an
// array, the compact references (`{"gid": ..., "resource_type": ...}`) nested anywhere in a value,
// and the value at a path. They let derived streams take stories, users or join rows out of a line
// without parsing all of it.
import { ABSENT, JsonObjectScanner, NULL, OBJECT, STRING, STRING_ESCAPED } from "./json-scan.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;

const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Index just after the string whose opening quote is at `i`. The closing quote is found with the
 * native byte search (long notes are most of a line's bytes); a quote after an odd run of
 * backslashes is escaped, and the search goes on after it.
 */
function skipString(buf: Uint8Array, i: number): number {
  let from = i + 1;
  for (;;) {
    const quote = buf.indexOf(QUOTE, from);
    let backslashes = 0;
    while (buf[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/**
 * The elements of the (valid) JSON array `buf[start, end)`: pairs of [start, end) offsets, each
 * element without surrounding whitespace. An empty array gives none.
 */
export function arrayElements(buf: Uint8Array, start: number, end: number): number[] {
  const out: number[] = [];
  let i = start + 1;
  let depth = 0;
  let elementStart = -1;
  let last = start + 1;
  const close = end - 1;
  while (i < close) {
    const c = buf[i] ?? 0;
    if (c === QUOTE) {
      if (elementStart < 0) elementStart = i;
      i = skipString(buf, i);
      last = i;
      continue;
    }
    if (depth === 0 && c === COMMA) {
      out.push(elementStart, last);
      elementStart = -1;
    } else if (!isWhitespace(c)) {
      if (elementStart < 0) elementStart = i;
      if (c === LBRACE || c === LBRACKET) depth++;
      else if (c === RBRACE || c === RBRACKET) depth--;
      last = i + 1;
    }
    i++;
  }
  if (elementStart >= 0) out.push(elementStart, last);
  return out;
}

/** One compact reference found by findReferences. */
export interface FoundReference {
  /** Offsets of the object `{...}`. */
  start: number;
  end: number;
  /** Offsets of its gid's text inside the quotes, and whether it has escapes (decode with JSON.parse). */
  gidStart: number;
  gidEnd: number;
  gidEscaped: boolean;
  /** Which of the wanted types it is (an index into the `types` given). */
  type: number;
}

const NONE = 0;
const GID = 1;
const TYPE = 2;

/** The stacks of findReferences, one frame per open container, reused across calls. */
class Frames {
  isObject = new Uint8Array(64);
  starts = new Int32Array(64);
  gidStarts = new Int32Array(64);
  gidEnds = new Int32Array(64);
  gidEscaped = new Uint8Array(64);
  types = new Int32Array(64);

  grow(): void {
    const n = this.starts.length * 2;
    const grown = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.isObject = grown(this.isObject, (k) => new Uint8Array(k));
    this.starts = grown(this.starts, (k) => new Int32Array(k));
    this.gidStarts = grown(this.gidStarts, (k) => new Int32Array(k));
    this.gidEnds = grown(this.gidEnds, (k) => new Int32Array(k));
    this.gidEscaped = grown(this.gidEscaped, (k) => new Uint8Array(k));
    this.types = grown(this.types, (k) => new Int32Array(k));
  }
}

/** Finds the compact references of some resource types in JSON values; keeps its scratch stacks between calls. */
export class ReferenceFinder {
  private readonly types: readonly Uint8Array[];
  private readonly frames = new Frames();

  constructor(types: readonly string[]) {
    this.types = types.map((t) => new TextEncoder().encode(t));
  }

  /**
   * Every object nested in the (valid) JSON value `buf[start, end)` whose own `resource_type` is one
   * of the types and that has a string `gid`, in the order they close (inner objects first). One pass
   * over the bytes, whatever the number of types.
   */
  find(buf: Uint8Array, start: number, end: number): FoundReference[] {
    return scan(buf, start, end, this.types, this.frames);
  }
}

function scan(buf: Uint8Array, start: number, end: number, types: readonly Uint8Array[], f: Frames): FoundReference[] {
  const out: FoundReference[] = [];
  let top = -1;
  let expecting = NONE;
  let expectKey = false;
  let i = start;
  while (i < end) {
    const c = buf[i] ?? 0;
    if (c === QUOTE) {
      const after = skipString(buf, i);
      if (expectKey && top >= 0 && f.isObject[top] === 1) {
        const length = after - i - 2;
        expecting = length === 3 && buf[i + 1] === 0x67 && buf[i + 2] === 0x69 && buf[i + 3] === 0x64 ? GID : length === 13 && matches(buf, i + 1, RESOURCE_TYPE) ? TYPE : NONE;
        expectKey = false;
      } else if (expecting === GID) {
        f.gidStarts[top] = i + 1;
        f.gidEnds[top] = after - 1;
        f.gidEscaped[top] = buf.subarray(i + 1, after - 1).includes(BACKSLASH) ? 1 : 0;
        expecting = NONE;
      } else if (expecting === TYPE) {
        let type = -1;
        for (let t = 0; t < types.length; t++) {
          const word = types[t] as Uint8Array;
          if (word.length === after - i - 2 && matches(buf, i + 1, word)) {
            type = t;
            break;
          }
        }
        f.types[top] = type;
        expecting = NONE;
      }
      i = after;
      continue;
    }
    if (c === LBRACE || c === LBRACKET) {
      if (++top === f.starts.length) f.grow();
      f.isObject[top] = c === LBRACE ? 1 : 0;
      f.starts[top] = i;
      f.gidStarts[top] = -1;
      f.types[top] = -1;
      expectKey = c === LBRACE;
      expecting = NONE;
    } else if (c === RBRACE || c === RBRACKET) {
      const type = f.types[top] ?? -1;
      const gidStart = f.gidStarts[top] ?? -1;
      if (c === RBRACE && type >= 0 && gidStart >= 0) {
        out.push({ start: f.starts[top] ?? 0, end: i + 1, gidStart, gidEnd: f.gidEnds[top] ?? 0, gidEscaped: f.gidEscaped[top] === 1, type });
      }
      top--;
      expecting = NONE;
    } else if (c === COMMA) {
      expectKey = top >= 0 && f.isObject[top] === 1;
      expecting = NONE;
    } else if (c !== COLON && !isWhitespace(c)) {
      // A number, true, false or null: the value of the key just read (if any) is not a string.
      expecting = NONE;
    }
    i++;
  }
  return out;
}

const RESOURCE_TYPE = new TextEncoder().encode("resource_type");

function matches(buf: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let k = 0; k < word.length; k++) if (buf[at + k] !== word[k]) return false;
  return true;
}

/**
 * Reads the value at a dotted path (`project.gid`) of JSON objects held as bytes, as its JSON text
 * (a string keeps its quotes and escapes), without parsing the object; one scanner per segment.
 */
export class PathReader {
  private readonly scanners: JsonObjectScanner[];

  constructor(path: string) {
    this.scanners = path.split(".").map((segment) => new JsonObjectScanner([segment]));
  }

  /** The JSON text at the path in the object `bytes`, "null" for a null on the way, or undefined when absent. */
  literal(bytes: Uint8Array): string | undefined {
    let start = 0;
    let end = bytes.length;
    for (let s = 0; s < this.scanners.length; s++) {
      const scanner = this.scanners[s] as JsonObjectScanner;
      if (!scanner.scan(bytes, start, end)) return undefined;
      const kind = scanner.kinds[0];
      if (kind === ABSENT) return undefined;
      if (kind === NULL) return "null";
      const quoted = kind === STRING || kind === STRING_ESCAPED;
      start = (scanner.starts[0] ?? 0) - (quoted ? 1 : 0);
      end = (scanner.ends[0] ?? 0) + (quoted ? 1 : 0);
      if (s < this.scanners.length - 1 && (kind !== OBJECT || bytes[start] !== LBRACE)) return undefined;
    }
    return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("utf8");
  }
}
