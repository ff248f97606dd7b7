// Compression codecs for Parquet pages. zstd comes from node:zlib where Node has it (22.15+ and 24,
// the image's runtime), else from a WebAssembly build (Node 20); gzip from node:zlib; snappy from the
// `snappy` package (native builds for every platform, published in the npm registry).
import * as zlib from "node:zlib";
import { compress as zstdWasmCompress, init as zstdWasmInit } from "@bokuweb/zstd-wasm";
import { compressSync as snappyCompress } from "snappy";
import type { Compressor } from "./parquet/chunk-settings.js";
import { Codec } from "./parquet/format.js";

/** The compression setting of config.output. */
export type Compression = "zstd" | "snappy" | "gzip" | "none";

/** A Parquet codec and its page compressor. */
export interface PageCodec {
  codec: Codec;
  compress: Compressor;
}

/** zstd level 3 (zstd's default, DuckDB's and arrow's too): close to level 1 in speed here, smaller files. */
const ZSTD_LEVEL = 3;

/** node:zlib's zstd, typed here because @types/node 20 does not know it. */
type NativeZstd = (input: Uint8Array, options: { params: Record<number, number> }) => Buffer;

/** node:zlib's zstd compressor when this Node has one. */
function nativeZstd(): Compressor | undefined {
  const compressSync = (zlib as unknown as { zstdCompressSync?: NativeZstd }).zstdCompressSync;
  const level = (zlib.constants as unknown as Record<string, number>).ZSTD_c_compressionLevel;
  if (compressSync === undefined || level === undefined) return undefined;
  const options = { params: { [level]: ZSTD_LEVEL } };
  return (input) => compressSync(input, options);
}

/** Which zstd build a thread uses: node:zlib's when Node has it, else the WebAssembly one. */
export type ZstdBuild = "native" | "wasm";

/**
 * The page codecs of one thread. The zstd WebAssembly module is instantiated the first time zstd is
 * asked for, by this object: make ONE per thread and pass it to whatever encodes there (a second
 * instantiation in the same thread re-creates the module under the first one's callers and corrupts
 * what they compress). The command that runs a sync makes it; the encoding worker makes its own.
 */
export class PageCodecs {
  private zstdReady: Promise<void> | undefined;
  private readonly native: Compressor | undefined;

  /** `zstd`: force a build (for measurements and tests); default native when available. */
  constructor(zstd?: ZstdBuild) {
    this.native = zstd === "wasm" ? undefined : nativeZstd();
    if (zstd === "native" && this.native === undefined) throw new Error(`node:zlib has no zstd in Node ${process.version} (it needs 22.15 or later)`);
  }

  /** The zstd build this object compresses with. */
  get zstdBuild(): ZstdBuild {
    return this.native === undefined ? "wasm" : "native";
  }

  /** The codec and compressor for a compression setting. */
  async codec(compression: Compression): Promise<PageCodec> {
    switch (compression) {
      case "zstd": {
        if (this.native !== undefined) return { codec: Codec.ZSTD, compress: this.native };
        this.zstdReady ??= zstdWasmInit();
        await this.zstdReady;
        return { codec: Codec.ZSTD, compress: (input) => zstdWasmCompress(input, ZSTD_LEVEL) };
      }
      case "gzip":
        return { codec: Codec.GZIP, compress: (input) => zlib.gzipSync(input, { level: 6 }) };
      case "snappy":
        return { codec: Codec.SNAPPY, compress: (input) => snappyCompress(input) };
      case "none":
        return { codec: Codec.UNCOMPRESSED, compress: (input) => input.slice() };
    }
  }
}
