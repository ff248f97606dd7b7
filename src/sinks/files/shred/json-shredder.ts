// A line's JSON bytes -> Parquet leaf columns in one pass over the bytes, without JSON.parse: the
// record's object is never built. Each column's value is parsed in place from the line (strings
// copied as UTF-8, numbers and RFC 3339 times parsed from their digits); a value of the wrong type,
// or one its column cannot hold exactly, goes to `_extra` as its raw JSON text, as does every key
// the schema does not know. Unknown values are skipped without recursion, so no nesting depth
// breaks the writer. Lines were validated as JSON by the decoder (or made by JSON.stringify).
// Levels: every column and field is OPTIONAL (+1 definition level); a list adds +1 for being
// present, +1 for each element slot, and one repetition level (see parquet/schema.ts).
import {
  COLON,
  COMMA,
  LBRACE,
  LBRACKET,
  QUOTE,
  RBRACE,
  RBRACKET,
  scanNumber,
  skipWhitespace,
  stringEnd,
  unescapeInto,
  valueEnd,
  type StringFlags,
} from "../../../core/json-bytes.js";
import { parseDateBytes, parseDateTimeBytes, type UtcInstant } from "../../../core/rfc3339.js";
import type { Column } from "../columns.js";
import { parquetSchema, type FieldTree, type LeafSpec, type ParquetSchema } from "../parquet/schema.js";
import { ExtraBuilder, PathSegments } from "./extra.js";
import { LeafBuffer } from "./leaf-buffer.js";
import { parseDouble, parseInt64, type Int64Parts } from "./numbers.js";

const NULL_BYTE = 0x6e;
const TRUE_BYTE = 0x74;
const FALSE_BYTE = 0x66;

const NO_LINE = new Uint8Array(0);

/** A line the writer cannot represent (the reason says why); nothing of it is kept. */
export class UnrepresentableRow extends Error {}

/** Where the shredder is in the line being read. */
class Cursor {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  readonly flags: StringFlags = { escaped: false };
  readonly segments: PathSegments;
  readonly extra = new ExtraBuilder();
  /** Counts struct instances, so each knows which of its fields it has seen. */
  instance = 0;
  readonly instant: UtcInstant = { seconds: 0, micros: 0, exact: true };
  readonly int: Int64Parts = { lo: 0, hi: 0 };
  scratch = new Uint8Array(64);

  /** `depth`: the schema's deepest nesting (paths never go deeper). */
  constructor(depth: number) {
    this.segments = new PathSegments(depth + 2);
  }

  /** Put the value at `pos` (of the wrong type, or unfit for its column) into `_extra`; skip it. */
  misfit(depth: number): void {
    const end = valueEnd(this.buf, this.pos, this.end);
    this.extra.add(this.buf, this.segments, depth, this.pos, end);
    this.pos = end;
  }

  /** The content of the string at `pos` with its escapes decoded (in `scratch`); its length, or -1. */
  unescapeString(start: number, end: number): number {
    if (this.scratch.length < end - start) this.scratch = new Uint8Array(2 * (end - start));
    const stop = unescapeInto(this.buf, start, end, this.scratch, 0);
    return stop;
  }
}

/** Shreds the value at the cursor at (repetition, definition) levels; `depth` indexes its path segment. */
type Shred = (c: Cursor, rep: number, def: number, depth: number) => void;
const utf8 = new TextEncoder();

/** One null entry at the given levels in each of a field's leaves (it is absent, null, or a misfit). */
function fill(leaves: readonly LeafBuffer[], rep: number, def: number): void {
  for (let i = 0; i < leaves.length; i++) (leaves[i] as LeafBuffer).level(rep, def);
}

/** Timestamp microseconds into an INT64 leaf (BigInt only beyond the year 2255). */
function timestampMicros(leaf: LeafBuffer, seconds: number, micros: number): void {
  if (seconds > -9e9 && seconds < 9e9) {
    leaf.int64(seconds * 1e6 + micros);
    return;
  }
  const value = BigInt(seconds) * 1_000_000n + BigInt(micros);
  leaf.int64Parts(Number(BigInt.asUintN(32, value)), Number(BigInt.asIntN(32, value >> 32n)));
}

/** The shredder of one scalar leaf. */
function scalarShred(spec: LeafSpec, leaf: LeafBuffer): Shred {
  switch (spec.kind) {
    case "string":
      return (c, rep, def, depth) => {
        const buf = c.buf;
        const b = buf[c.pos];
        if (b === QUOTE) {
          const start = c.pos + 1;
          let end = leaf.stringValue(buf, start, c.end);
          if (end < 0) {
            // Escapes: find the end, then decode.
            end = stringEnd(buf, start, c.end, c.flags);
            if (!leaf.unescaped(buf, start, end)) return misfitNull(c, leaf, rep, def, depth);
          }
          c.pos = end + 1;
          return leaf.level(rep, def + 1);
        }
        if (b === NULL_BYTE) {
          c.pos += 4;
          return leaf.level(rep, def);
        }
        misfitNull(c, leaf, rep, def, depth);
      };
    case "json":
      return (c, rep, def) => {
        if (c.buf[c.pos] === NULL_BYTE) {
          c.pos += 4;
          return leaf.level(rep, def);
        }
        const end = valueEnd(c.buf, c.pos, c.end);
        leaf.bytes(c.buf, c.pos, end);
        c.pos = end;
        leaf.level(rep, def + 1);
      };
    case "timestamp":
    case "date": {
      const isDate = spec.kind === "date";
      return (c, rep, def, depth) => {
        const buf = c.buf;
        const b = buf[c.pos];
        if (b === QUOTE) {
          const start = c.pos + 1;
          const end = stringEnd(buf, start, c.end, c.flags);
          let src = buf;
          let from = start;
          let to = end;
          if (c.flags.escaped) {
            to = c.unescapeString(start, end);
            src = c.scratch;
            from = 0;
          }
          if (to >= 0) {
            if (isDate) {
              const days = parseDateBytes(src, from, to);
              if (!Number.isNaN(days)) {
                leaf.int32(days);
                c.pos = end + 1;
                return leaf.level(rep, def + 1);
              }
            } else if (parseDateTimeBytes(src, from, to, c.instant) && c.instant.exact) {
              timestampMicros(leaf, c.instant.seconds, c.instant.micros);
              c.pos = end + 1;
              return leaf.level(rep, def + 1);
            }
          }
        } else if (b === NULL_BYTE) {
          c.pos += 4;
          return leaf.level(rep, def);
        }
        misfitNull(c, leaf, rep, def, depth);
      };
    }
    case "int64":
      return numberShred(leaf, (c, end) => {
        if (!parseInt64(c.buf, c.pos, end, c.int)) return false;
        leaf.int64Parts(c.int.lo, c.int.hi);
        return true;
      });
    case "double":
      return numberShred(leaf, (c, end) => {
        const value = parseDouble(c.buf, c.pos, end);
        if (Number.isNaN(value)) return false;
        leaf.double(value);
        return true;
      });
    case "boolean":
      return (c, rep, def, depth) => {
        const b = c.buf[c.pos];
        if (b === TRUE_BYTE || b === FALSE_BYTE) {
          leaf.boolean(b === TRUE_BYTE);
          c.pos += b === TRUE_BYTE ? 4 : 5;
          return leaf.level(rep, def + 1);
        }
        if (b === NULL_BYTE) {
          c.pos += 4;
          return leaf.level(rep, def);
        }
        misfitNull(c, leaf, rep, def, depth);
      };
  }
}

/** A number leaf: `take` parses the number at the cursor (ending at `end`) into the leaf, or says it does not fit. */
function numberShred(leaf: LeafBuffer, take: (c: Cursor, end: number) => boolean): Shred {
  return (c, rep, def, depth) => {
    const b = c.buf[c.pos] as number;
    if (b === NULL_BYTE) {
      c.pos += 4;
      return leaf.level(rep, def);
    }
    if (b === 0x2d || (b >= 0x30 && b <= 0x39)) {
      const end = scanNumber(c.buf, c.pos, c.end);
      if (take(c, end)) {
        c.pos = end;
        return leaf.level(rep, def + 1);
      }
    }
    misfitNull(c, leaf, rep, def, depth);
  };
}

function misfitNull(c: Cursor, leaf: LeafBuffer, rep: number, def: number, depth: number): void {
  c.misfit(depth);
  leaf.level(rep, def);
}

/** Field lookup by a key's raw bytes: the field that followed the previous key last time, else a hash table. */
class FieldKeys {
  private readonly names: Uint8Array[];
  private readonly byName: Map<string, number>;
  private readonly table: Int32Array;
  private readonly mask: number;

  constructor(names: readonly string[]) {
    this.names = names.map((n) => utf8.encode(n));
    this.byName = new Map(names.map((n, i) => [n, i]));
    let size = 8;
    while (size < names.length * 4) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    this.names.forEach((bytes, i) => {
      let slot = FieldKeys.hash(bytes, 0, bytes.length) & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = i + 1;
    });
  }

  private static hash(buf: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
    return h >>> 0;
  }

  /** Whether field `f`'s name is `buf[start, end)`. */
  is(f: number, buf: Uint8Array, start: number, end: number): boolean {
    const name = this.names[f];
    if (name === undefined || name.length !== end - start) return false;
    for (let i = 0; i < name.length; i++) if (name[i] !== buf[start + i]) return false;
    return true;
  }

  /** If the key starting at `start` is field `f`'s name: the index of its closing quote, else -1. */
  match(f: number, buf: Uint8Array, start: number): number {
    const name = this.names[f];
    if (name === undefined) return -1;
    const n = name.length;
    if (buf[start + n] !== QUOTE) return -1;
    for (let i = 0; i < n; i++) if (name[i] !== buf[start + i]) return -1;
    return start + n;
  }

  /** The field named by the raw key `buf[start, end)` (escaped when `escaped`), or -1. */
  find(buf: Uint8Array, start: number, end: number, escaped: boolean): number {
    if (escaped) {
      const key = JSON.parse(`"${Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString("utf8")}"`) as string;
      return this.byName.get(key) ?? -1;
    }
    let slot = FieldKeys.hash(buf, start, end) & this.mask;
    for (;;) {
      const entry = this.table[slot] as number;
      if (entry === 0) return -1;
      if (this.is(entry - 1, buf, start, end)) return entry - 1;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** After a member or element: moves the cursor to the next one and says so, or to the closing bracket. */
function nextMember(c: Cursor): boolean {
  const buf = c.buf;
  let pos = c.pos;
  if ((buf[pos] as number) <= 0x20) pos = skipWhitespace(buf, pos, c.end);
  if (buf[pos] !== COMMA) {
    c.pos = pos;
    return false;
  }
  pos++;
  if ((buf[pos] as number) <= 0x20) pos = skipWhitespace(buf, pos, c.end);
  c.pos = pos;
  return true;
}

/**
 * Whether the value at the cursor is not the container `open` starts (`{` or `[`): null, or a misfit
 * kept in `_extra`. Then it is skipped and the field's leaves get their null entries.
 */
function notA(open: number, c: Cursor, leaves: readonly LeafBuffer[], rep: number, def: number, depth: number): boolean {
  const b = c.buf[c.pos];
  if (b === open) return false;
  if (b === NULL_BYTE) c.pos += 4;
  else c.misfit(depth);
  fill(leaves, rep, def);
  return true;
}

function structShred(tree: { fields: readonly FieldTree[] }, compiled: readonly Compiled[], all: readonly LeafBuffer[], nested: boolean): Shred {
  const count = tree.fields.length;
  const keys = new FieldKeys(tree.fields.map((f) => f.name));
  const shreds = compiled.map((c) => c.shred);
  const fieldLeaves = compiled.map((c) => c.leaves);
  const seen = new Int32Array(count).fill(-1);
  // next[f]: the field whose key followed f's last time (next[count]: the first key). Asana writes
  // keys in a stable order, so this guess is almost always right and no key is hashed.
  const next = new Int32Array(count + 1);
  return (c, rep, def, depth) => {
    if (notA(LBRACE, c, all, rep, def, depth)) return;
    const buf = c.buf;
    const end = c.end;
    let pos = c.pos;
    const instance = ++c.instance;
    const childDef = nested ? def + 1 : def;
    pos++;
    if ((buf[pos] as number) <= 0x20) pos = skipWhitespace(buf, pos, end);
    let previous = count;
    if (buf[pos] !== RBRACE) {
      for (;;) {
        const keyStart = pos + 1;
        // The guessed field's name, compared in place: most keys need no scan for their end.
        let f = next[previous] as number;
        let keyEnd = keys.match(f, buf, keyStart);
        if (keyEnd < 0) {
          keyEnd = stringEnd(buf, keyStart, end, c.flags);
          f = keys.find(buf, keyStart, keyEnd, c.flags.escaped);
        }
        pos = keyEnd + 1;
        if (buf[pos] !== COLON) pos = skipWhitespace(buf, pos, end);
        pos++;
        if ((buf[pos] as number) <= 0x20) pos = skipWhitespace(buf, pos, end);
        c.segments.key(depth, keyStart, keyEnd);
        c.pos = pos;
        if (f < 0) {
          c.misfit(depth + 1);
        } else {
          if (seen[f] === instance) {
            throw new UnrepresentableRow(`the key "${tree.fields[f]?.name ?? "?"}" appears twice in one object, so the line has two values for one column`);
          }
          seen[f] = instance;
          next[previous] = f;
          previous = f;
          (shreds[f] as Shred)(c, rep, childDef, depth + 1);
        }
        if (!nextMember(c)) break;
        pos = c.pos;
      }
      pos = c.pos;
    }
    c.pos = pos + 1;
    for (let f = 0; f < count; f++) if (seen[f] !== instance) fill(fieldLeaves[f] as LeafBuffer[], rep, childDef);
  };
}

function listShred(item: Shred, leaves: readonly LeafBuffer[], listRep: number): Shred {
  return (c, rep, def, depth) => {
    if (notA(LBRACKET, c, leaves, rep, def, depth)) return;
    const buf = c.buf;
    const end = c.end;
    let pos = c.pos;
    pos++;
    if ((buf[pos] as number) <= 0x20) pos = skipWhitespace(buf, pos, end);
    if (buf[pos] === RBRACKET) {
      c.pos = pos + 1;
      return fill(leaves, rep, def + 1);
    }
    for (let i = 0; ; i++) {
      c.segments.index(depth, i);
      c.pos = pos;
      item(c, i === 0 ? rep : listRep, def + 2, depth + 1);
      if (!nextMember(c)) break;
      pos = c.pos;
    }
    c.pos++;
  };
}

interface Compiled {
  shred: Shred;
  /** The leaves under the field. */
  leaves: LeafBuffer[];
}

function compile(tree: FieldTree, specs: readonly LeafSpec[], leaves: readonly LeafBuffer[]): Compiled {
  switch (tree.kind) {
    case "leaf": {
      const leaf = leaves[tree.leaf] as LeafBuffer;
      return { shred: scalarShred(specs[tree.leaf] as LeafSpec, leaf), leaves: [leaf] };
    }
    case "struct": {
      const mine = tree.leaves.map((i) => leaves[i] as LeafBuffer);
      const children = tree.fields.map((f) => compile(f, specs, leaves));
      return { shred: structShred(tree, children, mine, true), leaves: mine };
    }
    case "list": {
      const mine = tree.leaves.map((i) => leaves[i] as LeafBuffer);
      return { shred: listShred(compile(tree.element, specs, leaves).shred, mine, tree.rep), leaves: mine };
    }
  }
}

/** Values of the added columns of one row, by column (see columns.ts ADDED_COLUMNS). */
export type AddedValue = string | number | Uint8Array | null;

/** Writes a top-level scalar leaf from a value in hand (the added columns). */
function addedWriter(spec: LeafSpec, leaf: LeafBuffer): (value: AddedValue) => void {
  let lastText: string | undefined;
  let lastBytes = new Uint8Array(0);
  return (value) => {
    if (value === null) return leaf.level(0, 0);
    if (value instanceof Uint8Array) leaf.bytes(value, 0, value.length);
    else if (typeof value === "string") {
      if (value !== lastText) {
        lastText = value;
        lastBytes = utf8.encode(value);
      }
      leaf.bytes(lastBytes, 0, lastBytes.length);
    } else if (spec.kind === "timestamp") {
      const seconds = Math.floor(value / 1000);
      timestampMicros(leaf, seconds, (value - seconds * 1000) * 1000);
    } else {
      throw new Error(`an added column of kind ${spec.kind} cannot take the number ${value}`);
    }
    leaf.level(0, 1);
  };
}

/** Shreds whole lines of one stream: its data columns from the line, then its added columns. */
export class LineShredder {
  readonly schema: ParquetSchema;
  readonly leaves: LeafBuffer[];
  private readonly cursor: Cursor;
  private readonly root: Shred;
  private readonly added: ((value: AddedValue) => void)[];

  /** `dataCount`: how many of `columns` come from the line; the rest are filled by `shred`'s `added`. */
  constructor(columns: readonly Column[], dataCount: number) {
    this.schema = parquetSchema(columns);
    this.leaves = this.schema.leaves.map((l) => new LeafBuffer(l.maxDef, l.maxRep, l.layout));
    this.cursor = new Cursor(Math.max(1, ...this.schema.leaves.map((l) => l.path.length)));
    const data = this.schema.fields.slice(0, dataCount);
    const compiled = data.map((f) => compile(f, this.schema.leaves, this.leaves));
    const dataLeaves = data.flatMap((f) => (f.kind === "leaf" ? [f.leaf] : f.leaves)).map((i) => this.leaves[i] as LeafBuffer);
    this.root = structShred({ fields: data }, compiled, dataLeaves, false);
    this.added = this.schema.fields.slice(dataCount).map((f) => {
      if (f.kind !== "leaf") throw new Error(`the added column '${f.name}' must be a scalar`);
      return addedWriter(this.schema.leaves[f.leaf] as LeafSpec, this.leaves[f.leaf] as LeafBuffer);
    });
  }

  /**
   * Shred the JSON object `line` into the data columns; `added(extra)` gives the added columns'
   * values once `_extra` is known. Throws UnrepresentableRow (leaving the leaves partly written:
   * the caller discards the batch's entries and shreds its other lines again).
   */
  shred(line: Uint8Array, added: (extra: Uint8Array | undefined) => readonly AddedValue[]): void {
    const c = this.cursor;
    c.buf = line;
    c.end = line.length;
    c.pos = skipWhitespace(line, 0, line.length);
    c.extra.reset();
    try {
      if (line[c.pos] !== LBRACE) throw new UnrepresentableRow("the line is not a JSON object");
      this.root(c, 0, 0, 0);
      if (skipWhitespace(line, c.pos, line.length) !== line.length) throw new UnrepresentableRow("the line is not one JSON object");
    } finally {
      // The line is a view of a decompressed chunk: not kept alive past its row.
      c.buf = NO_LINE;
    }
    const values = added(c.extra.finish());
    for (let i = 0; i < this.added.length; i++) (this.added[i] as (value: AddedValue) => void)(values[i] ?? null);
  }
}
