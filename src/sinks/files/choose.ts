// The file format of a stream from the output settings.
import type { StreamDefinition } from "../../streams/index.js";
import type { Compression } from "./codecs.js";
import { columnsHash, streamColumns } from "./columns.js";
import type { FileFormat } from "./format.js";
import { jsonlFormat } from "./jsonl.js";
import { parquetFormat } from "./parquet.js";

/** The output file format setting. */
export type OutputFormat = "parquet" | "jsonl";

/**
 * The format for one stream's files: Parquet typed from the stream's schema (compression as given),
 * or JSON Lines (gzip unless compression is none).
 */
export function fileFormat(stream: Pick<StreamDefinition, "name" | "schema">, format: OutputFormat, compression: Compression): FileFormat {
  if (format === "jsonl") return jsonlFormat({ gzip: compression !== "none" });
  const columns = streamColumns(stream.schema);
  return parquetFormat({ columns, compression, metadata: { "asana_export.stream": stream.name, "asana_export.columns_hash": columnsHash(columns) } });
}
