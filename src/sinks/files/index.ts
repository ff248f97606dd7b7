// Reusable file writers: typed Parquet and JSON Lines, rotated by size, published by atomic rename.
// Used by the standalone sync and by the Singer tap's BATCH files.
export { writeFileAtomic } from "./atomic.js";
export { PageCodecs } from "./codecs.js";
export { columnsHash, streamColumns } from "./columns.js";
export { parquetCreatedBy } from "./created-by.js";
export type { RecordStamp, SkippedLines } from "./format.js";
export { RotatingFileWriter, type WrittenFile } from "./rotating.js";
export { fileFormat, type FileSettings } from "./choose.js";
export { chooseEncoding, type ParquetEncoding } from "./parquet-channel.js";
