// Byte-level reads of JSON that a scan (json-scan.ts) has already validated: the elements of an
// array, so derived streams take stories or join rows out of a line without parsing all of it (the
// scan itself finds the compact references nested anywhere; json-columns.ts reads values at paths).
import { BACKSLASH, COMMA, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, isWhitespace } from "../core/json-bytes.js";

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
