// A decoded line of the export: routing fields at once; text, bytes and object on demand. A scanned
// line also keeps where the values of a few top-level fields lie (`spans`), so a derived stream can
// read `custom_fields` or split `stories` without parsing the whole line, and (`members`) where
// every top-level member lies, so the line can be re-assembled without some of them.
import type { ExportRecord } from "../core/record.js";
import { arrayElements } from "./json-bytes.js";
import { ABSENT, NULL, OBJECT, STRING, STRING_ESCAPED } from "./json-scan.js";

/** How many handed-out lines had their object made by the consumer. */
export interface ParseCount {
  parsed: number;
}

/** Where a line's top-level values are: per field of `fields`, its kind, start and end (3 ints). */
export interface LineSpans {
  readonly fields: readonly string[];
  readonly spans: Int32Array;
  /** Top-level members as [start, end) pairs (key quote to value end), when kept. */
  readonly members: Int32Array | undefined;
  /** The references the scan found (json-scan.ts `references`, offsets from the line's first byte, as in `rawBytes`), when asked for. */
  readonly references: Int32Array | undefined;
}

const NO_SPANS: LineSpans = { fields: [], spans: new Int32Array(0), members: undefined, references: undefined };

/** A line as decoded: its bytes stay a view of the decompressed chunk (chunks are never reused). */
export class ScannedLine implements ExportRecord {
  private parsedFields: Map<string, unknown> | undefined;

  constructor(
    private readonly count: ParseCount,
    readonly resourceType: string,
    readonly gid: string,
    readonly line: number,
    readonly offset: number,
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
    private readonly spans: LineSpans,
    private text: string | undefined,
    private value: Record<string, unknown> | undefined,
  ) {}

  /** A line taken by the JSON.parse path: its object is at hand, no spans. */
  static parsed(count: ParseCount, resourceType: string, gid: string, line: number, offset: number, buf: Buffer, start: number, end: number, raw: string, object: Record<string, unknown>): ScannedLine {
    return new ScannedLine(count, resourceType, gid, line, offset, buf, start, end, NO_SPANS, raw, object);
  }

  get raw(): string {
    return (this.text ??= this.buf.toString("utf8", this.start, this.end));
  }

  get object(): Record<string, unknown> {
    if (this.value === undefined) {
      this.value = JSON.parse(this.raw) as Record<string, unknown>;
      this.count.parsed++;
    }
    return this.value;
  }

  get rawBytes(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  rawLengthBound(): number {
    return this.end - this.start;
  }

  writeRaw(target: Buffer, at: number): number {
    target.set(this.buf.subarray(this.start, this.end), at);
    return at + this.end - this.start;
  }

  /** Index of a field in the spans, or -1 when the answer must come from the object. */
  private indexOf(field: string): number {
    return this.value === undefined ? this.spans.fields.indexOf(field) : -1;
  }

  private kind(k: number): number {
    return this.spans.spans[k * 3] ?? ABSENT;
  }

  hasString(field: string): boolean {
    const k = this.indexOf(field);
    if (k === -1) return typeof this.object[field] === "string";
    const kind = this.kind(k);
    return kind === STRING || kind === STRING_ESCAPED;
  }

  has(field: string): boolean {
    const k = this.indexOf(field);
    return k === -1 ? field in this.object : this.kind(k) !== ABSENT;
  }

  field(name: string): unknown {
    const k = this.indexOf(name);
    if (k === -1) return this.object[name];
    const kind = this.kind(k);
    if (kind === ABSENT) return undefined;
    if (kind === NULL) return null;
    const start = this.spans.spans[k * 3 + 1] ?? 0;
    const end = this.spans.spans[k * 3 + 2] ?? 0;
    if (kind === STRING) return this.buf.toString("utf8", start, end);
    if (kind === STRING_ESCAPED) return JSON.parse(this.buf.toString("utf8", start - 1, end + 1)) as string;
    this.parsedFields ??= new Map();
    if (this.parsedFields.has(name)) return this.parsedFields.get(name);
    const value: unknown = JSON.parse(this.buf.toString("utf8", start, end));
    this.parsedFields.set(name, value);
    return value;
  }

  elementBytes(name: string): Uint8Array[] | undefined {
    const k = this.indexOf(name);
    if (k === -1 || this.kind(k) !== OBJECT) return undefined;
    const start = this.spans.spans[k * 3 + 1] ?? 0;
    const end = this.spans.spans[k * 3 + 2] ?? 0;
    if (this.buf[start] !== 0x5b) return undefined;
    const offsets = arrayElements(this.buf, start, end);
    const out: Uint8Array[] = [];
    for (let i = 0; i < offsets.length; i += 2) out.push(this.buf.subarray(offsets[i], offsets[i + 1]));
    return out;
  }

  references(): Int32Array | undefined {
    return this.spans.references;
  }

  withoutFields(names: ReadonlySet<string>): ExportRecord | undefined {
    const members = this.value === undefined ? this.spans.members : undefined;
    if (members === undefined) return undefined;
    const parts: Uint8Array[] = [OPEN];
    for (let m = 0; m < members.length; m += 2) {
      const start = members[m] ?? 0;
      const end = members[m + 1] ?? 0;
      if (names.has(memberKey(this.buf, start))) continue;
      if (parts.length > 1) parts.push(COMMA);
      parts.push(this.buf.subarray(start, end));
    }
    parts.push(CLOSE);
    const bytes = Buffer.concat(parts);
    return new ScannedLine(this.count, this.resourceType, this.gid, this.line, this.offset, bytes, 0, bytes.length, NO_SPANS, undefined, undefined);
  }
}

const OPEN = Buffer.from("{");
const CLOSE = Buffer.from("}");
const COMMA = Buffer.from(",");

/** The key of the member whose opening quote is at `start` (keys with escapes are decoded). */
function memberKey(buf: Buffer, start: number): string {
  let i = start + 1;
  let escaped = false;
  while (buf[i] !== 0x22) {
    if (buf[i] === 0x5c) {
      escaped = true;
      i++;
    }
    i++;
  }
  return escaped ? (JSON.parse(buf.toString("utf8", start, i + 1)) as string) : buf.toString("utf8", start + 1, i);
}
