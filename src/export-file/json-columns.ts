// Named columns read out of a JSON object held as bytes (an element of a line's array, already
// validated by the line's scan) and written as JSON text, without parsing the object: a custom
// field value's typed columns, a membership's project and section. Each value is copied as exported
// (a string keeps its quotes and escapes), so a row costs byte copies, not a parse and a stringify.
import { BACKSLASH, LBRACE, LBRACKET, QUOTE } from "../core/json-bytes.js";
import { arrayElements } from "./json-bytes.js";
import { ABSENT, JsonObjectScanner, NULL, OBJECT, STRING, STRING_ESCAPED } from "./json-scan.js";

/** A column and where its value is in an element: `a`, `a.b` (null when `a` is no object) or `a[].b` (a list, [] when `a` is no array). */
export interface ColumnPath {
  readonly column: string;
  readonly path: string;
}

interface CompiledColumn {
  /** `,"column":` as UTF-8. */
  readonly prefix: Uint8Array;
  /** Index of the path's first key in the element scanner. */
  readonly head: number;
  /** The scanner of the second key, if the path has one. */
  readonly step: JsonObjectScanner | undefined;
  readonly list: boolean;
  /** A key column: a row whose value here is null identifies nothing and is not written. */
  readonly key: boolean;
}

const NULL_TEXT = Buffer.from("null");
const COMMA = 0x2c;
const RBRACKET = 0x5d;

/** Writes the columns of elements as `,"column":value` fragments of a row's JSON text. */
export class ColumnWriter {
  private readonly columns: CompiledColumn[];
  private readonly scanner: JsonObjectScanner;
  private readonly fixedBytes: number;
  /** When the writer has one column at a one-key path (a join row's gid, most often the element's first member). */
  private readonly lead: Lead | undefined;

  constructor(columns: readonly ColumnPath[], keyColumns: readonly string[] = []) {
    const heads: string[] = [];
    const steps = new Map<string, JsonObjectScanner>();
    this.columns = columns.map(({ column, path }) => {
      const list = path.includes("[].");
      const [first, second, ...rest] = list ? path.split("[].") : path.split(".");
      if (first === undefined || first === "" || rest.length > 0 || second === "" || (second !== undefined && second.includes("."))) {
        throw new Error(`column path '${path}' of ${column}: expected 'a', 'a.b' or 'a[].b'`);
      }
      if (!heads.includes(first)) heads.push(first);
      let step: JsonObjectScanner | undefined;
      if (second !== undefined) {
        step = steps.get(second);
        if (step === undefined) steps.set(second, (step = new JsonObjectScanner([second])));
      }
      return { prefix: Buffer.from(`,${JSON.stringify(column)}:`, "utf8"), head: heads.indexOf(first), step, list, key: keyColumns.includes(column) };
    });
    this.scanner = new JsonObjectScanner(heads);
    this.fixedBytes = this.columns.reduce((n, c) => n + c.prefix.length + NULL_TEXT.length, 0);
    const only = columns.length === 1 ? columns[0] : undefined;
    this.lead = only === undefined ? undefined : leadOf(only.path);
  }

  /** Room `write` may need for an element of `length` bytes (a list of non-objects writes `null` for each). */
  bound(length: number): number {
    return this.fixedBytes + this.columns.length * (2 + 3 * length);
  }

  /**
   * Write every column of the object `bytes[start, end)` into `target` from `at` (it has `bound`
   * bytes of room); returns the offset after them, or -1 when the element is no object or a key
   * column is null (then nothing it wrote counts).
   */
  write(bytes: Uint8Array, start: number, end: number, target: Uint8Array, at: number): number {
    const lead = this.lead;
    if (lead !== undefined) {
      const close = leadingString(lead, bytes, start, end);
      if (close >= 0) {
        const column = this.columns[0] as CompiledColumn;
        target.set(column.prefix, at);
        at += column.prefix.length;
        const from = start + lead.head.length - 1;
        target.set(bytes.subarray(from, close + 1), at);
        return at + close + 1 - from;
      }
    }
    const scanner = this.scanner;
    if (bytes[start] !== LBRACE || !scanner.scan(bytes, start, end)) return -1;
    for (const column of this.columns) {
      target.set(column.prefix, at);
      at += column.prefix.length;
      const kind = scanner.kinds[column.head] ?? ABSENT;
      const from = scanner.starts[column.head] ?? 0;
      const to = scanner.ends[column.head] ?? 0;
      const step = column.step;
      if (step === undefined) {
        const written = writeValue(bytes, kind, from, to, target, at);
        if (column.key && isNullAt(target, at, written)) return -1;
        at = written;
      } else if (column.list) {
        if (kind !== OBJECT || bytes[from] !== LBRACKET) {
          target[at++] = LBRACKET;
          target[at++] = RBRACKET;
          continue;
        }
        const items = arrayElements(bytes, from, to);
        target[at++] = LBRACKET;
        for (let i = 0; i < items.length; i += 2) {
          if (i > 0) target[at++] = COMMA;
          at = writeStep(bytes, items[i] ?? 0, items[i + 1] ?? 0, step, target, at);
        }
        target[at++] = RBRACKET;
      } else {
        const written = kind === OBJECT && bytes[from] === LBRACE ? writeStep(bytes, from, to, step, target, at) : writeNull(target, at);
        if (column.key && isNullAt(target, at, written)) return -1;
        at = written;
      }
    }
    return at;
  }
}

/** The value of the step's key in the object `bytes[start, end)` (null when it is no object or lacks it). */
function writeStep(bytes: Uint8Array, start: number, end: number, step: JsonObjectScanner, target: Uint8Array, at: number): number {
  if (bytes[start] !== LBRACE || !step.scan(bytes, start, end)) return writeNull(target, at);
  return writeValue(bytes, step.kinds[0] ?? ABSENT, step.starts[0] ?? 0, step.ends[0] ?? 0, target, at);
}

/** A scanned value as its JSON text: a string with its quotes, an absent one as null. */
function writeValue(bytes: Uint8Array, kind: number, start: number, end: number, target: Uint8Array, at: number): number {
  if (kind === ABSENT || kind === NULL) return writeNull(target, at);
  const quoted = kind === STRING || kind === STRING_ESCAPED ? 1 : 0;
  target.set(bytes.subarray(start - quoted, end + quoted), at);
  return at + end - start + 2 * quoted;
}

function writeNull(target: Uint8Array, at: number): number {
  target.set(NULL_TEXT, at);
  return at + NULL_TEXT.length;
}

function isNullAt(target: Uint8Array, from: number, to: number): boolean {
  return to - from === 4 && target[from] === 0x6e && target[from + 1] === 0x75 && target[from + 2] === 0x6c && target[from + 3] === 0x6c;
}

/** The JSON text of the value at one path of JSON objects held as bytes ("null" when absent), e.g. a membership's `section.gid`. */
export class PathReader {
  private readonly writer: ColumnWriter;
  private scratch = Buffer.allocUnsafe(256);
  /** Bytes of the `,"":` before the value. */
  private static readonly PREFIX = 4;

  /** A one-key path: an object whose first member is that key with a string value is read without a scan. */
  private readonly lead: Lead | undefined;

  constructor(path: string) {
    this.writer = new ColumnWriter([{ column: "", path }]);
    this.lead = leadOf(path);
  }

  /** The value's text in the object `bytes[start, end)`, or undefined when that is no object. */
  literal(bytes: Uint8Array, start = 0, end = bytes.length): string | undefined {
    const quick = this.leadingString(bytes, start, end);
    if (quick !== undefined) return quick;
    const room = this.writer.bound(end - start);
    if (this.scratch.length < room) this.scratch = Buffer.allocUnsafe(room);
    const written = this.writer.write(bytes, start, end, this.scratch, 0);
    return written < 0 ? undefined : this.scratch.toString("utf8", PathReader.PREFIX, written);
  }

  /** The common case: the key is the object's first member and its value a string without escapes (see leadingString). */
  private leadingString(bytes: Uint8Array, start: number, end: number): string | undefined {
    const lead = this.lead;
    if (lead === undefined) return undefined;
    const close = leadingString(lead, bytes, start, end);
    if (close < 0) return undefined;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8", start + lead.head.length - 1, close + 1);
  }
}

/** A one-key path's `{"key":"` (an object opening with that key and a string value) and its `"key"`. */
interface Lead {
  readonly head: Uint8Array;
  readonly key: Uint8Array;
}

function leadOf(path: string): Lead | undefined {
  if (!/^[^.[\]"\\]+$/.test(path)) return undefined;
  return { head: Buffer.from(`{${JSON.stringify(path)}:"`, "utf8"), key: Buffer.from(JSON.stringify(path), "utf8") };
}

/**
 * When the object `bytes[start, end)` (validated by the line's scan) opens with the lead's key and a
 * string value without escapes (`{"gid":"123",...`), and holds that key nowhere else: the index of
 * the value's closing quote; else -1 (then scan it). `"key"` found later, even inside a string or a
 * nested object, sends it to the scan: a repeated key's last value is the one JSON.parse keeps.
 */
function leadingString(lead: Lead, bytes: Uint8Array, start: number, end: number): number {
  const head = lead.head;
  if (end - start < head.length + 1) return -1;
  for (let k = 0; k < head.length; k++) if (bytes[start + k] !== head[k]) return -1;
  let close = -1;
  for (let i = start + head.length; i < end; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      close = i;
      break;
    }
    if (c === BACKSLASH) return -1;
  }
  if (close < 0) return -1;
  const key = lead.key;
  const last = end - key.length;
  for (let i = close + 1; i <= last; i++) {
    if (bytes[i] !== QUOTE) continue;
    let k = 1;
    while (k < key.length && bytes[i + k] === key[k]) k++;
    if (k === key.length) return -1;
  }
  return close;
}
