// Unsigned LEB128 varints of numbers below 2^53 (exact as doubles), written into and read from byte
// arrays in place: the deltas of the sync's compact key runs and seen-gid runs, and the key count
// that heads a state's keys.

/** Writes `value` at `out[at]` (room for 8 bytes needed); returns where the next byte goes. */
export function writeVarint(out: Uint8Array, at: number, value: number): number {
  let v = value;
  let i = at;
  while (v >= 0x80) {
    out[i++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[i++] = v;
  return i;
}

/** A read position in a byte array. */
export interface VarintReader {
  at: number;
}

/** The varint at `reader.at` (at most 8 bytes: below 2^56), moving past it; throws past `end` or 8 bytes. */
export function readVarint(bytes: Uint8Array, reader: VarintReader, end = bytes.length): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (reader.at >= end) throw new Error("the bytes end inside a varint");
    const b = bytes[reader.at++] ?? 0;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 0x80;
  }
  throw new Error("a varint is too long");
}
