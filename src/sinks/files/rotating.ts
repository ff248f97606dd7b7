// One stream's files: parts written under hidden temporary names, a new part past the size limit,
// renamed to `<dir>/<baseName>-<part>.<ext>` only when committed. Abort deletes every temporary.
// The standalone sync commits all parts once the whole export was read; a Singer BATCH writer can
// set `commitEachPart` to publish each part as soon as it is complete.
import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { makeDirectory } from "../../core/make-directory.js";
import type { ExportRecord } from "../../core/record.js";
import { fsyncDir } from "./atomic.js";
import type { FileFormat, PartWriter, RecordStamp, SkippedLines } from "./format.js";

/** A file under its final name. */
export interface WrittenFile {
  path: string;
  rows: number;
  bytes: number;
}

/** Options of a rotating writer. */
export interface RotatingWriterOptions {
  dir: string;
  format: FileFormat;
  /** Start a new part once the current one reached this many bytes, or its format says it is full (checked after each write). */
  maxFileBytes: number;
  /** Final names are `<baseName>-<part>.<ext>`; may be given later, to commit(). */
  baseName?: string;
  /** Rename each part as soon as it is complete (needs baseName); default false: parts wait for commit(). */
  commitEachPart?: boolean;
  /** Called with each file once it has its final name. */
  onCommitted?: (file: WrittenFile) => void | Promise<void>;
}

interface CompletePart {
  temp: string;
  part: number;
  rows: number;
  bytes: number;
}

/** Part numbers in names: 1-based, five digits, so names sort in writing order. */
export function partName(baseName: string, part: number, extension: string): string {
  return `${baseName}-${String(part).padStart(5, "0")}.${extension}`;
}

/** A part's temporary name: hidden, the writer's random token, the part number. */
function tempPartName(token: string, part: number, extension: string): string {
  return `.${token}-${String(part).padStart(5, "0")}.${extension}.partial`;
}

/** Whether a file name is a part's temporary name (so a killed writer's leftovers can be told from anything else). */
export function isTempPartName(name: string): boolean {
  return /^\.[0-9a-f]{12}-\d{5}\.[a-z0-9]+(\.[a-z0-9]+)?\.partial$/.test(name);
}

/** A per-stream writer that rotates parts by size and publishes them by atomic rename. */
export class RotatingFileWriter {
  private readonly token = randomBytes(6).toString("hex");
  private current: { part: number; temp: string; writer: PartWriter } | undefined;
  private nextPart = 1;
  private readonly complete: CompletePart[] = [];
  private readonly committed: WrittenFile[] = [];
  private madeDir = false;
  private aborted = false;
  /** Lines skipped by parts already closed. */
  private readonly skips: SkippedLines = { count: 0 };

  constructor(private readonly options: RotatingWriterOptions) {
    if (options.commitEachPart && options.baseName === undefined) throw new Error("commitEachPart needs a baseName");
  }

  /** Records written so far, in all parts. */
  get rows(): number {
    return [...this.complete, ...this.committed].reduce((n, f) => n + f.rows, 0) + (this.current?.writer.rows ?? 0);
  }

  /** Bytes written so far, in all parts. */
  get bytes(): number {
    return [...this.complete, ...this.committed].reduce((n, f) => n + f.bytes, 0) + (this.current?.writer.bytes ?? 0);
  }

  /** Lines the format skipped because it cannot represent them (on_invalid_record = skip). */
  get skipped(): SkippedLines {
    const open = this.current?.writer.skipped;
    if (open === undefined || open.count === 0) return this.skips;
    const first = this.skips.first ?? open.first;
    return { count: this.skips.count + open.count, ...(first === undefined ? {} : { first }) };
  }

  /** Files under their final names so far. */
  get files(): readonly WrittenFile[] {
    return this.committed;
  }

  /** Append records; rotates to a new part when the current one is past the size limit. */
  async write(records: readonly ExportRecord[], stamp: RecordStamp): Promise<void> {
    if (this.aborted) throw new Error("write after abort");
    if (records.length === 0) return;
    const current = this.current ?? (await this.openPart());
    await current.writer.write(records, stamp);
    if (current.writer.bytes >= this.options.maxFileBytes || current.writer.full === true) await this.closePart();
  }

  private async openPart(): Promise<NonNullable<RotatingFileWriter["current"]>> {
    if (!this.madeDir) {
      // Private to its owner, like every folder the connector makes (core/make-directory.ts).
      await makeDirectory(this.options.dir);
      this.madeDir = true;
    }
    const part = this.nextPart++;
    const temp = join(this.options.dir, tempPartName(this.token, part, this.options.format.extension));
    this.current = { part, temp, writer: await this.options.format.open(temp) };
    return this.current;
  }

  private async closePart(): Promise<void> {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    const rows = current.writer.rows;
    const skipped = current.writer.skipped;
    if (skipped !== undefined && skipped.count > 0) {
      this.skips.count += skipped.count;
      if (this.skips.first === undefined && skipped.first !== undefined) this.skips.first = skipped.first;
    }
    let bytes: number;
    try {
      bytes = await current.writer.close();
    } catch (error) {
      this.complete.push({ temp: current.temp, part: current.part, rows: 0, bytes: 0 });
      throw error;
    }
    this.complete.push({ temp: current.temp, part: current.part, rows, bytes });
    if (this.options.commitEachPart) await this.publish(this.options.baseName as string);
  }

  /** Complete the open part (its footer written, fsynced); it stays under its temporary name until commit. */
  async close(): Promise<void> {
    await this.closePart();
  }

  /** Close, then rename every complete part to its final name; returns the files committed by this call. */
  async commit(baseName: string | undefined = this.options.baseName): Promise<WrittenFile[]> {
    if (baseName === undefined) throw new Error("commit needs a baseName");
    const before = this.committed.length;
    await this.closePart();
    await this.publish(baseName);
    return this.committed.slice(before);
  }

  private async publish(baseName: string): Promise<void> {
    const done: WrittenFile[] = [];
    for (const part of this.complete.splice(0)) {
      const path = join(this.options.dir, partName(baseName, part.part, this.options.format.extension));
      await rename(part.temp, path);
      const file = { path, rows: part.rows, bytes: part.bytes };
      this.committed.push(file);
      done.push(file);
    }
    if (done.length > 0) await fsyncDir(this.options.dir);
    for (const file of done) await this.options.onCommitted?.(file);
  }

  /** Discard the open part and every part not yet committed (their temporary files are deleted). */
  async abort(): Promise<void> {
    this.aborted = true;
    const current = this.current;
    this.current = undefined;
    if (current !== undefined) {
      await current.writer.destroy();
      await rm(current.temp, { force: true });
    }
    for (const part of this.complete.splice(0)) await rm(part.temp, { force: true });
  }
}
