// Our columns as a Parquet schema: every field OPTIONAL; a list is the 3-level LIST (an OPTIONAL
// group around a REPEATED `list` group around an OPTIONAL `element`), as every engine reads it.
// Leaves come out depth-first, the order of the schema and of each row group's column chunks.
import type { Column, ColumnType } from "../columns.js";
import type { ValueLayout } from "../shred/leaf-buffer.js";
import { PhysicalType, type LogicalType, type SchemaNode } from "./format.js";

/** One leaf column. */
export interface LeafSpec {
  /** Names from the top-level column down (the path in schema). */
  path: readonly string[];
  maxDef: number;
  maxRep: number;
  type: PhysicalType;
  layout: ValueLayout;
  /** The column kind it holds (which parser the shredder uses). */
  kind: Exclude<ColumnType["kind"], "struct" | "list">;
}

/** The shape the shredder walks: fields with the leaves under them. */
export type FieldTree =
  | { kind: "leaf"; name: string; leaf: number }
  | { kind: "struct"; name: string; fields: FieldTree[]; leaves: number[] }
  | { kind: "list"; name: string; element: FieldTree; leaves: number[]; rep: number };

/** The Parquet schema of a column list. */
export interface ParquetSchema {
  nodes: SchemaNode[];
  leaves: LeafSpec[];
  /** One tree per top-level column. */
  fields: FieldTree[];
}

const SCALARS: Record<LeafSpec["kind"], { type: PhysicalType; layout: ValueLayout; logical?: LogicalType }> = {
  string: { type: PhysicalType.BYTE_ARRAY, layout: "bytes", logical: "STRING" },
  json: { type: PhysicalType.BYTE_ARRAY, layout: "bytes", logical: "STRING" },
  timestamp: { type: PhysicalType.INT64, layout: "int64", logical: "TIMESTAMP_MICROS_UTC" },
  date: { type: PhysicalType.INT32, layout: "int32", logical: "DATE" },
  boolean: { type: PhysicalType.BOOLEAN, layout: "boolean" },
  int64: { type: PhysicalType.INT64, layout: "int64" },
  double: { type: PhysicalType.DOUBLE, layout: "double" },
};

function leavesOf(tree: FieldTree): number[] {
  return tree.kind === "leaf" ? [tree.leaf] : tree.leaves;
}

/** Flatten `columns` into schema elements, leaves and the shredder's tree. */
export function parquetSchema(columns: readonly Column[]): ParquetSchema {
  const nodes: SchemaNode[] = [{ name: "schema", numChildren: columns.length }];
  const leaves: LeafSpec[] = [];
  const visit = (name: string, type: ColumnType, path: readonly string[], def: number, rep: number): FieldTree => {
    const here = [...path, name];
    switch (type.kind) {
      case "struct": {
        nodes.push({ name, repetition: "OPTIONAL", numChildren: type.fields.length });
        const fields = type.fields.map((f) => visit(f.name, f.type, here, def + 1, rep));
        return { kind: "struct", name, fields, leaves: fields.flatMap(leavesOf) };
      }
      case "list": {
        nodes.push({ name, repetition: "OPTIONAL", numChildren: 1, logical: "LIST" }, { name: "list", repetition: "REPEATED", numChildren: 1 });
        const element = visit("element", type.element, [...here, "list"], def + 2, rep + 1);
        return { kind: "list", name, element, leaves: leavesOf(element), rep: rep + 1 };
      }
      default: {
        const scalar = SCALARS[type.kind];
        nodes.push({ name, repetition: "OPTIONAL", type: scalar.type, ...(scalar.logical === undefined ? {} : { logical: scalar.logical }) });
        leaves.push({ path: here, maxDef: def + 1, maxRep: rep, type: scalar.type, layout: scalar.layout, kind: type.kind });
        return { kind: "leaf", name, leaf: leaves.length - 1 };
      }
    }
  };
  const fields = columns.map((c) => visit(c.name, c.type, [], 0, 0));
  return { nodes, leaves, fields };
}
