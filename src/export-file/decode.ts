// gzip bytes -> lines -> validated export objects of the wanted types. This is the hot path of
// every sync: each line is validated by a scan of its bytes that also finds gid, resource_type and
// where the values of a few top-level fields lie (json-scan.ts); its text, bytes and object are made
// only when a sink asks for them. Dedupe and routing to streams are the sync's (src/sync/route.ts).
import { isUtf8 } from "node:buffer";
import { codeForReason, ExportLineError, type InvalidLineReason } from "./errors.js";
import { gunzipChunks } from "./gunzip.js";
import type { ExportRecord } from "../core/record.js";
import { FIELD_INTS, FLAG_REFERENCES, FLAG_REPEATED, LINE_HEAD_INTS, ScannedLine, type ParseCount } from "./export-line.js";
import { JsonObjectScanner, REFERENCE_INTS, REF_END, REF_GID_END, REF_GID_ESCAPED, REF_GID_START, REF_START, REF_TYPE, STRING, STRING_ESCAPED } from "./json-scan.js";
import { LineSplitter } from "./lines.js";
import { firstInvalidUtf8 } from "../core/utf8.js";

/** Options of decodeExport. */
export interface DecodeOptions {
  /** What to do with an unusable line: stop with an ExportLineError (default) or count and skip it. */
  onInvalidLine?: "fail" | "skip";
  /** Resource types to yield; others are counted in `stats.unwantedTypes`. All types when absent. */
  wantedTypes?: ReadonlySet<string>;
  /** Longest accepted line in bytes (default 256 MB); a longer one is always an error. */
  maxLineBytes?: number;
  /**
   * Top-level fields whose presence, kind and value each scanned line keeps, so that `hasString`,
   * `has`, `field`, `eachElement` and `withoutFields` answer them without parsing the line (at most 30).
   */
  fields?: readonly string[];
  /** Resource types whose objects nested anywhere in a line the scan finds (`references()` of a line), indexed in this order. */
  referenceTypes?: readonly string[];
}

/** Counters of one decode, complete once the iteration ends. */
export interface DecodeStats {
  compressedBytes: number;
  uncompressedBytes: number;
  /** Lines seen, blank ones included. */
  lines: number;
  blankLines: number;
  /** Objects yielded. */
  records: number;
  /** Lines skipped in "skip" mode, by reason. */
  invalid: Record<InvalidLineReason, number>;
  /** The first skipped line, so a warning can point at it. */
  firstInvalid: { line: number; offset: number; reason: InvalidLineReason } | undefined;
  /** Lines of resource types not in `wantedTypes`, by type. */
  unwantedTypes: Map<string, number>;
}

/** A single-use async iterable of batches of lines, with its counters. */
export interface ExportDecode extends AsyncIterable<ExportRecord[]> {
  readonly stats: DecodeStats;
}

/** A fresh, zeroed DecodeStats. */
export function emptyDecodeStats(): DecodeStats {
  return {
    compressedBytes: 0,
    uncompressedBytes: 0,
    lines: 0,
    blankLines: 0,
    records: 0,
    invalid: { not_utf8: 0, malformed_json: 0, not_object: 0, missing_gid: 0, missing_resource_type: 0 },
    firstInvalid: undefined,
    unwantedTypes: new Map(),
  };
}

/** Decode a gzip-compressed export file, yielding batches of objects (one batch per decompressed chunk). */
export function decodeExport(source: AsyncIterable<Buffer>, options: DecodeOptions = {}): ExportDecode {
  const stats = emptyDecodeStats();
  const lines = decodeLines(gunzipChunks(source, stats), options, stats);
  return { stats, [Symbol.asyncIterator]: () => lines };
}

/** Decode already-decompressed JSON Lines chunks (the stage after gunzip). */
export async function* decodeLines(
  chunks: AsyncIterable<Buffer>,
  options: DecodeOptions = {},
  stats: DecodeStats = emptyDecodeStats(),
): AsyncGenerator<ExportRecord[], void, undefined> {
  const splitter = new LineSplitter(options.maxLineBytes);
  const decoder = new LineDecoder(options, stats);
  for await (const chunk of chunks) {
    decoder.validate(chunk);
    splitter.push(chunk, decoder.onLine);
    stats.lines = splitter.lineCount;
    stats.blankLines = splitter.blankLines + decoder.blankLines;
    if (decoder.batch.length > 0) yield decoder.take();
  }
  splitter.end(decoder.onLine);
  stats.lines = splitter.lineCount;
  stats.blankLines = splitter.blankLines + decoder.blankLines;
  if (decoder.batch.length > 0) yield decoder.take();
}

const GID = 0;
const RESOURCE_TYPE = 1;
/** Ints of one block of the span store (256 KB): the spans of a few hundred lines. */
const STORE_INTS = 1 << 16;

class LineDecoder {
  batch: ExportRecord[] = [];
  /** Whitespace-only lines, found on the (rare) JSON error path rather than checked on every line. */
  blankLines = 0;
  /** The chunk whose whole lines `[validStart, validEnd)` are known to be valid UTF-8. */
  private valid: Buffer | undefined;
  private validStart = 0;
  private validEnd = 0;
  private readonly skip: boolean;
  private readonly wanted: ReadonlySet<string> | undefined;
  private readonly fields: readonly string[];
  /** The scanner's key index of each of `fields`. */
  private readonly fieldKeys: Int32Array;
  private readonly scanner: JsonObjectScanner;
  private readonly count: ParseCount = { parsed: 0 };
  private readonly references: boolean;
  /** Where lines keep their spans: a block shared by many lines, a new one when it is full. */
  private store = new Int32Array(0);
  private storeAt = 0;
  private handedOut = 0;
  /** Parse every line instead of scanning it (see take). */
  private eager = false;

  constructor(
    options: DecodeOptions,
    private readonly stats: DecodeStats,
  ) {
    this.skip = options.onInvalidLine === "skip";
    this.wanted = options.wantedTypes;
    this.fields = [...new Set(options.fields ?? [])].slice(0, 30);
    const keys = [...new Set(["gid", "resource_type", ...this.fields])];
    this.scanner = new JsonObjectScanner(keys, options.referenceTypes ?? []);
    this.references = (options.referenceTypes ?? []).length > 0;
    this.fieldKeys = Int32Array.from(this.fields, (field) => keys.indexOf(field));
  }

  take(): ExportRecord[] {
    // A consumer that made the object of every line of the last batch (a Parquet writer) would pay
    // for the scan and then the parse: from then on, parse at once (JSON.parse validates too).
    if (!this.eager && this.handedOut > 0 && this.count.parsed >= this.handedOut) this.eager = true;
    this.count.parsed = 0;
    const out = this.batch;
    this.batch = [];
    this.handedOut = out.length;
    return out;
  }

  /**
   * Check the lines that lie wholly inside `chunk` with one native call, about ten times cheaper
   * than a call per line; the chunk's first and last (possibly partial) lines are checked alone.
   */
  validate(chunk: Buffer): void {
    const first = chunk.indexOf(10);
    const last = first === -1 ? -1 : chunk.lastIndexOf(10);
    if (last > first + 1 && isUtf8(chunk.subarray(first + 1, last))) {
      this.valid = chunk;
      this.validStart = first + 1;
      this.validEnd = last;
    } else this.valid = undefined;
  }

  readonly onLine = (buf: Buffer, start: number, end: number, line: number, offset: number): void => {
    const known = buf === this.valid && start >= this.validStart && end <= this.validEnd;
    if (!known && !isUtf8(buf.subarray(start, end))) {
      const bad = firstInvalidUtf8(buf, start, end);
      const at = bad === -1 ? "" : ` (the first bad byte is at offset ${offset + bad - start})`;
      this.invalid("not_utf8", line, offset, `contains bytes that are not valid UTF-8${at}`);
      return;
    }
    // A byte-order mark may open the file; it is not JSON, so it would fail every parser.
    const bom = offset === 0 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf;
    const from = bom ? start + 3 : start;
    const scanner = this.scanner;
    if (!this.eager && scanner.scan(buf, from, end)) {
      const gid = this.text(buf, GID);
      const resourceType = this.text(buf, RESOURCE_TYPE);
      // An object without a usable gid or resource_type takes the parse path, which names the problem.
      if (gid !== "" && resourceType !== "") {
        const at = this.keepSpans(from);
        this.accept(new ScannedLine(this.count, resourceType, gid, line, offset, buf, from, end, this.fields, this.store, at, undefined, undefined));
        return;
      }
    }
    this.parseLine(buf, start, end, from, line, offset);
  };

  /**
   * Copy where the last scanned line's `fields` (their elements, its references) lie out of the
   * reused scanner into the store (export-line.ts has the layout); returns where they begin.
   */
  private keepSpans(lineStart: number): number {
    const scanner = this.scanner;
    const { kinds, starts, ends, keyStarts, elementFrom, elementTo } = scanner;
    const fieldCount = this.fieldKeys.length;
    let elementPairs = 0;
    for (let k = 0; k < fieldCount; k++) {
      const key = this.fieldKeys[k] ?? 0;
      elementPairs += (elementTo[key] ?? 0) - (elementFrom[key] ?? 0);
    }
    const referenceInts = this.references ? scanner.referenceCount * REFERENCE_INTS : 0;
    const size = LINE_HEAD_INTS + fieldCount * FIELD_INTS + referenceInts + elementPairs * 2;
    if (this.storeAt + size > this.store.length) {
      this.store = new Int32Array(Math.max(STORE_INTS, size));
      this.storeAt = 0;
    }
    const store = this.store;
    const at = this.storeAt;
    this.storeAt += size;
    store[at] = (scanner.repeated ? FLAG_REPEATED : 0) | (this.references ? FLAG_REFERENCES : 0);
    store[at + 1] = scanner.referenceCount;
    let element = at + LINE_HEAD_INTS + fieldCount * FIELD_INTS + referenceInts;
    const elements = scanner.elements;
    for (let k = 0; k < fieldCount; k++) {
      const key = this.fieldKeys[k] ?? 0;
      const f = at + LINE_HEAD_INTS + k * FIELD_INTS;
      store[f] = kinds[key] ?? 0;
      store[f + 1] = starts[key] ?? 0;
      store[f + 2] = ends[key] ?? 0;
      store[f + 3] = keyStarts[key] ?? 0;
      const first = (elementFrom[key] ?? 0) * 2;
      const last = (elementTo[key] ?? 0) * 2;
      store[f + 4] = element;
      store[f + 5] = (last - first) / 2;
      for (let e = first; e < last; e++) store[element++] = elements[e] ?? 0;
    }
    if (referenceInts > 0) {
      // Offsets from the line's first byte (its `rawBytes`): every int but the flag and the type.
      const found = scanner.references;
      let r = at + LINE_HEAD_INTS + fieldCount * FIELD_INTS;
      for (let i = 0; i < referenceInts; i += REFERENCE_INTS, r += REFERENCE_INTS) {
        store[r + REF_START] = (found[i + REF_START] ?? 0) - lineStart;
        store[r + REF_END] = (found[i + REF_END] ?? 0) - lineStart;
        store[r + REF_GID_START] = (found[i + REF_GID_START] ?? 0) - lineStart;
        store[r + REF_GID_END] = (found[i + REF_GID_END] ?? 0) - lineStart;
        store[r + REF_GID_ESCAPED] = found[i + REF_GID_ESCAPED] ?? 0;
        store[r + REF_TYPE] = found[i + REF_TYPE] ?? 0;
      }
    }
    return at;
  }

  /** The string value of captured key k, or "" when it is not a string. */
  private text(buf: Buffer, k: number): string {
    const kind = this.scanner.kinds[k];
    const start = this.scanner.starts[k] ?? 0;
    const end = this.scanner.ends[k] ?? 0;
    if (kind === STRING) return buf.toString("utf8", start, end);
    if (kind === STRING_ESCAPED) return JSON.parse(buf.toString("utf8", start - 1, end + 1)) as string;
    return "";
  }

  /** The JSON.parse path: lines the scan did not accept, so that every error reads as before. */
  private parseLine(buf: Buffer, start: number, end: number, from: number, line: number, offset: number): void {
    const raw = buf.toString("utf8", from, end);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      if (buf.toString("utf8", start, end).trim() === "") {
        this.blankLines++;
        return;
      }
      this.invalid("malformed_json", line, offset, `is not valid JSON (${describeJsonError(err)})`);
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
      this.invalid("not_object", line, offset, `is ${kind}, not a JSON object`);
      return;
    }
    const object = value as Record<string, unknown>;
    const gid = object.gid;
    if (typeof gid !== "string" || gid === "") {
      this.invalid("missing_gid", line, offset, `has ${describeField("gid", gid)}`);
      return;
    }
    const resourceType = object.resource_type;
    if (typeof resourceType !== "string" || resourceType === "") {
      this.invalid("missing_resource_type", line, offset, `has ${describeField("resource_type", resourceType)}`);
      return;
    }
    this.accept(ScannedLine.parsed(this.count, resourceType, gid, line, offset, buf, from, end, raw, object));
  }

  private accept(decoded: ScannedLine): void {
    const { resourceType } = decoded;
    if (this.wanted !== undefined && !this.wanted.has(resourceType)) {
      bump(this.stats.unwantedTypes, resourceType);
      return;
    }
    this.stats.records++;
    this.batch.push(decoded);
  }

  private invalid(reason: InvalidLineReason, line: number, offset: number, what: string): void {
    if (this.skip) {
      this.stats.invalid[reason]++;
      this.stats.firstInvalid ??= { line, offset, reason };
      return;
    }
    throw new ExportLineError(
      `Export file line ${line} (byte offset ${offset} of the uncompressed file) ${what}. ` +
        `Every line must be a JSON object with string "gid" and "resource_type". The export is damaged: the state ` +
        `no longer records this export job, so the next run starts a new export; or set on_invalid_record to ` +
        `"skip" to skip such lines.`,
      codeForReason(reason),
      { line, offset, reason },
    );
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function describeField(name: string, value: unknown): string {
  if (value === undefined) return `no "${name}"`;
  if (value === "") return `an empty "${name}"`;
  return `a "${name}" that is ${value === null ? "null" : `a ${typeof value}`}, not a string`;
}

/** V8's JSON error text without the excerpt of the line it quotes (export data stays out of logs). */
function describeJsonError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const position = /at position (\d+)/.exec(message);
  const head = message.split(', "')[0]?.split(" in JSON")[0] ?? "syntax error";
  return position?.[1] === undefined ? head : `${head} at character ${Number(position[1]) + 1} of the line`;
}
