// Compression codecs for Parquet pages. Snappy is built into hyparquet-writer; gzip comes from
// node:zlib; zstd from a WebAssembly build, because node:zlib has zstd only from Node 22.15.
import { gzipSync } from "node:zlib";
import { compress as zstdCompress, init as zstdInit } from "@bokuweb/zstd-wasm";

/** The compression setting of config.output. */
export type Compression = "zstd" | "snappy" | "gzip" | "none";

/** A page compressor as hyparquet-writer calls it. */
export type Compressor = (input: Uint8Array) => Uint8Array;

/** zstd level 3 (zstd's default): close to level 1 in speed here, smaller files. */
const ZSTD_LEVEL = 3;

/**
 * The zstd module's init, once per thread: a second init() re-instantiates the WebAssembly module
 * under the first one's callers and corrupts what they compress. Kept on globalThis so that two
 * copies of this module in one thread (sources and build, in tests) share it.
 */
const ZSTD_INIT = Symbol.for("source-asana-export/zstd-init");
const shared = globalThis as { [ZSTD_INIT]?: Promise<void> };

/** The Parquet codec name and compressors for a compression setting (loads the zstd module once). */
export async function parquetCodec(compression: Compression): Promise<{ codec: "ZSTD" | "SNAPPY" | "GZIP" | "UNCOMPRESSED"; compressors: Record<string, Compressor> }> {
  switch (compression) {
    case "zstd":
      shared[ZSTD_INIT] ??= zstdInit();
      await shared[ZSTD_INIT];
      return { codec: "ZSTD", compressors: { ZSTD: (input) => zstdCompress(input, ZSTD_LEVEL) } };
    case "gzip":
      return { codec: "GZIP", compressors: { GZIP: (input) => gzipSync(input, { level: 6 }) } };
    case "snappy":
      return { codec: "SNAPPY", compressors: {} };
    case "none":
      return { codec: "UNCOMPRESSED", compressors: {} };
  }
}
