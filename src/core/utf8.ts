// Locating the first invalid UTF-8 byte (of an export line, of a config file). Only used on the error
// path: validity itself is checked with buffer.isUtf8 (native, vectorised), and this slower scan just
// names the byte in the message.

/** Index of the first byte in `[start, end)` that begins an invalid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = buf[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    let extra: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) extra = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      // Overlong forms (E0 80..9F) and UTF-16 surrogates (ED A0..BF) are not UTF-8.
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      // Overlong (F0 80..8F) and beyond U+10FFFF (F4 90..BF).
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + extra >= end) return i;
    const b1 = buf[i + 1] ?? 0;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= extra; k++) {
      if (((buf[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    }
    i += extra + 1;
  }
  return -1;
}
