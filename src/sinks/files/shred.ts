// Record objects -> Parquet leaf columns (values with definition and repetition levels) in ONE pass
// per record, checking types on the way. hyparquet-writer's own shredder walks every row once per
// leaf column; with nested lists of structs (a task's stories have 152 leaves, 294 in all) that
// made it 5x slower than this single pass (bench/parquet-writers.ts).
// Levels: every column and field is OPTIONAL (+1 definition level); a list is an OPTIONAL LIST group
// around a REPEATED `list` group (+1 definition, +1 repetition) around an OPTIONAL `element`.
// Values the schema does not know, or that do not fit their type, go to `extra` by JSON path.
import type { SchemaElement } from "hyparquet-writer";
import type { Column, ColumnType } from "./columns.js";

/** Values of unknown fields and of values that do not fit their column, by JSON path. */
export type Extra = Record<string, unknown>;

/**
 * One leaf column's buffered page data. Levels live in growable byte arrays: no per-value garbage.
 * `values` holds the defined values only (the entries whose level is maxDef), in order: most leaf
 * entries of a task are empty, and leaving their nulls out halves the shredding work and what goes
 * to the encoding thread. alignValues() puts the nulls back for the encoder.
 */
export interface Leaf {
  /** Schema elements from the root to this leaf. */
  readonly path: readonly SchemaElement[];
  readonly maxDef: number;
  readonly maxRep: number;
  values: unknown[];
  def: Uint8Array;
  rep: Uint8Array;
  /** Entries used in `def` (and `rep`, when maxRep > 0). */
  size: number;
}

/** What a leaf hands to the encoder: levels as views of exactly `size` entries. */
export interface LeafData {
  readonly path: readonly SchemaElement[];
  readonly maxDef: number;
  /** The defined values only (see Leaf). */
  values: unknown[];
  def: Uint8Array;
  /** Empty for columns without repetition. */
  rep: Uint8Array;
}

const INITIAL_LEVELS = 1024;

/**
 * Shred one value at a depth of the record. The JSON path of a value is kept in a shared array of
 * segments (field names and list indexes) indexed by depth and rendered only when a value goes to
 * `extra`: building a path string per field and per list element cost ~10% of a Parquet sync.
 */
type Shred = (value: unknown, rep: number, def: number, depth: number, extra: Extra) => void;

/** Path segments by depth, shared by one record shredder's compiled nodes. */
type Segments = (string | number)[];

/** The JSON path of the first `depth` segments: `stories[0].text`. */
function renderPath(segments: Segments, depth: number): string {
  let path = "";
  for (let i = 0; i < depth; i++) {
    const segment = segments[i] as string | number;
    path += typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`;
  }
  return path;
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Marks a value that does not fit its column. */
const MISFIT = Symbol("misfit");

function grow(levels: Uint8Array): Uint8Array {
  const bigger = new Uint8Array(levels.length * 2);
  bigger.set(levels);
  return bigger;
}

function emit(leaf: Leaf, value: unknown, rep: number, def: number): void {
  const i = leaf.size++;
  if (def === leaf.maxDef) leaf.values.push(value);
  if (i === leaf.def.length) {
    leaf.def = grow(leaf.def);
    if (leaf.maxRep > 0) leaf.rep = grow(leaf.rep);
  }
  leaf.def[i] = def;
  if (leaf.maxRep > 0) leaf.rep[i] = rep;
}

function scalar(type: ColumnType["kind"]): { element: Omit<SchemaElement, "name">; convert: (v: unknown) => unknown } {
  switch (type) {
    case "string":
      return { element: { type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } }, convert: (v) => (typeof v === "string" ? v : MISFIT) };
    case "json":
      return { element: { type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } }, convert: (v) => JSON.stringify(v) };
    case "boolean":
      return { element: { type: "BOOLEAN" }, convert: (v) => (typeof v === "boolean" ? v : MISFIT) };
    case "double":
      return { element: { type: "DOUBLE" }, convert: (v) => (typeof v === "number" ? v : MISFIT) };
    case "int64":
      return { element: { type: "INT64" }, convert: (v) => (Number.isSafeInteger(v) ? BigInt(v as number) : MISFIT) };
    case "timestamp":
      return {
        element: { type: "INT64", converted_type: "TIMESTAMP_MILLIS", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" } },
        convert: (v) => {
          const ms = typeof v === "string" ? Date.parse(v) : Number.NaN;
          return Number.isNaN(ms) ? MISFIT : ms;
        },
      };
    case "date":
      return {
        element: { type: "INT32", converted_type: "DATE", logical_type: { type: "DATE" } },
        convert: (v) => {
          const ms = typeof v === "string" && DATE.test(v) ? Date.parse(`${v}T00:00:00Z`) : Number.NaN;
          return Number.isNaN(ms) ? MISFIT : ms / DAY_MS;
        },
      };
    default:
      throw new Error(`not a scalar type: ${type}`);
  }
}

/** Compile one node: appends its schema elements and leaves; returns its shredder and its leaves. */
function compile(
  name: string,
  type: ColumnType,
  parents: readonly SchemaElement[],
  levels: { def: number; rep: number },
  schema: SchemaElement[],
  leaves: Leaf[],
  segments: Segments,
): { shred: Shred; leaves: Leaf[] } {
  const def = levels.def + 1;
  if (type.kind === "struct") {
    const element: SchemaElement = { name, repetition_type: "OPTIONAL", num_children: type.fields.length };
    schema.push(element);
    const children = type.fields.map((f) => compile(f.name, f.type, [...parents, element], { def, rep: levels.rep }, schema, leaves, segments));
    const mine = children.flatMap((c) => c.leaves);
    return { shred: structShred(type.fields, children.map((c) => c.shred), mine, true, segments), leaves: mine };
  }
  if (type.kind === "list") {
    const group: SchemaElement = { name, repetition_type: "OPTIONAL", converted_type: "LIST", logical_type: { type: "LIST" }, num_children: 1 };
    const repeated: SchemaElement = { name: "list", repetition_type: "REPEATED", num_children: 1 };
    schema.push(group, repeated);
    const listRep = levels.rep + 1;
    const item = compile("element", type.element, [...parents, group, repeated], { def: def + 1, rep: listRep }, schema, leaves, segments);
    const mine = item.leaves;
    const shred: Shred = (v, r, d, depth, extra) => {
      if (v === null || v === undefined) return nulls(mine, r, d);
      if (!Array.isArray(v)) {
        extra[renderPath(segments, depth)] = v;
        return nulls(mine, r, d);
      }
      if (v.length === 0) return nulls(mine, r, d + 1);
      for (let i = 0; i < v.length; i++) {
        segments[depth] = i;
        item.shred(v[i], i === 0 ? r : listRep, d + 2, depth + 1, extra);
      }
    };
    return { shred, leaves: mine };
  }
  const { element, convert } = scalar(type.kind);
  const full: SchemaElement = { name, repetition_type: "OPTIONAL", ...element };
  schema.push(full);
  const leaf: Leaf = {
    path: [...parents, full],
    maxDef: def,
    maxRep: levels.rep,
    values: [],
    def: new Uint8Array(INITIAL_LEVELS),
    rep: new Uint8Array(levels.rep > 0 ? INITIAL_LEVELS : 0),
    size: 0,
  };
  leaves.push(leaf);
  const shred: Shred = (v, r, d, depth, extra) => {
    if (v === null || v === undefined) return emit(leaf, null, r, d);
    const x = convert(v);
    if (x === MISFIT) {
      extra[renderPath(segments, depth)] = v;
      emit(leaf, null, r, d);
    } else emit(leaf, x, r, d + 1);
  };
  return { shred, leaves: [leaf] };
}

function nulls(leaves: readonly Leaf[], rep: number, def: number): void {
  for (const leaf of leaves) emit(leaf, null, rep, def);
}

function structShred(fields: readonly Column[], shreds: readonly Shred[], leaves: readonly Leaf[], nested: boolean, segments: Segments): Shred {
  const names = fields.map((f) => f.name);
  const known = new Set(names);
  return (v, r, d, depth, extra) => {
    if (v === null || v === undefined) return nulls(leaves, r, d);
    if (typeof v !== "object" || Array.isArray(v)) {
      extra[renderPath(segments, depth)] = v;
      return nulls(leaves, r, d);
    }
    const object = v as Record<string, unknown>;
    // A present struct is defined at d + 1; the top-level record (the root) adds no level.
    const childDef = nested ? d + 1 : d;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      segments[depth] = name;
      (shreds[i] as Shred)(object[name], r, childDef, depth + 1, extra);
    }
    for (const key in object) {
      if (known.has(key)) continue;
      segments[depth] = key;
      extra[renderPath(segments, depth + 1)] = object[key];
    }
  };
}

/** A compiled shredder for records of one stream. */
export interface RecordShredder {
  /** The Parquet schema (root first, depth-first), matching `leaves`' order. */
  readonly schema: SchemaElement[];
  readonly leaves: readonly Leaf[];
  /** Shred one record's known columns into the leaves; unknown fields land in `extra`. */
  shred(object: Record<string, unknown>, extra: Extra): void;
  /** Append one value to a top-level scalar column that `shred` does not fill (the added columns). */
  append(column: number, value: unknown): void;
  /** Take the buffered page data of every leaf and start empty. */
  take(): LeafData[];
}

/**
 * Compile the shredder of `columns`; the first `dataCount` are filled from the record by `shred`,
 * the rest (scalars) by `append`.
 */
export function recordShredder(columns: readonly Column[], dataCount: number): RecordShredder {
  const root: SchemaElement = { name: "schema", num_children: columns.length };
  const schema: SchemaElement[] = [root];
  const leaves: Leaf[] = [];
  const segments: Segments = [];
  const compiled = columns.map((c) => compile(c.name, c.type, [root], { def: 0, rep: 0 }, schema, leaves, segments));
  const data = compiled.slice(0, dataCount);
  const top = structShred(columns.slice(0, dataCount), data.map((c) => c.shred), data.flatMap((c) => c.leaves), false, segments);
  const addedLeaves = compiled.slice(dataCount).map((c) => c.leaves[0] as Leaf);
  return {
    schema,
    leaves,
    shred: (object, extra) => top(object, 0, 0, 0, extra),
    append(column, value) {
      const leaf = addedLeaves[column - dataCount] as Leaf;
      emit(leaf, value ?? null, 0, value === null || value === undefined ? 0 : 1);
    },
    take() {
      const out = leaves.map((l): LeafData => ({
        path: l.path,
        maxDef: l.maxDef,
        values: l.values,
        def: l.def.slice(0, l.size),
        rep: l.maxRep > 0 ? l.rep.slice(0, l.size) : new Uint8Array(0),
      }));
      // The level buffers are kept (and reused): only the values start afresh.
      for (const l of leaves) {
        l.values = [];
        l.size = 0;
      }
      return out;
    },
  };
}

/**
 * A leaf's values with a null at every entry that is not defined (level below `maxDef`), aligned
 * with the levels as the encoder wants them.
 */
export function alignValues(values: readonly unknown[], def: Uint8Array, maxDef: number): unknown[] {
  if (values.length === def.length) return values as unknown[];
  const aligned = new Array<unknown>(def.length);
  let next = 0;
  for (let i = 0; i < def.length; i++) aligned[i] = def[i] === maxDef ? values[next++] : null;
  if (next !== values.length) throw new Error(`a leaf column with ${values.length} values for ${next} defined entries`);
  return aligned;
}
