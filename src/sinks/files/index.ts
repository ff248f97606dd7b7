// Reusable file writers: typed Parquet and JSON Lines, rotated by size, published by atomic rename.
// Used by the standalone sync and meant for Singer BATCH messages too.
export { fsyncDir, tempNameFor, writeFileAtomic } from "./atomic.js";
export { parquetCodec, type Compression, type Compressor } from "./codecs.js";
export {
  EXPORT_GID_COLUMN,
  EXTRACTED_AT_COLUMN,
  EXTRA_COLUMN,
  columnType,
  columnsHash,
  describeType,
  streamColumns,
  type Column,
  type ColumnType,
} from "./columns.js";
export type { FileFormat, PartWriter, RecordStamp } from "./format.js";
export { jsonlFormat } from "./jsonl.js";
export { MAX_ROW_GROUPS_PER_FILE, ROW_GROUP_JSON_BYTES, ROW_GROUP_ROWS, parquetFormat, type ParquetOptions } from "./parquet.js";
export { parquetSchema, recordShredder, type Extra, type Leaf, type LeafData, type RecordShredder } from "./shred.js";
export { RotatingFileWriter, partName, type RotatingWriterOptions, type WrittenFile } from "./rotating.js";
export { fileFormat, type OutputFormat } from "./choose.js";
