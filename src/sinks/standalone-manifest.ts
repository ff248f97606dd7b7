// The manifest of one standalone sync, `<out>/_manifests/<export gid>.json`: what loaders read
// instead of listing folders. Written after its files, before the state file.
import { z } from "zod";

export const MANIFEST_VERSION = 1;

const fileEntry = z.strictObject({
  /** Relative to the output folder, `/`-separated. */
  path: z.string(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});

/** The manifest format (also used to read manifests back, e.g. in the demo and tests). */
export const manifestSchema = z.strictObject({
  version: z.literal(MANIFEST_VERSION),
  export_gid: z.string(),
  /** Server time the export started: every change before it is in this sync or an earlier one. */
  export_created_at: z.string(),
  written_at: z.string(),
  format: z.enum(["parquet", "jsonl"]),
  compression: z.enum(["zstd", "snappy", "gzip", "none"]),
  streams: z.record(
    z.string(),
    z.strictObject({
      rows: z.number().int().nonnegative(),
      bytes: z.number().int().nonnegative(),
      /** The stream's cursor after this sync (absent for full-refresh-only streams). */
      cursor: z.string().optional(),
      /** Hash of the Parquet columns: a change means the schema changed between files. */
      columns_hash: z.string().optional(),
      /** Lines the Parquet writer could not represent and skipped (on_invalid_record = skip); absent when none. */
      skipped_lines: z.number().int().positive().optional(),
      /** Of `rows`, the tombstones: rows of objects deleted in Asana, with `_deleted_at` set; absent when none. */
      deleted_rows: z.number().int().positive().optional(),
      files: z.array(fileEntry),
    }),
  ),
});
/** A parsed manifest. */
export type Manifest = z.infer<typeof manifestSchema>;

/** Build the manifest document of a finished sync. */
export function manifestDocument(input: {
  exportGid: string;
  exportCreatedAt: string;
  writtenAt: string;
  format: "parquet" | "jsonl";
  compression: "zstd" | "snappy" | "gzip" | "none";
  streams: readonly {
    stream: string;
    rows: number;
    bytes: number;
    cursor: string | undefined;
    columnsHash: string | undefined;
    skipped: number;
    deleted?: number;
    files: { path: string; rows: number; bytes: number }[];
  }[];
}): Manifest {
  const streams: Manifest["streams"] = {};
  for (const s of input.streams) {
    streams[s.stream] = {
      rows: s.rows,
      bytes: s.bytes,
      ...(s.cursor === undefined ? {} : { cursor: s.cursor }),
      ...(s.columnsHash === undefined ? {} : { columns_hash: s.columnsHash }),
      ...(s.skipped > 0 ? { skipped_lines: s.skipped } : {}),
      ...((s.deleted ?? 0) > 0 ? { deleted_rows: s.deleted } : {}),
      files: s.files,
    };
  }
  return {
    version: MANIFEST_VERSION,
    export_gid: input.exportGid,
    export_created_at: input.exportCreatedAt,
    written_at: input.writtenAt,
    format: input.format,
    compression: input.compression,
    streams,
  };
}
