// Byte-level JSON helpers shared by the export decoder (which validates lines) and the Parquet
// shredder (which reads validated lines in place, never building their objects): number grammar,
// skipping a value, the end of a string, and decoding a string's escapes straight to UTF-8.

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;
export const LBRACKET = 0x5b;
export const RBRACKET = 0x5d;
export const MINUS = 0x2d;
export const ZERO = 0x30;
export const NINE = 0x39;

/** JSON's insignificant whitespace: space, tab, line feed, carriage return. */
export const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The first index at or after `i` that is not whitespace (or `end`). */
export function skipWhitespace(buf: Uint8Array, i: number, end: number): number {
  while (i < end && isWhitespace(buf[i] as number)) i++;
  return i;
}

/** From the first byte of a number: the index after it, or -1 if it is not a JSON number. */
export function scanNumber(buf: Uint8Array, i: number, end: number): number {
  if (buf[i] === MINUS) i++;
  if (i >= end) return -1;
  let c = buf[i] as number;
  if (c === ZERO) {
    i++;
  } else if (c > ZERO && c <= NINE) {
    i++;
    while (i < end && (buf[i] as number) >= ZERO && (buf[i] as number) <= NINE) i++;
  } else {
    return -1;
  }
  if (i < end && buf[i] === 0x2e /* . */) {
    i++;
    const digits = i;
    while (i < end && (buf[i] as number) >= ZERO && (buf[i] as number) <= NINE) i++;
    if (i === digits) return -1;
  }
  c = i < end ? (buf[i] as number) : 0;
  if (c === 0x65 || c === 0x45 /* e E */) {
    i++;
    if (i < end && (buf[i] === 0x2b || buf[i] === MINUS)) i++;
    const digits = i;
    while (i < end && (buf[i] as number) >= ZERO && (buf[i] as number) <= NINE) i++;
    if (i === digits) return -1;
  }
  return i;
}

/** Set by stringEnd: whether the string it just passed holds a backslash escape. */
export interface StringFlags {
  escaped: boolean;
}

/** In valid JSON, from just after an opening quote: the index of the closing quote. */
export function stringEnd(buf: Uint8Array, i: number, end: number, flags: StringFlags): number {
  let escaped = false;
  while (i < end) {
    const c = buf[i] as number;
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      escaped = true;
      i += 2;
    } else {
      i++;
    }
  }
  flags.escaped = escaped;
  return i;
}

const ignored: StringFlags = { escaped: false };

/** In valid JSON, from the first byte of a value: the index just after it (containers skipped without recursion). */
export function valueEnd(buf: Uint8Array, i: number, end: number): number {
  const first = buf[i];
  if (first === QUOTE) return stringEnd(buf, i + 1, end, ignored) + 1;
  if (first !== LBRACE && first !== LBRACKET) {
    // A number or a literal: up to the next delimiter.
    while (i < end) {
      const c = buf[i] as number;
      if (c === COMMA || c === RBRACE || c === RBRACKET || isWhitespace(c)) break;
      i++;
    }
    return i;
  }
  let depth = 0;
  while (i < end) {
    const c = buf[i] as number;
    if (c === QUOTE) {
      i = stringEnd(buf, i + 1, end, ignored) + 1;
      continue;
    }
    if (c === LBRACE || c === LBRACKET) depth++;
    else if ((c === RBRACE || c === RBRACKET) && --depth === 0) return i + 1;
    i++;
  }
  return i;
}

function hex(c: number): number {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

function hex4(buf: Uint8Array, at: number): number {
  return (hex(buf[at] as number) << 12) | (hex(buf[at + 1] as number) << 8) | (hex(buf[at + 2] as number) << 4) | hex(buf[at + 3] as number);
}

/**
 * Decode the escapes of a valid JSON string's content `src[start, end)` into UTF-8 at `dst[at]`;
 * returns the index after the last byte written, or -1 when the text holds a lone UTF-16 surrogate
 * (which no UTF-8 string can carry). The output is never longer than the input, so `dst` needs
 * `end - start` bytes from `at`.
 */
export function unescapeInto(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  let i = start;
  while (i < end) {
    const c = src[i] as number;
    if (c !== BACKSLASH) {
      dst[at++] = c;
      i++;
      continue;
    }
    const e = src[i + 1] as number;
    i += 2;
    switch (e) {
      case 0x6e: dst[at++] = 0x0a; break; // n
      case 0x74: dst[at++] = 0x09; break; // t
      case 0x72: dst[at++] = 0x0d; break; // r
      case 0x62: dst[at++] = 0x08; break; // b
      case 0x66: dst[at++] = 0x0c; break; // f
      case 0x75: { // u
        let code = hex4(src, i);
        i += 4;
        if (code >= 0xd800 && code <= 0xdbff) {
          // A high surrogate must be followed by an escaped low one.
          if (src[i] !== BACKSLASH || src[i + 1] !== 0x75) return -1;
          const low = hex4(src, i + 2);
          if (low < 0xdc00 || low > 0xdfff) return -1;
          i += 6;
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        } else if (code >= 0xdc00 && code <= 0xdfff) {
          return -1;
        }
        if (code < 0x80) {
          dst[at++] = code;
        } else if (code < 0x800) {
          dst[at++] = 0xc0 | (code >> 6);
          dst[at++] = 0x80 | (code & 0x3f);
        } else if (code < 0x10000) {
          dst[at++] = 0xe0 | (code >> 12);
          dst[at++] = 0x80 | ((code >> 6) & 0x3f);
          dst[at++] = 0x80 | (code & 0x3f);
        } else {
          dst[at++] = 0xf0 | (code >> 18);
          dst[at++] = 0x80 | ((code >> 12) & 0x3f);
          dst[at++] = 0x80 | ((code >> 6) & 0x3f);
          dst[at++] = 0x80 | (code & 0x3f);
        }
        break;
      }
      default: dst[at++] = e; // " \ /
    }
  }
  return at;
}
