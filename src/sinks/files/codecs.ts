// Compression codecs for Parquet pages. Snappy is built into hyparquet-writer; gzip comes from
// node:zlib; zstd from a WebAssembly build, because node:zlib has zstd only from Node 22.15.
import { gzipSync } from "node:zlib";
import { compress as zstdCompress, init as zstdInit } from "@bokuweb/zstd-wasm";

/** The compression setting of config.output. */
export type Compression = "zstd" | "snappy" | "gzip" | "none";

/** A page compressor as hyparquet-writer calls it. */
export type Compressor = (input: Uint8Array) => Uint8Array;

/** A Parquet codec name and the compressors hyparquet-writer needs for it. */
export interface PageCodec {
  codec: "ZSTD" | "SNAPPY" | "GZIP" | "UNCOMPRESSED";
  compressors: Record<string, Compressor>;
}

/** zstd level 3 (zstd's default): close to level 1 in speed here, smaller files. */
const ZSTD_LEVEL = 3;

/**
 * The page codecs of one thread. The zstd WebAssembly module is instantiated the first time zstd is
 * asked for, by this object: make ONE per thread and pass it to whatever encodes there (a second
 * instantiation in the same thread re-creates the module under the first one's callers and corrupts
 * what they compress). The command that runs a sync makes it; the encoding worker makes its own.
 */
export class PageCodecs {
  private zstdReady: Promise<void> | undefined;

  /** The codec name and compressors for a compression setting. */
  async codec(compression: Compression): Promise<PageCodec> {
    switch (compression) {
      case "zstd":
        this.zstdReady ??= zstdInit();
        await this.zstdReady;
        return { codec: "ZSTD", compressors: { ZSTD: (input) => zstdCompress(input, ZSTD_LEVEL) } };
      case "gzip":
        return { codec: "GZIP", compressors: { GZIP: (input) => gzipSync(input, { level: 6 }) } };
      case "snappy":
        return { codec: "SNAPPY", compressors: {} };
      case "none":
        return { codec: "UNCOMPRESSED", compressors: {} };
    }
  }
}
