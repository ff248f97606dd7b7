// Parquet's RLE / bit-packing hybrid: definition and repetition levels, and dictionary indices.
// Runs of eight or more equal levels become RLE runs; everything between them is bit-packed in
// groups of eight (the last group padded with zeros: the page's value count says where it ends).
// Dictionary indices are bit-packed whole (one run): scanning them for repeats cost more than the
// few bytes it saved once pages are compressed. Each function takes one array type, so the hot
// loops stay monomorphic.
import type { ByteBuffer } from "./bytes.js";

/** Bits needed to hold values up to `max` (0 for 0). */
export function bitWidth(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

function rleRun(out: ByteBuffer, value: number, count: number, width: number): void {
  out.varint(count * 2);
  const bytes = (width + 7) >> 3;
  out.ensure(bytes);
  for (let b = 0; b < bytes; b++) out.buf[out.length++] = (value >>> (8 * b)) & 0xff;
}

/** Bit-pack `values[start, start + count)`, `count` a multiple of 8 (entries past `end` read as 0). */
function bitPackedRun(out: ByteBuffer, values: Uint8Array, start: number, count: number, end: number, width: number): void {
  out.varint((count / 8) * 2 + 1);
  out.ensure((count * width) / 8);
  const buf = out.buf;
  let at = out.length;
  let acc = 0;
  let bits = 0;
  for (let i = start; i < start + count; i++) {
    acc = (acc | ((i < end ? (values[i] as number) : 0) << bits)) >>> 0;
    bits += width;
    while (bits >= 8) {
      buf[at++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  out.length = at;
}

/** Dictionary indices `indices[0, count)` at `width` bits (up to 24) as one bit-packed run. */
export function writeIndices(out: ByteBuffer, indices: Int32Array, count: number, width: number): void {
  const padded = Math.ceil(count / 8) * 8;
  out.varint((padded / 8) * 2 + 1);
  out.ensure((padded * width) / 8);
  const buf = out.buf;
  let at = out.length;
  // A float accumulator holds up to 53 bits: room for a 24-bit index above 7 pending bits.
  let acc = 0;
  let scale = 1;
  for (let i = 0; i < padded; i++) {
    acc += (i < count ? (indices[i] as number) : 0) * scale;
    scale *= 1 << width;
    while (scale >= 256) {
      buf[at++] = acc % 256;
      acc = Math.floor(acc / 256);
      scale /= 256;
    }
  }
  out.length = at;
}

/** Append the hybrid encoding of `values[start, end)` at `width` bits (no length prefix). */
export function writeHybrid(out: ByteBuffer, values: Uint8Array, start: number, end: number, width: number): void {
  let i = start;
  let literalStart = start;
  let literals = 0;
  while (i < end) {
    const v = values[i] as number;
    let j = i + 1;
    while (j < end && values[j] === v) j++;
    let run = j - i;
    if (run < 8) {
      if (literals === 0) literalStart = i;
      literals += run;
      i = j;
      continue;
    }
    if (literals > 0) {
      // Complete the literals' last group of eight with the run's first values.
      const pad = (8 - (literals % 8)) % 8;
      literals += pad;
      i += pad;
      run -= pad;
      bitPackedRun(out, values, literalStart, literals, end, width);
      literals = 0;
      if (run < 8) continue;
    }
    rleRun(out, v, run, width);
    i += run;
  }
  if (literals > 0) bitPackedRun(out, values, literalStart, Math.ceil(literals / 8) * 8, end, width);
}
