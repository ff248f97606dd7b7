// Splits a byte stream into lines without decoding it: decoding happens per whole line, so a
// multi-byte UTF-8 character cut by a chunk boundary is never seen in halves.
import { ExportLineError } from "./errors.js";

/**
 * Default cap on one line. A line costs memory many times its size on its way to a file (as text,
 * as an object, as Parquet columns: a 50 MB line took `sync` to Parquet to ~820 MB of RSS, a 250 MB
 * one to ~3 GB), so the cap is what bounds that cost: 32 MiB is three times the largest line the
 * tests pass (10 MB of notes) and far above any real Asana object, and a line over it is refused
 * after at most 32 MiB was held.
 */
export const DEFAULT_MAX_LINE_BYTES = 32 * 1024 * 1024;

const LF = 10;
const CR = 13;

/**
 * Receives one non-blank line: bytes `[start, end)` of `buf` (newline and one trailing CR removed),
 * its 1-based line number and the byte offset of its first byte in the whole stream.
 */
export type LineHandler = (buf: Buffer, start: number, end: number, line: number, offset: number) => void;

/**
 * Incremental line splitter over Buffer chunks. Lines are handed out as ranges of the chunk they
 * sit in (no copy); only a line that spans chunks is concatenated. Chunks must not be mutated
 * after being pushed, since a partial line keeps a view of them.
 */
export class LineSplitter {
  /** Lines seen so far, blank ones included (the number of the last line handed out or skipped). */
  lineCount = 0;
  /** Blank lines skipped (empty, or a lone CR). */
  blankLines = 0;
  /** Bytes pushed so far. */
  bytes = 0;

  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingOffset = 0;

  constructor(readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES) {}

  /** Feed the next chunk; calls `onLine` for every line it completes. */
  push(chunk: Buffer, onLine: LineHandler): void {
    const base = this.bytes;
    this.bytes += chunk.length;
    let start = 0;
    let nl = chunk.indexOf(LF);
    if (this.pendingBytes > 0) {
      if (nl === -1) {
        this.keep(chunk, 0, base);
        return;
      }
      const parts = this.pending;
      parts.push(chunk.subarray(0, nl));
      const whole = Buffer.concat(parts, this.pendingBytes + nl);
      const offset = this.pendingOffset;
      this.pending = [];
      this.pendingBytes = 0;
      this.emit(whole, 0, whole.length, offset, onLine);
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    while (nl !== -1) {
      this.emit(chunk, start, nl, base + start, onLine);
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) this.keep(chunk, start, base);
  }

  /** Signal the end of the stream: a last line without a newline is handed out now. */
  end(onLine: LineHandler): void {
    if (this.pendingBytes === 0) return;
    const whole = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.emit(whole, 0, whole.length, this.pendingOffset, onLine);
  }

  private keep(chunk: Buffer, start: number, base: number): void {
    if (this.pendingBytes === 0) this.pendingOffset = base + start;
    this.pending.push(start === 0 ? chunk : chunk.subarray(start));
    this.pendingBytes += chunk.length - start;
    // Checked before the newline arrives so memory stays bounded; +1 leaves room for a CR.
    if (this.pendingBytes > this.maxLineBytes + 1) this.tooLong(this.lineCount + 1, this.pendingOffset);
  }

  private emit(buf: Buffer, start: number, end: number, offset: number, onLine: LineHandler): void {
    const line = ++this.lineCount;
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) {
      this.blankLines++;
      return;
    }
    if (end - start > this.maxLineBytes) this.tooLong(line, offset);
    onLine(buf, start, end, line, offset);
  }

  private tooLong(line: number, offset: number): never {
    this.pending = [];
    this.pendingBytes = 0;
    throw new ExportLineError(
      `Export file line ${line} (byte offset ${offset} of the uncompressed file) is longer than the ` +
        `${this.maxLineBytes}-byte line limit, which bounds the memory a line may take. No Asana object is that ` +
        `large, so the export is probably damaged. The state no longer records this export job, so the next ` +
        `run starts a new export.`,
      "EXPORT_LINE_TOO_LONG",
      { line, offset, reason: "too_long" },
    );
  }
}
