// Streaming gunzip of the downloaded bytes, with zlib's errors turned into ones a user can act on.
import { Readable, pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { ConnectorError } from "../core/errors.js";
import { ExportFileError } from "./errors.js";

/** Byte counters the gunzip stage keeps up to date while it runs. */
export interface GunzipCounters {
  compressedBytes: number;
  uncompressedBytes: number;
}

// Inflate runs on the libuv pool, overlapping the parsing of the previous chunk, but each step
// needs an event-loop turn to start; 256 KB steps (zlib's default is 16 KB) cut those turns and
// the main thread's idle waits. Measured as fast as inflating in a worker thread, which was
// therefore not kept (bench/export-file-decode.ts).
const CHUNK_SIZE = 256 * 1024;
const HIGH_WATER_MARK = 1024 * 1024;

async function* counted(source: AsyncIterable<Buffer>, counters: GunzipCounters): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    counters.compressedBytes += chunk.length;
    yield chunk;
  }
}

/** Decompress a gzip byte stream (multi-member allowed), yielding the decompressed chunks. */
export async function* gunzipChunks(
  source: AsyncIterable<Buffer>,
  counters: GunzipCounters,
): AsyncGenerator<Buffer, void, undefined> {
  const gunzip = createGunzip({ chunkSize: CHUNK_SIZE });
  // Errors reach us through the gunzip stream, which pipeline destroys with the source's error;
  // ending our iteration early destroys gunzip, and pipeline then closes the source.
  const input = Readable.from(counted(source, counters), { objectMode: false, highWaterMark: HIGH_WATER_MARK });
  const output = pipeline(input, gunzip, () => undefined);
  try {
    for await (const chunk of output as AsyncIterable<Buffer>) {
      counters.uncompressedBytes += chunk.length;
      yield chunk;
    }
  } catch (err) {
    throw zlibError(err, counters);
  }
}

function zlibError(err: unknown, counters: GunzipCounters): unknown {
  if (err instanceof ConnectorError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const where = `after ${counters.compressedBytes} compressed bytes (${counters.uncompressedBytes} bytes decompressed)`;
  if (code === "Z_BUF_ERROR") {
    return new ExportFileError(
      `The export file ended early: its gzip data stops ${where}, before the end of the gzip stream. ` +
        `The download was cut short or the file is incomplete: run the sync again to download it again; ` +
        `if this repeats, start a new export.`,
      "EXPORT_FILE_TRUNCATED",
      err,
    );
  }
  if (code === "Z_DATA_ERROR" || code === "Z_STREAM_ERROR" || code === "Z_NEED_DICT") {
    const detail = err instanceof Error ? err.message : String(err);
    return new ExportFileError(
      `The export file is not valid gzip (${detail}) ${where}. Run the sync again to download it again; ` +
        `if this repeats, the export is damaged: start a new export.`,
      "EXPORT_FILE_CORRUPT",
      err,
    );
  }
  return err;
}
