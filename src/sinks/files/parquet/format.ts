// The Parquet format's Thrift structures that this writer emits (parquet.thrift, field ids as
// there): schema elements, page headers, column and row-group metadata, the file footer.
import { ByteBuffer } from "./bytes.js";
import { T, ThriftWriter } from "./thrift.js";

export const PhysicalType = { BOOLEAN: 0, INT32: 1, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
export type PhysicalType = (typeof PhysicalType)[keyof typeof PhysicalType];

export const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, RLE_DICTIONARY: 8 } as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2, ZSTD: 6 } as const;
export type Codec = (typeof Codec)[keyof typeof Codec];

export const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2, DATA_PAGE_V2: 3 } as const;
export type PageType = (typeof PageType)[keyof typeof PageType];

const Repetition = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;

const ConvertedType = { UTF8: 0, LIST: 3, DATE: 6, TIMESTAMP_MICROS: 10 } as const;

/** The logical types this writer uses (a subset of Parquet's LogicalType union). */
export type LogicalType = "STRING" | "LIST" | "DATE" | "TIMESTAMP_MICROS_UTC";

/** One element of the flattened schema (depth-first, the root first). */
export interface SchemaNode {
  name: string;
  type?: PhysicalType;
  repetition?: keyof typeof Repetition;
  numChildren?: number;
  logical?: LogicalType;
}

/** Column-chunk statistics: null count, distinct count when known, and, when any value was present, its bounds as PLAIN bytes. */
export interface Statistics {
  nullCount: number;
  min?: Uint8Array;
  max?: Uint8Array;
  /** False when a bound was truncated (strings longer than the statistics limit). */
  minExact?: boolean;
  maxExact?: boolean;
  /** Distinct non-null values, when known exactly (a chunk whose pages all use its dictionary). */
  distinctCount?: number;
}

function writeStatistics(w: ThriftWriter, id: number, stats: Statistics): void {
  w.struct(id);
  w.i64(3, stats.nullCount);
  if (stats.distinctCount !== undefined) w.i64(4, stats.distinctCount);
  if (stats.max !== undefined) w.binary(5, stats.max);
  if (stats.min !== undefined) w.binary(6, stats.min);
  if (stats.max !== undefined) w.bool(7, stats.maxExact ?? true);
  if (stats.min !== undefined) w.bool(8, stats.minExact ?? true);
  w.end();
}

function writeLogical(w: ThriftWriter, logical: LogicalType): void {
  w.struct(10);
  switch (logical) {
    case "STRING":
      w.struct(1).end();
      break;
    case "LIST":
      w.struct(3).end();
      break;
    case "DATE":
      w.struct(6).end();
      break;
    case "TIMESTAMP_MICROS_UTC":
      // TimestampType { isAdjustedToUTC: true, unit: TimeUnit { MICROS: MicroSeconds {} } }
      w.struct(8).bool(1, true).struct(2).struct(2).end().end().end();
      break;
  }
  w.end();
}

const CONVERTED: Record<LogicalType, number> = {
  STRING: ConvertedType.UTF8,
  LIST: ConvertedType.LIST,
  DATE: ConvertedType.DATE,
  TIMESTAMP_MICROS_UTC: ConvertedType.TIMESTAMP_MICROS,
};

function writeSchemaElement(w: ThriftWriter, node: SchemaNode): void {
  w.begin();
  if (node.type !== undefined) w.i32(1, node.type);
  if (node.repetition !== undefined) w.i32(3, Repetition[node.repetition]);
  w.string(4, node.name);
  if (node.numChildren !== undefined) w.i32(5, node.numChildren);
  if (node.logical !== undefined) {
    w.i32(6, CONVERTED[node.logical]);
    writeLogical(w, node.logical);
  }
  w.end();
}

/** The header of a data page (v1 or v2) or a dictionary page. */
export type PageHeader =
  | { type: typeof PageType.DATA_PAGE; uncompressed: number; compressed: number; numValues: number; encoding: Encoding }
  | {
      type: typeof PageType.DATA_PAGE_V2;
      uncompressed: number;
      compressed: number;
      numValues: number;
      numNulls: number;
      numRows: number;
      encoding: Encoding;
      defLength: number;
      repLength: number;
    }
  | { type: typeof PageType.DICTIONARY_PAGE; uncompressed: number; compressed: number; numValues: number; encoding: Encoding };

/** Serialise a page header into `out`. */
export function writePageHeader(out: ByteBuffer, header: PageHeader): void {
  const w = new ThriftWriter(out).begin();
  w.i32(1, header.type).i32(2, header.uncompressed).i32(3, header.compressed);
  switch (header.type) {
    case PageType.DATA_PAGE:
      w.struct(5).i32(1, header.numValues).i32(2, header.encoding).i32(3, Encoding.RLE).i32(4, Encoding.RLE).end();
      break;
    case PageType.DICTIONARY_PAGE:
      w.struct(7).i32(1, header.numValues).i32(2, header.encoding).end();
      break;
    case PageType.DATA_PAGE_V2:
      w.struct(8)
        .i32(1, header.numValues)
        .i32(2, header.numNulls)
        .i32(3, header.numRows)
        .i32(4, header.encoding)
        .i32(5, header.defLength)
        .i32(6, header.repLength)
        .end();
      break;
  }
  w.end();
}

/** How many pages of one type and encoding a chunk has (ColumnMetaData.encoding_stats). */
export interface EncodingCount {
  pageType: PageType;
  encoding: Encoding;
  count: number;
}

/** One column chunk's metadata (ColumnChunk + ColumnMetaData). */
export interface ColumnChunkMeta {
  type: PhysicalType;
  encodings: readonly Encoding[];
  path: readonly string[];
  codec: Codec;
  numValues: number;
  uncompressed: number;
  compressed: number;
  dataPageOffset: number;
  dictionaryPageOffset?: number;
  statistics: Statistics;
  encodingStats: readonly EncodingCount[];
}

function writeColumnChunk(w: ThriftWriter, chunk: ColumnChunkMeta): void {
  w.begin();
  w.i64(2, chunk.dictionaryPageOffset ?? chunk.dataPageOffset);
  w.struct(3);
  w.i32(1, chunk.type);
  w.list(2, T.I32, chunk.encodings.length);
  for (const e of chunk.encodings) w.elementI32(e);
  w.list(3, T.BINARY, chunk.path.length);
  for (const p of chunk.path) w.elementString(p);
  w.i32(4, chunk.codec);
  w.i64(5, chunk.numValues);
  w.i64(6, chunk.uncompressed);
  w.i64(7, chunk.compressed);
  w.i64(9, chunk.dataPageOffset);
  if (chunk.dictionaryPageOffset !== undefined) w.i64(11, chunk.dictionaryPageOffset);
  writeStatistics(w, 12, chunk.statistics);
  w.list(13, T.STRUCT, chunk.encodingStats.length);
  for (const s of chunk.encodingStats) w.begin().i32(1, s.pageType).i32(2, s.encoding).i32(3, s.count).end();
  w.end();
  w.end();
}

/** A row group's metadata. */
export interface RowGroupMeta {
  columns: readonly ColumnChunkMeta[];
  /** Uncompressed bytes of its pages (headers included). */
  totalByteSize: number;
  numRows: number;
  fileOffset: number;
  totalCompressedSize: number;
  ordinal: number;
}

/** A row group's metadata as Thrift bytes, to be spliced into the footer (the footer keeps only these bytes). */
export function encodeRowGroup(group: RowGroupMeta): Uint8Array {
  const out = new ByteBuffer(64 * group.columns.length + 64);
  const w = new ThriftWriter(out).begin();
  w.list(1, T.STRUCT, group.columns.length);
  for (const chunk of group.columns) writeColumnChunk(w, chunk);
  w.i64(2, group.totalByteSize).i64(3, group.numRows).i64(5, group.fileOffset).i64(6, group.totalCompressedSize).i32(7, group.ordinal);
  w.end();
  return out.copy();
}

/** What the footer holds besides the row groups. */
export interface FooterSpec {
  /** FileMetaData.version: 1 for files of version-1 data pages, 2 otherwise (as arrow and DuckDB write it). */
  version: 1 | 2;
  schema: readonly SchemaNode[];
  leafCount: number;
  keyValues: readonly { key: string; value: string }[];
  createdBy: string;
}

/** The file footer: FileMetaData with the encoded row groups spliced in. */
export function encodeFooter(spec: FooterSpec, numRows: number, rowGroups: readonly Uint8Array[]): Uint8Array {
  const out = new ByteBuffer(4096 + rowGroups.reduce((n, g) => n + g.length, 0));
  const w = new ThriftWriter(out).begin();
  w.i32(1, spec.version);
  w.list(2, T.STRUCT, spec.schema.length);
  for (const node of spec.schema) writeSchemaElement(w, node);
  w.i64(3, numRows);
  w.list(4, T.STRUCT, rowGroups.length);
  for (const group of rowGroups) out.append(group);
  w.list(5, T.STRUCT, spec.keyValues.length);
  for (const { key, value } of spec.keyValues) w.begin().string(1, key).string(2, value).end();
  w.string(6, spec.createdBy);
  // Every leaf is ordered by its type's natural order, so readers may trust min_value/max_value.
  w.list(7, T.STRUCT, spec.leafCount);
  for (let i = 0; i < spec.leafCount; i++) w.begin().struct(1).end().end();
  w.end();
  return out.copy();
}
