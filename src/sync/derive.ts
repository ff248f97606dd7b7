// The records one line gives a stream, compiled from the stream's source declaration
// (src/streams/sources.ts): the line itself (a resource), one row per element of an array field
// (children, pairs), or the distinct references it holds (collected over the whole export and
// handed out at its end, once each).
import type { ExportRecord } from "../core/record.js";
import { ColumnWriter, PathReader } from "../export-file/json-columns.js";
import { ABSENT, JsonObjectScanner, NULL as NULL_KIND, REFERENCE_INTS, REF_END, REF_GID_END, REF_GID_ESCAPED, REF_GID_START, REF_START, REF_TYPE } from "../export-file/json-scan.js";
import { GidSet } from "../export-file/gid-set.js";
import { normalizeSelection } from "../streams/index.js";
import { BytesRecord, RowRecord, SplicedRecord, type Origin } from "./derived-records.js";
import type { SelectedStream } from "./plan.js";

/** Hands a stream's record on. */
export type Emit = (stream: string, record: ExportRecord) => void;

/** What one stream takes from the lines of one type. */
export interface Deriver {
  readonly stream: string;
  /** Top-level fields of the parent this deriver reads through `field` or `elementBytes`. */
  readonly fields: readonly string[];
  derive(line: ExportRecord, emit: Emit): void;
  /** The end of the export: hand out what was collected (references). */
  finish?(emit: Emit): void;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A dotted path of keys as a function of a value (undefined when a step is missing). */
function compileSteps(path: string): (value: unknown) => unknown {
  const steps = path.split(".");
  const [a, b] = steps;
  // The paths of the declarations have one or two steps: no loop for them (a row is built per element).
  if (steps.length === 1 && a !== undefined) return (v) => (isObject(v) ? v[a] : undefined);
  if (steps.length === 2 && a !== undefined && b !== undefined) {
    return (v) => {
      const inner = isObject(v) ? v[a] : undefined;
      return isObject(inner) ? inner[b] : undefined;
    };
  }
  return (v) => {
    let value = v;
    for (const key of steps) value = isObject(value) ? value[key] : undefined;
    return value;
  };
}

/** An element path (`enum_value.gid`, `multi_enum_values[].gid`) as a function of the element. */
function compilePath(path: string): (element: Json) => unknown {
  const [head, tail] = path.split("[].", 2) as [string, string | undefined];
  const at = compileSteps(head);
  if (tail === undefined) return (element) => at(element) ?? null;
  const inner = compileSteps(tail);
  return (element) => {
    const list = at(element);
    return Array.isArray(list) ? list.map((item) => inner(item) ?? null) : [];
  };
}

/** The selected columns of a stream, in schema order. */
function columnsOf(stream: SelectedStream): string[] {
  return normalizeSelection(stream.definition, stream.columns);
}

function resourceDeriver(stream: SelectedStream, extraFields: ReadonlySet<string>): Deriver {
  const name = stream.definition.name;
  if (extraFields.size === 0) return { stream: name, fields: [], derive: (line, emit) => emit(name, line) };
  return {
    stream: name,
    fields: [],
    derive(line, emit) {
      // The line carries fields asked for other streams: hand on the stream's own fields only.
      const trimmed = line.withoutFields(extraFields);
      if (trimmed !== undefined) return emit(name, trimmed);
      const own: Json = {};
      for (const [k, v] of Object.entries(line.object)) if (!extraFields.has(k)) own[k] = v;
      emit(name, new RowRecord(own, line));
    },
  };
}

/** The parent values a row's head can hold. */
type ParentValue = "gid" | "resource_type" | "modified_at";

/** The parent's columns of a child row, as column name and the parent value it holds. */
function parentColumnsOf(stream: SelectedStream): [string, ParentValue][] {
  const source = stream.definition.source;
  if (source.kind === "pairs") return [[source.parentKey, "gid"]];
  if (source.kind !== "children") return [];
  const out: [string, ParentValue][] = [[source.parentColumns.gid, "gid"]];
  if (source.parentColumns.resourceType !== undefined) out.push([source.parentColumns.resourceType, "resource_type"]);
  if (source.parentColumns.modifiedAt !== undefined) out.push([source.parentColumns.modifiedAt, "modified_at"]);
  return out;
}

/** A child row's parent columns, by their column names, for a row made as an object. */
function parentValues(columns: readonly (readonly [string, ParentValue])[], line: ExportRecord): Json {
  const out: Json = {};
  for (const [column, value] of columns) out[column] = value === "gid" ? line.gid : value === "resource_type" ? line.resourceType : (line.field("modified_at") ?? null);
  return out;
}

/** Stories, attachments: each element's own fields after the parent's columns. */
function elementDeriver(stream: SelectedStream, field: string, shared: DeriveContext): Deriver {
  const definition = stream.definition;
  const name = definition.name;
  const columns = columnsOf(stream);
  // With every column selected, an element is spliced as exported; else it is cut to the selection.
  const all = stream.columns === undefined || Object.keys(definition.schema.properties).every((c) => columns.includes(c));
  const keep = new Set(columns);
  const parentColumns = parentColumnsOf(stream);
  const heads = shared.heads(parentColumns);
  // The line being read, for the visitor (set by derive, so that no closure is made per line).
  let current: ExportRecord | undefined;
  let out: Emit | undefined;
  let head: Buffer | undefined;
  const visit = (bytes: Buffer, start: number, end: number): void => {
    if (bytes[start] !== 0x7b || current === undefined || out === undefined) return;
    head ??= heads.head(current, shared);
    out(name, new SplicedRecord(head, bytes, start, end, current));
  };
  return {
    stream: name,
    fields: [field, "modified_at"],
    derive(line, emit) {
      current = line;
      out = emit;
      head = undefined;
      const spliced = all && line.eachElement(field, visit);
      current = out = head = undefined;
      if (spliced) return;
      const elements = line.field(field);
      if (!Array.isArray(elements)) return;
      const parent = parentValues(parentColumns, line);
      for (const element of elements) {
        if (!isObject(element)) continue;
        const row: Json = { ...parent };
        for (const [k, v] of Object.entries(element)) if (all || keep.has(k)) row[k] = v;
        emit(name, new RowRecord(row, line));
      }
    },
  };
}

function hasKey(row: Json, key: readonly string[]): boolean {
  for (const column of key) if (row[column] === null || row[column] === undefined) return false;
  return true;
}

/** Where rows made from bytes are written: a shared buffer, a new one when it is full (the old one stays with its rows). */
class Arena {
  buf = Buffer.allocUnsafe(0);
  at = 0;

  /** Make sure `bytes` bytes of room follow `at`. */
  room(bytes: number): void {
    if (this.buf.length - this.at >= bytes) return;
    this.buf = Buffer.allocUnsafe(Math.max(ARENA_BYTES, bytes));
    this.at = 0;
  }

  /** The bytes from `at` to `end`, which now belong to a row. */
  take(end: number): Buffer {
    const row = this.buf.subarray(this.at, end);
    this.at = end;
    return row;
  }
}

/**
 * The head of the rows one line gives a child stream (`{"task_gid":"1","task_modified_at":"..."`,
 * no closing brace), written once per line and shared by the streams whose rows start alike (stories
 * and attachments, the task join tables).
 */
class HeadWriter {
  private readonly prefixes: string[];
  private lastLine: ExportRecord | undefined;
  private last: Buffer | undefined;

  constructor(private readonly columns: readonly (readonly [string, ParentValue])[]) {
    this.prefixes = columns.map(([column], i) => `${i === 0 ? "{" : ","}${JSON.stringify(column)}:`);
  }

  head(line: ExportRecord, shared: DeriveContext): Buffer {
    if (line === this.lastLine && this.last !== undefined) return this.last;
    let text = "";
    for (let c = 0; c < this.columns.length; c++) text += (this.prefixes[c] ?? "") + shared.parentJson(line, this.columns[c]?.[1] ?? "gid");
    const arena = shared.arena;
    arena.room(text.length * 3);
    const head = arena.take(arena.at + arena.buf.write(text, arena.at, "utf8"));
    this.lastLine = line;
    this.last = head;
    return head;
  }
}

const ARENA_BYTES = 1 << 20;
const RBRACE = 0x7d;

/**
 * Custom field values, join rows: the parent's columns, then named columns from each element. From a
 * scanned line, each row's JSON text is put together from the element's bytes (each value's text as
 * exported, see json-columns.ts); from a parsed one, it is an object like any row.
 */
function columnsDeriver(stream: SelectedStream, field: string, shared: DeriveContext, map: Readonly<Record<string, string>>): Deriver {
  const definition = stream.definition;
  const name = definition.name;
  const selected = new Set(columnsOf(stream));
  const chosen = Object.entries(map).filter(([column]) => selected.has(column));
  const paths = chosen.map(([column, path]) => [column, compilePath(path)] as const);
  const writer = new ColumnWriter(
    chosen.map(([column, path]) => ({ column, path })),
    definition.primaryKey,
  );
  const keyColumns = definition.primaryKey;
  const parentColumns = parentColumnsOf(stream);
  const heads = shared.heads(parentColumns);
  const arena = shared.arena;
  let current: ExportRecord | undefined;
  let out: Emit | undefined;
  let head: Buffer | undefined;
  const visit = (bytes: Buffer, start: number, end: number): void => {
    if (current === undefined || out === undefined) return;
    head ??= heads.head(current, shared);
    arena.room(head.length + writer.bound(end - start) + 1);
    const target = arena.buf;
    const at = arena.at + head.copy(target, arena.at);
    const rowEnd = writer.write(bytes, start, end, target, at);
    // No object, or a row without its whole key (a membership without a project): no row.
    if (rowEnd < 0) return;
    target[rowEnd] = RBRACE;
    const rowStart = arena.at;
    arena.at = rowEnd + 1;
    out(name, new BytesRecord(target, rowStart, rowEnd + 1, current));
  };
  return {
    stream: name,
    fields: [field, "modified_at"],
    derive(line, emit) {
      current = line;
      out = emit;
      head = undefined;
      const written = line.eachElement(field, visit);
      current = out = head = undefined;
      if (written) return;
      const elements = line.field(field);
      if (!Array.isArray(elements)) return;
      const parent = parentValues(parentColumns, line);
      for (const element of elements) {
        if (!isObject(element)) continue;
        const row: Json = { ...parent };
        for (const [column, at] of paths) row[column] = at(element);
        if (!hasKey(row, keyColumns)) continue;
        emit(name, new RowRecord(row, line));
      }
    },
  };
}

/** Distinct objects, collected over the export and handed out at its end. */
class ReferenceCollector {
  private readonly rows = new Map<string, Json>();
  /** Gids whose row still lacks one of `columns` (a user first seen as `{gid, resource_type}`). */
  private readonly incomplete = new Set<string>();
  /** For an incomplete gid: the bytes of its last sight that added nothing. */
  private readonly lastSight = new Map<string, Buffer>();
  /** Gids whose row has every column: a sight of one is passed over from its bytes, no string made. */
  private readonly complete = new GidSet();
  /** Counts the columns a sight's bytes give (present and not null), to tell whether parsing it can add one. */
  private readonly counter: JsonObjectScanner;

  constructor(
    readonly stream: string,
    private readonly columns: readonly string[],
  ) {
    this.counter = new JsonObjectScanner(columns);
  }

  /** Whether the gid written `bytes[start, end)` (no escapes) has its row complete: no sight of it can add anything. */
  completeDigits(bytes: Uint8Array, start: number, end: number): boolean {
    return this.complete.hasDigits(bytes, start, end);
  }

  /** Whether a sight of this gid can still add something. */
  wants(gid: string): boolean {
    return !this.rows.has(gid) || this.incomplete.has(gid);
  }

  /**
   * Whether the object `bytes[start, end)`, a sight of a wanted gid, has a value (not null) for a
   * column its row still lacks: a custom field whose description is null is seen with that null on
   * every task, and need not be parsed each time.
   */
  improves(gid: string, bytes: Uint8Array, start: number, end: number): boolean {
    if (!this.incomplete.has(gid)) return !this.rows.has(gid);
    const sight = bytes.subarray(start, end);
    const last = this.lastSight.get(gid);
    if (last !== undefined && Buffer.compare(last, sight) === 0) return false;
    if (!this.counter.scan(bytes, start, end)) return true;
    const row = this.rows.get(gid) ?? {};
    for (let k = 0; k < this.columns.length; k++) {
      const kind = this.counter.kinds[k] ?? ABSENT;
      const column = this.columns[k] ?? "";
      // A column it has that the row lacks (a sight with fewer columns may still add one).
      if (kind !== ABSENT && kind !== NULL_KIND && (row[column] === undefined || row[column] === null)) return true;
    }
    // The same object seen again (on the next task) is then told apart by a byte compare, not a scan.
    this.lastSight.set(gid, Buffer.from(sight));
    return false;
  }

  /** The first sight of a gid makes its row; a later one only fills columns still missing or null. */
  add(gid: string, row: () => Json): void {
    const known = this.rows.get(gid);
    if (known === undefined) {
      const made = row();
      this.rows.set(gid, made);
      this.noteFilled(gid, made);
      return;
    }
    if (!this.incomplete.has(gid)) return;
    for (const [k, v] of Object.entries(row())) if ((known[k] === undefined || known[k] === null) && v !== undefined && v !== null) known[k] = v;
    this.noteFilled(gid, known);
  }

  private noteFilled(gid: string, row: Json): void {
    let filled = 0;
    for (const c of this.columns) if (row[c] !== undefined && row[c] !== null) filled++;
    if (filled < this.columns.length) this.incomplete.add(gid);
    else {
      this.incomplete.delete(gid);
      this.lastSight.delete(gid);
      this.complete.add(gid);
    }
  }

  finish(emit: Emit): void {
    const from: Origin = { resourceType: "", line: 0, offset: 0 };
    for (const row of this.rows.values()) emit(this.stream, new RowRecord(row, from));
    this.rows.clear();
    this.incomplete.clear();
    this.lastSight.clear();
  }
}

/** A gid from its JSON text at a path: a string, or undefined (absent, null, not a string). */
function gidOf(literal: string | undefined): string | undefined {
  if (literal === undefined || literal.charCodeAt(0) !== 0x22) return undefined;
  const gid = literal.includes("\\") ? (JSON.parse(literal) as string) : literal.slice(1, -1);
  return gid === "" ? undefined : gid;
}

/** The object the bytes `bytes[start, end)` of an element hold ({} when they hold something else). */
function parseBytes(bytes: Buffer, start: number, end: number): Json {
  const value: unknown = JSON.parse(bytes.toString("utf8", start, end));
  return isObject(value) ? value : {};
}

function pick(object: Json, columns: ReadonlySet<string>, omit: ReadonlySet<string>): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(object)) if (columns.has(k) && !omit.has(k)) out[k] = v;
  return out;
}

/** Custom field definitions: the objects at the declared paths of each line, without their values. */
function pathReferencesDeriver(stream: SelectedStream): Deriver {
  const source = stream.definition.source;
  if (source.kind !== "references") throw new Error("not a references source");
  const byType = source.parents as Readonly<Record<string, readonly string[] | undefined>>;
  const fields = [...new Set(Object.values(byType).flatMap((f) => f ?? []))];
  const selected = new Set(columnsOf(stream));
  const omit = new Set(source.omit ?? []);
  const collector = new ReferenceCollector(stream.definition.name, [...selected].filter((c) => !omit.has(c)));
  const gidReader = new PathReader("gid");
  const visit = (bytes: Buffer, start: number, end: number): void => {
    const gid = gidOf(gidReader.literal(bytes, start, end));
    if (gid !== undefined && collector.wants(gid) && collector.improves(gid, bytes, start, end)) {
      collector.add(gid, () => pick(parseBytes(bytes, start, end), selected, omit));
    }
  };
  return {
    stream: collector.stream,
    fields,
    derive(line) {
      for (const field of byType[line.resourceType] ?? []) {
        // From a scanned line, an element is parsed only when its gid is new.
        if (line.eachElement(field, visit)) continue;
        const value = line.field(field);
        for (const item of Array.isArray(value) ? value : [value]) {
          if (isObject(item) && typeof item.gid === "string" && item.gid !== "" && collector.wants(item.gid)) collector.add(item.gid, () => pick(item, selected, omit));
        }
      }
    },
    finish: (emit) => collector.finish(emit),
  };
}

/**
 * What the derivers of one export job share: the reference types the reference streams want, found
 * in one pass over each line (the decode's scan, or one scan here for a line that did not have it).
 */
export class DeriveContext {
  /** Where the rows made from bytes are written. */
  readonly arena = new Arena();
  private readonly headWriters = new Map<string, HeadWriter>();
  private parentLine: ExportRecord | undefined;
  private readonly parentTexts = new Map<ParentValue, string>();
  private readonly types: string[] = [];
  private scanner: JsonObjectScanner | undefined;
  private lastLine: ExportRecord | undefined;
  private found: Int32Array = new Int32Array(0);

  /** The writer of row heads with these parent columns (one per distinct list, shared by the streams that have it). */
  heads(columns: readonly (readonly [string, ParentValue])[]): HeadWriter {
    const key = JSON.stringify(columns);
    let writer = this.headWriters.get(key);
    if (writer === undefined) this.headWriters.set(key, (writer = new HeadWriter(columns)));
    return writer;
  }

  /** A parent value of a line as JSON text (its text as exported, when the line has it at hand). */
  parentJson(line: ExportRecord, value: ParentValue): string {
    if (line !== this.parentLine) {
      this.parentLine = line;
      this.parentTexts.clear();
    }
    let text = this.parentTexts.get(value);
    if (text === undefined) {
      if (value === "gid") text = JSON.stringify(line.gid);
      else if (value === "resource_type") text = JSON.stringify(line.resourceType);
      else text = line.fieldJson("modified_at") ?? JSON.stringify(line.field("modified_at") ?? null);
      this.parentTexts.set(value, text);
    }
    return text;
  }

  /** Register a wanted reference type; returns the index its references are found under. */
  want(type: string): number {
    const known = this.types.indexOf(type);
    if (known >= 0) return known;
    this.scanner = undefined;
    return this.types.push(type) - 1;
  }

  /** The wanted types, in index order (what the decode's scan must look for). */
  get referenceTypes(): readonly string[] {
    return this.types;
  }

  /** The references of every wanted type in a line (json-scan.ts `references`: offsets into its `rawBytes`). */
  references(line: ExportRecord): Int32Array {
    if (line !== this.lastLine) {
      this.lastLine = line;
      const scanned = line.references();
      if (scanned !== undefined) this.found = scanned;
      else {
        const scanner = (this.scanner ??= new JsonObjectScanner([], this.types));
        const bytes = line.rawBytes;
        this.found = scanner.scan(bytes, 0, bytes.length) ? scanner.references.slice(0, scanner.referenceCount * REFERENCE_INTS) : new Int32Array(0);
      }
    }
    return this.found;
  }
}

/** Users, projects, sections, tags: every compact reference of the type nested anywhere in a line. */
function anywhereReferencesDeriver(stream: SelectedStream, shared: DeriveContext): Deriver {
  const source = stream.definition.source;
  if (source.kind !== "references") throw new Error("not a references source");
  const selected = new Set(columnsOf(stream));
  const omit = new Set<string>();
  const typeIndex = shared.want(source.referenceType);
  const context = Object.entries(source.context ?? {})
    .filter(([column]) => selected.has(column))
    .map(([column, c]) => ({ column, field: c.field, matchReader: new PathReader(c.match), match: compilePath(c.match), value: compilePath(c.value) }));
  const collector = new ReferenceCollector(stream.definition.name, [...selected]);
  const contextFields = context.map((c) => c.field);
  return {
    stream: collector.stream,
    fields: contextFields,
    derive(line) {
      const found = shared.references(line);
      let bytes: Uint8Array | undefined;
      let buf: Buffer | undefined;
      for (let r = 0; r < found.length; r += REFERENCE_INTS) {
        if (found[r + REF_TYPE] !== typeIndex) continue;
        bytes ??= line.rawBytes;
        const gidStart = found[r + REF_GID_START] ?? 0;
        const gidEnd = found[r + REF_GID_END] ?? 0;
        // Most sights are of a gid whose row is complete: told from the bytes, without making the string.
        if (found[r + REF_GID_ESCAPED] === 0 && collector.completeDigits(bytes, gidStart, gidEnd)) continue;
        buf ??= Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
        const gid = found[r + REF_GID_ESCAPED] === 1 ? (JSON.parse(buf.toString("utf8", gidStart - 1, gidEnd + 1)) as string) : buf.toString("utf8", gidStart, gidEnd);
        if (gid === "" || !collector.wants(gid)) continue;
        const start = found[r + REF_START] ?? 0;
        const end = found[r + REF_END] ?? 0;
        if (!collector.improves(gid, buf, start, end)) continue;
        const text = buf.toString("utf8", start, end);
        collector.add(gid, () => {
          const row = pick(JSON.parse(text) as Json, selected, omit);
          for (const { column } of context) row[column] ??= null;
          return row;
        });
      }
      // Columns found beside a reference (a section's project, in a task's memberships).
      for (const { column, field, matchReader, match, value } of context) {
        const row = (gid: string, element: Json): Json => ({ gid, resource_type: source.referenceType, [column]: value(element) });
        // From a scanned line, an element is parsed only when the reference it names is wanted.
        const visited = line.eachElement(field, (bytes, start, end) => {
          const gid = gidOf(matchReader.literal(bytes, start, end));
          if (gid !== undefined && collector.wants(gid)) collector.add(gid, () => row(gid, parseBytes(bytes, start, end)));
        });
        if (visited) continue;
        const elements = line.field(field);
        if (!Array.isArray(elements)) continue;
        for (const element of elements) {
          if (!isObject(element)) continue;
          const gid = match(element);
          if (typeof gid === "string" && gid !== "" && collector.wants(gid)) collector.add(gid, () => row(gid, element));
        }
      }
    },
    finish: (emit) => collector.finish(emit),
  };
}

/**
 * The deriver of a selected stream, for the lines of every type it reads (a references stream keeps
 * one collection over all of them). `extraFields`: top-level fields a resource stream's lines carry
 * beyond its own selection; `shared`: what the job's derivers share.
 */
export function compileDeriver(stream: SelectedStream, extraFields: ReadonlySet<string>, shared: DeriveContext): Deriver {
  const source = stream.definition.source;
  switch (source.kind) {
    case "resource":
      return resourceDeriver(stream, extraFields);
    case "children":
      if (source.columns === undefined) return elementDeriver(stream, source.field, shared);
      return columnsDeriver(stream, source.field, shared, source.columns);
    case "pairs":
      return columnsDeriver(stream, source.field, shared, source.columns);
    case "references":
      return source.scope === "paths" ? pathReferencesDeriver(stream) : anywhereReferencesDeriver(stream, shared);
  }
}
