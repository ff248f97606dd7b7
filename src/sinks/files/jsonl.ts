// JSON Lines files: each record's text exactly as exported (never re-serialised), one per line,
// gzip-compressed unless compression is none.
import { once } from "node:events";
import { open, type FileHandle } from "node:fs/promises";
import { createGzip, type Gzip } from "node:zlib";
import type { ExportRecord } from "../../core/record.js";
import type { FileFormat, PartWriter } from "./format.js";
import { writeFully } from "./write-fully.js";

class JsonlPart implements PartWriter {
  rows = 0;
  bytes = 0;
  private readonly pump: Promise<void>;
  private failure: unknown;

  constructor(
    private readonly handle: FileHandle,
    private readonly gzip: Gzip | undefined,
  ) {
    this.pump = gzip === undefined ? Promise.resolve() : this.drain(gzip);
    // The pump's failure is rethrown by the next write or close.
    this.pump.catch((error: unknown) => (this.failure ??= error));
  }

  private async drain(gzip: Gzip): Promise<void> {
    for await (const chunk of gzip as AsyncIterable<Buffer>) await this.writeAll(chunk);
  }

  private async writeAll(bytes: Uint8Array): Promise<void> {
    await writeFully(this.handle, bytes);
    this.bytes += bytes.length;
  }

  async write(records: readonly ExportRecord[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (records.length === 0) return;
    const bytes = linesOf(records);
    this.rows += records.length;
    if (this.gzip === undefined) {
      await this.writeAll(bytes);
    } else if (!this.gzip.write(bytes)) {
      await Promise.race([once(this.gzip, "drain"), this.pump]);
    }
  }

  async close(): Promise<number> {
    if (this.gzip !== undefined) {
      this.gzip.end();
      await this.pump;
    }
    if (this.failure !== undefined) throw this.failure;
    await this.handle.sync();
    await this.handle.close();
    return this.bytes;
  }

  async destroy(): Promise<void> {
    this.gzip?.destroy();
    await this.pump.catch(() => undefined);
    await this.handle.close().catch(() => undefined);
  }
}

/** The records' JSON text, a newline after each, each written in the form it holds (no string made or re-encoded when the bytes are at hand). */
function linesOf(records: readonly ExportRecord[]): Buffer {
  let bound = 0;
  for (const r of records) bound += r.rawLengthBound() + 1;
  const out = Buffer.allocUnsafe(bound);
  let at = 0;
  for (const r of records) {
    at = r.writeRaw(out, at);
    out[at++] = 0x0a;
  }
  return out.subarray(0, at);
}

/** The JSON Lines format: `.jsonl.gz` (gzip level 6), or plain `.jsonl` when `gzip` is false. */
export function jsonlFormat(options: { gzip: boolean }): FileFormat {
  return {
    extension: options.gzip ? "jsonl.gz" : "jsonl",
    async open(path) {
      const handle = await open(path, "wx");
      return new JsonlPart(handle, options.gzip ? createGzip({ level: 6 }) : undefined);
    },
  };
}
