// `_extra`: every field the schema does not know and every value that does not fit its column, as
// one JSON object keyed by the value's JSON path (`owner.email`, `tags[1].color`) whose values are
// the exact JSON text of the line. Built as bytes from the line itself, never through a JS object:
// no `__proto__` or duplicate-key surprises, no number re-serialised (`1e400` stays `1e400`).
import { ByteBuffer } from "../parquet/bytes.js";

const KEY = 0;
const INDEX = 1;

/**
 * The JSON path of the value being shredded, by depth: object keys (as raw bytes of the line) and
 * list indexes. Unknown values are skipped, never descended into, so the depth is bounded by the
 * schema's (the capacity given).
 */
export class PathSegments {
  readonly kind: Uint8Array;
  readonly start: Int32Array;
  readonly end: Int32Array;

  constructor(capacity: number) {
    this.kind = new Uint8Array(capacity);
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
  }

  /** Segment `depth` is the key `buf[start, end)` (the raw text between its quotes). */
  key(depth: number, start: number, end: number): void {
    this.kind[depth] = KEY;
    this.start[depth] = start;
    this.end[depth] = end;
  }

  /** Segment `depth` is a list index. */
  index(depth: number, i: number): void {
    this.kind[depth] = INDEX;
    this.start[depth] = i;
  }
}

/** The `_extra` object of the row being shredded. */
export class ExtraBuilder {
  readonly out = new ByteBuffer(256);
  private entries = 0;

  /** Start a row. */
  reset(): void {
    this.out.reset();
    this.entries = 0;
  }

  /** Whether the row has anything in `_extra`. */
  get empty(): boolean {
    return this.entries === 0;
  }

  /** Add the value `buf[start, end)` (JSON text) at the path of the first `depth` segments. */
  add(buf: Uint8Array, segments: PathSegments, depth: number, start: number, end: number): void {
    const out = this.out;
    out.byte(this.entries === 0 ? 0x7b : 0x2c);
    out.byte(0x22);
    for (let d = 0; d < depth; d++) {
      if (segments.kind[d] === INDEX) {
        out.byte(0x5b);
        const digits = String(segments.start[d]);
        for (let k = 0; k < digits.length; k++) out.byte(digits.charCodeAt(k));
        out.byte(0x5d);
      } else {
        if (d > 0) out.byte(0x2e);
        out.append(buf.subarray(segments.start[d], segments.end[d]));
      }
    }
    out.byte(0x22);
    out.byte(0x3a);
    out.append(buf.subarray(start, end));
    this.entries++;
  }

  /** The row's `_extra` JSON text (a view, valid until the next row), or undefined when empty. */
  finish(): Uint8Array | undefined {
    if (this.entries === 0) return undefined;
    this.out.byte(0x7d);
    return this.out.bytes();
  }
}
