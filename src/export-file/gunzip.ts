// Streaming gunzip of the downloaded bytes, with zlib's errors turned into ones a user can act on.
import { once } from "node:events";
import type { TransformOptions } from "node:stream";
import { createGunzip, type ZlibOptions } from "node:zlib";
import { ConnectorError } from "../core/errors.js";
import { ExportFileError } from "./errors.js";

/** Byte counters the gunzip stage keeps up to date while it runs. */
export interface GunzipCounters {
  compressedBytes: number;
  uncompressedBytes: number;
}

// Inflate runs on the libuv pool, overlapping the parsing of the previous chunk, but each step
// needs an event-loop turn to start; steps larger than zlib's default 16 KB cut those turns and
// the main thread's idle waits. Inflating in a worker thread instead (chunks transferred back)
// measured no faster than this on 200k lines (both ~3.0-3.6 s on 2 noisy cores), so it was not kept.
// Tried again in 2026-12 against the 256 KB-chunk gunzip floor, each no faster on this shared VM:
// gunzip + split + scan in a worker, chunks transferred to the main thread (3.0-3.5 s against 3.4 s
// here); and the scan alone in a worker, the lines copied into SharedArrayBuffer blocks (1 s more
// CPU in all, 3.3-3.8 s against 2.5 s, for the copies, fresh pages and messages). The CPU a read
// needs (inflate ~0.9 s, scan ~1.1 s, the rest ~0.5 s for 700 MB) is 2.5-3x the floor's, so even
// spread perfectly over 2 cores it would land at 1.4-1.6x the floor. Tried once more on 2026-12-01
// for the read of all fifteen streams, whose thread is the busy one: gunzip, split and scan in a
// worker, each batch's lines, spans and store moved to this thread, records made here. At 200k
// tasks it read all fifteen streams in 7.4-8.3 s against 10.7-13.1 s, but the three in 4.1-5.0 s
// against 2.9-3.6 s (1.8 s more CPU: the copies, fresh pages), and it raised every command's peak
// RSS by 55-100 MB (the worker's isolate: its heap, external memory and a ~40 MB peak of its
// compiler's malloc), past the bounds of `read` (150 MB), `read` of all streams (200 MB) and
// `sync` (256 MB); not kept.
// 64 KB, not 256 KB, since Node 24 ran `read` with its 1 MB semi-space (heap.ts): a chunk's memory
// promoted to the old generation is freed only by a full collection, and the 256 KB chunks held
// 90 MB of buffers at the peak against 32 MB on Node 20 (process.memoryUsage().arrayBuffers). The
// read of all fifteen streams of 50,000 tasks on Node 24 peaked at 202-222 MB with 256 KB chunks,
// 169-183 MB with 128 KB, 141-147 MB with 64 KB (Node 20: 141-181 and 136-140 MB), CPU within the
// noise (6.44 against 6.17 s, medians of 5 interleaved runs; the 3 streams 1.94 against 2.10 s).
// 128 KB since the scan moved to WebAssembly (json-scan-kernel.ts) and the main thread spends less
// per byte, so each chunk's own cost counts for more. At 200k tasks on Node 24 (medians of 3-5
// interleaved runs, 64 / 128 / 256 KB): `read` of the 3 streams 3.18 / 3.08 / 2.78 s at 128 MB;
// `read` of all fifteen 13.4 / 12.4 / 11.6 s at 137 / 141 / 178 MB; the Parquet sync 14.1 / 11.5 /
// 11.8 s at 240 / 241 / 245 MB. On Node 20, the sync 15.9 s with 64 KB against 14.2 s with 256 KB.
const CHUNK_SIZE = 128 * 1024;
// How far inflate may run ahead of the reader. At the default (16 KB, less than one chunk) zlib
// stops after each chunk until it is read, so every chunk costs a thread hand-off on the critical
// path: a reader busy 0.3 ms a chunk took 1.78 s on the 696 MB bench file against 1.36 s with 1 MB.
const READ_AHEAD_BYTES = 1024 * 1024;

/**
 * Decompress a gzip byte stream (multi-member allowed), yielding the decompressed chunks. An empty
 * stream is an empty export (Asana stores an export that matched nothing as a 0-byte file); a stream
 * that does not open with gzip's magic bytes is refused as not gzip rather than as damaged gzip.
 */
export async function* gunzipChunks(
  source: AsyncIterable<Buffer>,
  counters: GunzipCounters,
): AsyncGenerator<Buffer, void, undefined> {
  const input = source[Symbol.asyncIterator]();
  const head = await readHead(input);
  counters.compressedBytes += head.reduce((n, b) => n + b.length, 0);
  if (counters.compressedBytes === 0) return;
  try {
    checkMagic(Buffer.concat(head));
  } catch (error) {
    input.return?.().catch(() => undefined);
    throw error;
  }
  // zlib streams take Transform's options too (lib/zlib.js passes them on); the types omit them.
  const options: ZlibOptions & TransformOptions = { chunkSize: CHUNK_SIZE, readableHighWaterMark: READ_AHEAD_BYTES };
  const gunzip = createGunzip(options);
  const stop = new AbortController();
  let sourceError: { error: unknown } | undefined;
  // Fed by hand rather than through stream.pipeline(Readable.from(source)): that route kept
  // buffers alive long enough to add ~50 MB of peak RSS at the same speed (measured).
  const pump = async (): Promise<void> => {
    for (const chunk of head) if (!gunzip.write(chunk)) await once(gunzip, "drain", { signal: stop.signal });
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await input.next();
      } catch (error) {
        if (stop.signal.aborted) return;
        sourceError = { error };
        gunzip.destroy(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (next.done === true) break;
      counters.compressedBytes += next.value.length;
      // A zlib error also rejects this wait; the reader below reports it.
      if (!gunzip.write(next.value)) await once(gunzip, "drain", { signal: stop.signal });
    }
    gunzip.end();
  };
  pump().catch(() => undefined);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      counters.uncompressedBytes += chunk.length;
      yield chunk;
    }
  } catch (err) {
    // The source's own errors (a DownloadError) pass through unchanged.
    throw sourceError !== undefined ? sourceError.error : zlibError(err, counters);
  } finally {
    stop.abort();
    gunzip.destroy();
    // Not awaited: a source busy waiting on the network handles this once its pending read settles.
    input.return?.().catch(() => undefined);
  }
}

/** The stream's first chunks, until they hold gzip's two magic bytes or the stream ends. */
async function readHead(input: AsyncIterator<Buffer>): Promise<Buffer[]> {
  const head: Buffer[] = [];
  let bytes = 0;
  while (bytes < 2) {
    const next = await input.next();
    if (next.done === true) break;
    head.push(next.value);
    bytes += next.value.length;
  }
  return head;
}

/** Refuse a file that does not start like gzip (1f 8b); a lone 1f is left to gunzip (truncated). */
function checkMagic(start: Buffer): void {
  if (start[0] === 0x1f && (start.length < 2 || start[1] === 0x8b)) return;
  const hex = [...start.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  const looks = start[0] === 0x3c ? " (it looks like an HTML or XML page)" : start[0] === 0x7b ? " (it looks like uncompressed JSON)" : "";
  throw new ExportFileError(
    `The export file is not gzip: it starts with the bytes ${hex}${looks}, where a gzip file starts with 1f 8b. ` +
      `Asana stored something else, or a proxy between this machine and the storage host answered instead. ` +
      `The state no longer records this export job, so the next run starts a new export.`,
    "EXPORT_FILE_NOT_GZIP",
  );
}

function zlibError(err: unknown, counters: GunzipCounters): unknown {
  if (err instanceof ConnectorError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const where = `after ${counters.compressedBytes} compressed bytes (${counters.uncompressedBytes} bytes decompressed)`;
  if (code === "Z_BUF_ERROR") {
    return new ExportFileError(
      `The export file ended early: its gzip data stops ${where}, before the end of the gzip stream. ` +
        `The download was cut short or the file is incomplete. The state no longer records this export job, so the ` +
        `next run starts a new export.`,
      "EXPORT_FILE_TRUNCATED",
      err,
    );
  }
  if (code === "Z_DATA_ERROR" || code === "Z_STREAM_ERROR" || code === "Z_NEED_DICT") {
    const detail = err instanceof Error ? err.message : String(err);
    return new ExportFileError(
      `The export file is not valid gzip (${detail}) ${where}: the export is damaged. The state no longer records ` +
        `this export job, so the next run starts a new export.`,
      "EXPORT_FILE_CORRUPT",
      err,
    );
  }
  return err;
}
