// The file format of a stream from the output settings.
import type { StreamDefinition } from "../../streams/index.js";
import type { Compression } from "./codecs.js";
import { columnsHash, streamColumns } from "./columns.js";
import type { FileFormat } from "./format.js";
import { jsonlFormat } from "./jsonl.js";
import type { RowGroupEncoding } from "./parquet-channel.js";
import { parquetFormat } from "./parquet.js";

/** How a sync writes its files; Parquet also says where its row groups are encoded. */
export type FileSettings =
  | { format: "jsonl"; compression: Compression }
  | { format: "parquet"; compression: Compression; encoding: RowGroupEncoding };

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
    metadata: { "asana_export.stream": stream.name, "asana_export.columns_hash": columnsHash(columns) },
  });
}
