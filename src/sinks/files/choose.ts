// The file format of a stream from the output settings.
import type { StreamDefinition } from "../../streams/index.js";
import type { Compression } from "./codecs.js";
import { columnsHash, streamColumns } from "./columns.js";
import type { FileFormat } from "./format.js";
import { jsonlFormat } from "./jsonl.js";
import type { ParquetEncoding } from "./parquet-channel.js";
import { parquetFormat } from "./parquet.js";

/** How Parquet files are laid out and where their pages are encoded. */
export interface ParquetSettings {
  format: "parquet";
  compression: Compression;
  /** Where pages are encoded (the caller owns and closes it). */
  encoding: ParquetEncoding;
  /** config.on_invalid_record, for lines the writer cannot represent. */
  onInvalidRecord: "fail" | "skip";
  /** The footer's created_by (parquetCreatedBy()). */
  createdBy: string;
  rowGroupBytes?: number;
  pageVersion?: 1 | 2;
}

/** How a sync writes its files. */
export type FileSettings = { format: "jsonl"; compression: Compression } | ParquetSettings;

/**
 * The format for one stream's files: Parquet typed from the stream's schema (compression as given),
 * or JSON Lines (gzip unless compression is none).
 */
export function fileFormat(stream: Pick<StreamDefinition, "name" | "schema">, settings: FileSettings): FileFormat {
  if (settings.format === "jsonl") return jsonlFormat({ gzip: settings.compression !== "none" });
  const columns = streamColumns(stream.schema);
  return parquetFormat({
    columns,
    compression: settings.compression,
    encoding: settings.encoding,
    stream: stream.name,
    onInvalidRecord: settings.onInvalidRecord,
    createdBy: settings.createdBy,
    ...(settings.rowGroupBytes === undefined ? {} : { rowGroupBytes: settings.rowGroupBytes }),
    ...(settings.pageVersion === undefined ? {} : { pageVersion: settings.pageVersion }),
    metadata: { "asana_export.stream": stream.name, "asana_export.columns_hash": columnsHash(columns) },
  });
}
