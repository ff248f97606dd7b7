// Byte-level reads of JSON that a scan (json-scan.ts) has already validated: the elements of an
// array, and the compact references (`{"gid": ..., "resource_type": ...}`) nested anywhere in a value.
// They let derived streams take stories or users out of a line without parsing all of it.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;

const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Index just after the string whose opening quote is at `i`. */
function skipString(buf: Uint8Array, i: number): number {
  i++;
  for (;;) {
    const c = buf[i];
    if (c === QUOTE) return i + 1;
    i += c === BACKSLASH ? 2 : 1;
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

/**
 * Every object nested in the (valid) JSON value `buf[start, end)` whose own `resource_type` is one of
 * `types` and that has a string `gid`, in the order they close (inner objects first).
 */
export function findReferences(buf: Uint8Array, start: number, end: number, types: readonly Uint8Array[]): FoundReference[] {
  const out: FoundReference[] = [];
  // One frame per open container; objects note their gid and resource_type strings.
  const isObject: boolean[] = [];
  const starts: number[] = [];
  const gidStarts: number[] = [];
  const gidEnds: number[] = [];
  const gidEscapes: boolean[] = [];
  const typeOf: number[] = [];
  let expecting = NONE;
  let expectKey = false;
  let i = start;
  while (i < end) {
    const c = buf[i] ?? 0;
    if (c === QUOTE) {
      const after = skipString(buf, i);
      const top = isObject.length - 1;
      if (expectKey && top >= 0 && isObject[top] === true) {
        const length = after - i - 2;
        expecting = length === 3 && buf[i + 1] === 0x67 && buf[i + 2] === 0x69 && buf[i + 3] === 0x64 ? GID : length === 13 && matches(buf, i + 1, RESOURCE_TYPE) ? TYPE : NONE;
        expectKey = false;
      } else if (expecting === GID) {
        gidStarts[top] = i + 1;
        gidEnds[top] = after - 1;
        gidEscapes[top] = buf.subarray(i + 1, after - 1).includes(BACKSLASH);
        expecting = NONE;
      } else if (expecting === TYPE) {
        typeOf[top] = types.findIndex((t) => t.length === after - i - 2 && matches(buf, i + 1, t));
        expecting = NONE;
      }
      i = after;
      continue;
    }
    if (c === LBRACE || c === LBRACKET) {
      isObject.push(c === LBRACE);
      starts.push(i);
      gidStarts.push(-1);
      gidEnds.push(-1);
      gidEscapes.push(false);
      typeOf.push(-1);
      expectKey = c === LBRACE;
      expecting = NONE;
    } else if (c === RBRACE || c === RBRACKET) {
      const top = isObject.length - 1;
      const type = typeOf[top] ?? -1;
      const gidStart = gidStarts[top] ?? -1;
      if (c === RBRACE && type >= 0 && gidStart >= 0) {
        out.push({ start: starts[top] ?? 0, end: i + 1, gidStart, gidEnd: gidEnds[top] ?? 0, gidEscaped: gidEscapes[top] ?? false, type });
      }
      isObject.pop();
      starts.pop();
      gidStarts.pop();
      gidEnds.pop();
      gidEscapes.pop();
      typeOf.pop();
      expecting = NONE;
    } else if (c === COMMA) {
      expectKey = isObject[isObject.length - 1] === true;
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
