// For the apache-arrow candidate of bench/parquet-writers.ts: an exported object as typed values,
// row by row (the connector itself shreds straight into Parquet leaf columns: src/sinks/files/shred.ts).
// Same rules: unknown fields and misfits go to `extra` by JSON path.
import type { Column, ColumnType } from "../src/sinks/files/columns.js";

/**
 * Converts one value at `path`; returns the column value (null when absent or unfit). Values:
 * string; Uint8Array-free JS primitives; timestamps as epoch milliseconds; dates as epoch days;
 * int64 as bigint; structs as objects keyed by field; lists as arrays.
 */
/** Unknown and misfit values by JSON path. */
export type Extra = Record<string, unknown>;

type Converter = (value: unknown, path: string, extra: Extra) => unknown;

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function misfit(value: unknown, path: string, extra: Extra): null {
  extra[path] = value;
  return null;
}

function compile(type: ColumnType): Converter {
  switch (type.kind) {
    case "string":
      return (v, path, extra) => (typeof v === "string" ? v : v === null || v === undefined ? null : misfit(v, path, extra));
    case "json":
      return (v) => (v === null || v === undefined ? null : JSON.stringify(v));
    case "boolean":
      return (v, path, extra) => (typeof v === "boolean" ? v : v === null || v === undefined ? null : misfit(v, path, extra));
    case "double":
      return (v, path, extra) => (typeof v === "number" ? v : v === null || v === undefined ? null : misfit(v, path, extra));
    case "int64":
      return (v, path, extra) =>
        Number.isSafeInteger(v) ? BigInt(v as number) : v === null || v === undefined ? null : misfit(v, path, extra);
    case "timestamp":
      return (v, path, extra) => {
        if (v === null || v === undefined) return null;
        const ms = typeof v === "string" ? Date.parse(v) : Number.NaN;
        return Number.isNaN(ms) ? misfit(v, path, extra) : ms;
      };
    case "date":
      return (v, path, extra) => {
        if (v === null || v === undefined) return null;
        const ms = typeof v === "string" && DATE.test(v) ? Date.parse(`${v}T00:00:00Z`) : Number.NaN;
        return Number.isNaN(ms) ? misfit(v, path, extra) : ms / DAY_MS;
      };
    case "list": {
      const element = compile(type.element);
      return (v, path, extra) => {
        if (v === null || v === undefined) return null;
        if (!Array.isArray(v)) return misfit(v, path, extra);
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) out[i] = element(v[i], `${path}[${i}]`, extra);
        return out;
      };
    }
    case "struct":
      return structConverter(type.fields, true);
  }
}

/**
 * A struct converter: known fields converted, unknown keys into `extra`. At the top level
 * (`nested` false) paths are bare field names.
 */
function structConverter(fields: readonly Column[], nested: boolean): Converter {
  const names = fields.map((f) => f.name);
  const converters = fields.map((f) => compile(f.type));
  const known = new Set(names);
  return (v, path, extra) => {
    if (v === null || v === undefined) return null;
    if (typeof v !== "object" || Array.isArray(v)) return misfit(v, path, extra);
    const object = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const prefix = nested ? `${path}.` : "";
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      out[name] = (converters[i] as Converter)(object[name], prefix + name, extra);
    }
    for (const key in object) if (!known.has(key)) extra[prefix + key] = object[key];
    return out;
  };
}

/** Converts whole records into top-level column values (one entry per data column, schema order). */
export interface RecordConverter {
  /** The converted values of `object`'s known columns; unknown fields land in `extra`. */
  convert(object: Record<string, unknown>, extra: Extra): Record<string, unknown>;
}

/** Compile a converter for the data columns (the schema's properties, without the added columns). */
export function recordConverter(dataColumns: readonly Column[]): RecordConverter {
  const top = structConverter(dataColumns, false);
  return { convert: (object, extra) => top(object, "", extra) as Record<string, unknown> };
}
