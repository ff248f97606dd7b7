// The records one line gives a stream, compiled from the stream's source declaration
// (src/streams/sources.ts): the line itself (a resource), one row per element of an array field
// (children, pairs), or the distinct references it holds (collected over the whole export and
// handed out at its end, once each).
import type { ExportRecord } from "../core/record.js";
import { PathReader, ReferenceFinder, type FoundReference } from "../export-file/json-bytes.js";
import { normalizeSelection, type StreamDefinition, type StreamSource } from "../streams/index.js";
import { ElementRecord, RowRecord, TextRowRecord, elementHead, type Origin } from "./derived-records.js";
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

const origin = (line: ExportRecord): Origin => ({ resourceType: line.resourceType, line: line.line, offset: line.offset });

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
      emit(name, new RowRecord(own, origin(line)));
    },
  };
}

/** The parent's columns of a child row (gid, resource type, modified_at), by their column names. */
function parentValues(definition: StreamDefinition, line: ExportRecord): Json {
  const source = definition.source;
  if (source.kind !== "children") return {};
  const out: Json = { [source.parentColumns.gid]: line.gid };
  if (source.parentColumns.resourceType !== undefined) out[source.parentColumns.resourceType] = line.resourceType;
  if (source.parentColumns.modifiedAt !== undefined) out[source.parentColumns.modifiedAt] = line.field("modified_at") ?? null;
  return out;
}

/** Stories, attachments: each element's own fields after the parent's columns. */
function elementDeriver(stream: SelectedStream, field: string): Deriver {
  const definition = stream.definition;
  const name = definition.name;
  const columns = columnsOf(stream);
  // With every column selected, an element is spliced as exported; else it is cut to the selection.
  const all = stream.columns === undefined || Object.keys(definition.schema.properties).every((c) => columns.includes(c));
  const keep = new Set(columns);
  return {
    stream: name,
    fields: [field, "modified_at"],
    derive(line, emit) {
      const parent = parentValues(definition, line);
      const bytes = all ? line.elementBytes(field) : undefined;
      const from = origin(line);
      if (bytes !== undefined) {
        const head = elementHead(parent);
        for (const element of bytes) if (element[0] === 0x7b) emit(name, new ElementRecord(head, element, from));
        return;
      }
      const elements = line.field(field);
      if (!Array.isArray(elements)) return;
      for (const element of elements) {
        if (!isObject(element)) continue;
        const row: Json = { ...parent };
        for (const [k, v] of Object.entries(element)) if (all || keep.has(k)) row[k] = v;
        emit(name, new RowRecord(row, from));
      }
    },
  };
}

function hasKey(row: Json, key: readonly string[]): boolean {
  for (const column of key) if (row[column] === null || row[column] === undefined) return false;
  return true;
}

/**
 * Join rows: the parent's gid and gids from each element. From a scanned line, each row's JSON text
 * is put together from the elements' bytes (the gids' JSON text as exported); from a parsed one, it
 * is an object like any row.
 */
function pairsDeriver(stream: SelectedStream, source: Extract<StreamSource, { kind: "pairs" }>): Deriver {
  const name = stream.definition.name;
  const selected = new Set(columnsOf(stream));
  const columns = Object.entries(source.columns).filter(([column]) => selected.has(column));
  const readers = columns.map(([column, path]) => ({ prefix: `,${JSON.stringify(column)}:`, reader: new PathReader(path), key: stream.definition.primaryKey.includes(column) }));
  const head = `{${JSON.stringify(source.parentKey)}:`;
  const fromObjects = columnsDeriver(stream, source.field, (line) => ({ [source.parentKey]: line.gid }), source.columns);
  return {
    stream: name,
    fields: [source.field],
    derive(line, emit) {
      const elements = line.elementBytes(source.field);
      if (elements === undefined) return fromObjects.derive(line, emit);
      const from = origin(line);
      const parent = head + JSON.stringify(line.gid);
      rows: for (const element of elements) {
        if (element[0] !== 0x7b) continue;
        let text = parent;
        for (const { prefix, reader, key } of readers) {
          const literal = reader.literal(element) ?? "null";
          // A row without its whole key (a membership without a project) identifies nothing.
          if (key && literal === "null") continue rows;
          text += prefix + literal;
        }
        emit(name, new TextRowRecord(`${text}}`, from));
      }
    },
  };
}

/** Custom field values, join rows: named columns from each element, the parent's key first. */
function columnsDeriver(stream: SelectedStream, field: string, parentKey: (line: ExportRecord) => Json, map: Readonly<Record<string, string>>): Deriver {
  const definition = stream.definition;
  const name = definition.name;
  const selected = new Set(columnsOf(stream));
  const paths = Object.entries(map)
    .filter(([column]) => selected.has(column))
    .map(([column, path]) => [column, compilePath(path)] as const);
  const keyColumns = definition.primaryKey;
  return {
    stream: name,
    fields: [field, "modified_at"],
    derive(line, emit) {
      const elements = line.field(field);
      if (!Array.isArray(elements)) return;
      const parent = Object.entries(parentKey(line));
      const from = origin(line);
      for (const element of elements) {
        if (!isObject(element)) continue;
        const row: Json = {};
        for (const [column, value] of parent) row[column] = value;
        for (const [column, at] of paths) row[column] = at(element);
        // A row without its whole key (a membership without a project) identifies nothing.
        if (!hasKey(row, keyColumns)) continue;
        emit(name, new RowRecord(row, from));
      }
    },
  };
}

/** Distinct objects, collected over the export and handed out at its end. */
class ReferenceCollector {
  private readonly rows = new Map<string, Json>();
  /** Gids whose row still lacks one of `columns` (a user first seen as `{gid, resource_type}`). */
  private readonly incomplete = new Set<string>();

  constructor(
    readonly stream: string,
    private readonly columns: readonly string[],
  ) {}

  /** Whether a sight of this gid can still add something. */
  wants(gid: string): boolean {
    return !this.rows.has(gid) || this.incomplete.has(gid);
  }

  /** The first sight of a gid makes its row; a later one only fills columns still missing or null. */
  add(gid: string, row: () => Json): void {
    const known = this.rows.get(gid);
    if (known === undefined) {
      const made = row();
      this.rows.set(gid, made);
      if (this.columns.some((c) => made[c] === undefined || made[c] === null)) this.incomplete.add(gid);
      return;
    }
    if (!this.incomplete.has(gid)) return;
    for (const [k, v] of Object.entries(row())) if ((known[k] === undefined || known[k] === null) && v !== undefined && v !== null) known[k] = v;
    if (this.columns.every((c) => known[c] !== undefined && known[c] !== null)) this.incomplete.delete(gid);
  }

  finish(emit: Emit): void {
    const from: Origin = { resourceType: "", line: 0, offset: 0 };
    for (const row of this.rows.values()) emit(this.stream, new RowRecord(row, from));
    this.rows.clear();
    this.incomplete.clear();
  }
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
  return {
    stream: collector.stream,
    fields,
    derive(line) {
      for (const field of byType[line.resourceType] ?? []) {
        const value = line.field(field);
        for (const item of Array.isArray(value) ? value : [value]) {
          if (isObject(item) && typeof item.gid === "string" && collector.wants(item.gid)) collector.add(item.gid, () => pick(item, selected, omit));
        }
      }
    },
    finish: (emit) => collector.finish(emit),
  };
}

/**
 * What the derivers of one export job share: the references of every type the reference streams
 * want, found in one pass over each line (not one pass per stream).
 */
export class DeriveContext {
  private readonly types: string[] = [];
  private finder: ReferenceFinder | undefined;
  private lastLine: ExportRecord | undefined;
  private found: FoundReference[] = [];

  /** Register a wanted reference type; returns the index its references are found under. */
  want(type: string): number {
    const known = this.types.indexOf(type);
    if (known >= 0) return known;
    this.finder = undefined;
    return this.types.push(type) - 1;
  }

  /** The references of every wanted type in a line (found once per line). */
  references(line: ExportRecord): readonly FoundReference[] {
    if (line !== this.lastLine) {
      this.finder ??= new ReferenceFinder(this.types);
      const bytes = line.rawBytes;
      this.found = this.finder.find(bytes, 0, bytes.length);
      this.lastLine = line;
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
  const context = Object.entries(source.context ?? {}).filter(([column]) => selected.has(column));
  const collector = new ReferenceCollector(stream.definition.name, [...selected]);
  const contextFields = context.map(([, c]) => c.field);
  return {
    stream: collector.stream,
    fields: contextFields,
    derive(line) {
      const bytes = line.rawBytes;
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
      for (const found of shared.references(line)) {
        if (found.type !== typeIndex) continue;
        const gid = found.gidEscaped ? (JSON.parse(buf.toString("utf8", found.gidStart - 1, found.gidEnd + 1)) as string) : buf.toString("utf8", found.gidStart, found.gidEnd);
        if (gid === "" || !collector.wants(gid)) continue;
        collector.add(gid, () => {
          const row = pick(JSON.parse(buf.toString("utf8", found.start, found.end)) as Json, selected, omit);
          for (const [column] of context) row[column] ??= null;
          return row;
        });
      }
      // Columns found beside a reference (a section's project, in a task's memberships).
      for (const [column, c] of context) {
        const elements = line.field(c.field);
        if (!Array.isArray(elements)) continue;
        const match = compilePath(c.match);
        const value = compilePath(c.value);
        for (const element of elements) {
          if (!isObject(element)) continue;
          const gid = match(element);
          if (typeof gid === "string" && collector.wants(gid)) collector.add(gid, () => ({ gid, resource_type: source.referenceType, [column]: value(element) }));
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
      if (source.columns === undefined) return elementDeriver(stream, source.field);
      return columnsDeriver(stream, source.field, (line) => parentValues(stream.definition, line), source.columns);
    case "pairs":
      return pairsDeriver(stream, source);
    case "references":
      return source.scope === "paths" ? pathReferencesDeriver(stream) : anywhereReferencesDeriver(stream, shared);
  }
}
