// A decoded line of the export: routing fields at once; text, bytes and object on demand. A scanned
// line also keeps, in a store shared by the lines of its batch (no allocation per line), where the
// values of a few top-level fields lie, where their members begin and where the elements of those
// that are arrays lie, so a derived stream can read `custom_fields` or split `stories` without
// parsing the line or walking its bytes again, and the line can be re-assembled without some fields.
import type { ElementVisitor, ExportRecord } from "../core/record.js";
import { isWhitespace } from "../core/json-bytes.js";
import { DerivedRecord } from "../core/row-record.js";
import { ABSENT, NULL, OBJECT, REFERENCE_INTS, STRING, STRING_ESCAPED } from "./json-scan.js";

/** How many handed-out lines had their object made by the consumer. */
export interface ParseCount {
  parsed: number;
}

// The ints of a line in its store: flags, reference count, then per field FIELD_INTS, then the
// references (REFERENCE_INTS each, offsets from the line's first byte, as in `rawBytes`), then the
// elements of the fields that are arrays ([start, end) pairs, offsets into the chunk).
const FLAGS = 0;
const REFERENCES = 1;
export const LINE_HEAD_INTS = 2;
/** Per field: kind, value start, value end, member start (the key's quote), index of its first element pair in the store, element count. */
export const FIELD_INTS = 6;
/** A captured key occurred twice: the line cannot be trimmed from its spans. */
export const FLAG_REPEATED = 1;
/** The decode looked for references in the line. */
export const FLAG_REFERENCES = 2;

const NO_STORE = new Int32Array(0);

/** A line as decoded: its bytes stay a view of the decompressed chunk (chunks are never reused). */
export class ScannedLine implements ExportRecord {
  private parsedFields: Map<string, unknown> | undefined;
  private bytes: Uint8Array | undefined;

  constructor(
    private readonly count: ParseCount,
    readonly resourceType: string,
    readonly gid: string,
    readonly line: number,
    readonly offset: number,
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
    /** The fields whose spans the store holds (the decode's `fields`). */
    private readonly fields: readonly string[],
    private readonly store: Int32Array,
    private readonly at: number,
    private text: string | undefined,
    private value: Record<string, unknown> | undefined,
  ) {}

  /** A line taken by the JSON.parse path: its object is at hand, no spans. */
  static parsed(count: ParseCount, resourceType: string, gid: string, line: number, offset: number, buf: Buffer, start: number, end: number, raw: string, object: Record<string, unknown>): ScannedLine {
    return new ScannedLine(count, resourceType, gid, line, offset, buf, start, end, [], NO_STORE, 0, raw, object);
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
    return (this.bytes ??= this.buf.subarray(this.start, this.end));
  }

  rawLengthBound(): number {
    return this.end - this.start;
  }

  writeRaw(target: Buffer, at: number): number {
    return at + this.buf.copy(target, at, this.start, this.end);
  }

  /** Where field k's ints begin in the store, or -1 when the answer must come from the object. */
  private slot(field: string): number {
    if (this.value !== undefined) return -1;
    const k = this.fields.indexOf(field);
    return k === -1 ? -1 : this.at + LINE_HEAD_INTS + k * FIELD_INTS;
  }

  hasString(field: string): boolean {
    const f = this.slot(field);
    if (f === -1) return typeof this.object[field] === "string";
    const kind = this.store[f];
    return kind === STRING || kind === STRING_ESCAPED;
  }

  has(field: string): boolean {
    const f = this.slot(field);
    return f === -1 ? field in this.object : this.store[f] !== ABSENT;
  }

  field(name: string): unknown {
    const f = this.slot(name);
    if (f === -1) return this.object[name];
    const kind = this.store[f];
    if (kind === ABSENT) return undefined;
    if (kind === NULL) return null;
    const start = this.store[f + 1] ?? 0;
    const end = this.store[f + 2] ?? 0;
    if (kind === STRING) return this.buf.toString("utf8", start, end);
    if (kind === STRING_ESCAPED) return JSON.parse(this.buf.toString("utf8", start - 1, end + 1)) as string;
    this.parsedFields ??= new Map();
    if (this.parsedFields.has(name)) return this.parsedFields.get(name);
    const value: unknown = JSON.parse(this.buf.toString("utf8", start, end));
    this.parsedFields.set(name, value);
    return value;
  }

  fieldJson(name: string): string | undefined {
    const f = this.slot(name);
    if (f === -1) return undefined;
    const kind = this.store[f];
    if (kind === ABSENT) return "null";
    const quoted = kind === STRING || kind === STRING_ESCAPED ? 1 : 0;
    return this.buf.toString("utf8", (this.store[f + 1] ?? 0) - quoted, (this.store[f + 2] ?? 0) + quoted);
  }

  eachElement(name: string, visit: ElementVisitor): boolean {
    const f = this.slot(name);
    if (f === -1 || this.store[f] !== OBJECT || this.buf[this.store[f + 1] ?? 0] !== 0x5b) return false;
    const store = this.store;
    const from = store[f + 4] ?? 0;
    const to = from + (store[f + 5] ?? 0) * 2;
    for (let e = from; e < to; e += 2) visit(this.buf, store[e] ?? 0, store[e + 1] ?? 0);
    return true;
  }

  references(): Int32Array | undefined {
    if (((this.store[this.at + FLAGS] ?? 0) & FLAG_REFERENCES) === 0) return undefined;
    const from = this.at + LINE_HEAD_INTS + this.fields.length * FIELD_INTS;
    return this.store.subarray(from, from + (this.store[this.at + REFERENCES] ?? 0) * REFERENCE_INTS);
  }

  withoutFields(names: ReadonlySet<string>): ExportRecord | undefined {
    if (this.value !== undefined || this.store.length === 0 || ((this.store[this.at + FLAGS] ?? 0) & FLAG_REPEATED) !== 0) return undefined;
    // The members to cut, from their key's quote to the end of their value.
    const members: [number, number][] = [];
    for (const name of names) {
      const f = this.slot(name);
      if (f === -1) return undefined;
      const kind = this.store[f] ?? ABSENT;
      if (kind === ABSENT) continue;
      members.push([this.store[f + 3] ?? 0, (this.store[f + 2] ?? 0) + (kind === STRING || kind === STRING_ESCAPED ? 1 : 0)]);
    }
    return new TrimmedLine(this.count, this, this.buf, this.start, this.end, cutsOf(this.buf, members));
  }
}

/**
 * The byte ranges to leave out of a line to drop these members: runs of neighbouring members, each
 * with the comma after it (or, for a run that ends the object, the comma before it).
 */
function cutsOf(buf: Buffer, members: [number, number][]): Int32Array {
  members.sort((a, b) => a[0] - b[0]);
  const runs: [number, number][] = [];
  for (const [from, to] of members) {
    const last = runs.at(-1);
    if (last !== undefined && onlyComma(buf, last[1], from)) last[1] = to;
    else runs.push([from, to]);
  }
  const cuts = new Int32Array(runs.length * 2);
  runs.forEach(([from, to], r) => {
    let after = to;
    while (isWhitespace(buf[after] ?? 0)) after++;
    let before = from - 1;
    while (isWhitespace(buf[before] ?? 0)) before--;
    if (buf[after] === 0x2c) to = after + 1;
    else if (buf[before] === 0x2c) from = before;
    cuts[r * 2] = from;
    cuts[r * 2 + 1] = to;
  });
  return cuts;
}

/** Whether `buf[from, to)` is one comma and whitespace: the members around it are neighbours. */
function onlyComma(buf: Buffer, from: number, to: number): boolean {
  let commas = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i] ?? 0;
    if (c === 0x2c) commas++;
    else if (!isWhitespace(c)) return false;
  }
  return commas === 1;
}


/** A line without some of its members: the bytes around them, copied as they are when written. */
class TrimmedLine extends DerivedRecord {
  private bytes: Buffer | undefined;
  private value: Record<string, unknown> | undefined;
  private readonly length: number;
  private readonly lineGid: string;

  constructor(
    private readonly count: ParseCount,
    from: ScannedLine,
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
    private readonly cuts: Int32Array,
  ) {
    super(from);
    this.lineGid = from.gid;
    let length = end - start;
    for (let c = 0; c < cuts.length; c += 2) length -= (cuts[c + 1] ?? 0) - (cuts[c] ?? 0);
    this.length = length;
  }

  override get gid(): string {
    return this.lineGid;
  }

  rawLengthBound(): number {
    return this.length;
  }

  writeRaw(target: Buffer, at: number): number {
    let from = this.start;
    for (let c = 0; c < this.cuts.length; c += 2) {
      at += this.buf.copy(target, at, from, this.cuts[c]);
      from = this.cuts[c + 1] ?? 0;
    }
    return at + this.buf.copy(target, at, from, this.end);
  }

  get rawBytes(): Buffer {
    if (this.bytes === undefined) {
      this.bytes = Buffer.allocUnsafe(this.length);
      this.writeRaw(this.bytes, 0);
    }
    return this.bytes;
  }

  get raw(): string {
    return this.rawBytes.toString("utf8");
  }

  get object(): Record<string, unknown> {
    if (this.value === undefined) {
      this.value = JSON.parse(this.raw) as Record<string, unknown>;
      this.count.parsed++;
    }
    return this.value;
  }
}
