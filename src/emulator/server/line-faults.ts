// Corruptions of export lines armed by file faults: lines inserted at a line number (malformed JSON,
// unknown resource_type) and objects rewritten from a line number on (missing modified_at, missing
// gid, huge notes, invalid UTF-8, a duplicated key), each applied once per file.
import type { FileFault } from "./fault-plan.js";

/** One line of the export, as text or (for invalid UTF-8) raw bytes, without its newline. */
export type Line = string | Buffer;

const HUGE_DEFAULT_BYTES = 10 * 1024 * 1024;
const HUGE_TEXT = "The quick brown fox jumps over the lazy dog while the export keeps running. ";
const UTF8_MARK = "\u0000invalid-utf8\u0000";

type Rewrite = { kind: "missing-modified-at" | "missing-gid" | "huge" | "invalid-utf8" | "duplicate-key"; line: number; bytes: number; done: boolean };
type Insert = { line: number; text: string; done: boolean };

const canRewrite = (rewrite: Rewrite, type: unknown): boolean =>
  rewrite.kind === "invalid-utf8" || rewrite.kind === "missing-gid" || type === "task" || (rewrite.kind === "missing-modified-at" && type === "message");

/** Applies the file faults of one export to its lines as they are written. */
export class LineFaults {
  private readonly inserts: Insert[] = [];
  private readonly rewrites: Rewrite[] = [];

  constructor(faults: readonly FileFault[], fakeGid: string) {
    for (const fault of faults) {
      if (fault.kind === "file-malformed-line") {
        this.inserts.push({ line: fault.line, text: `{"gid":"${fakeGid}","resource_type":"task","name":"cut off here`, done: false });
      } else if (fault.kind === "file-unknown-type") {
        const type = fault.resourceType ?? "portfolio";
        this.inserts.push({ line: fault.line, text: JSON.stringify({ gid: fakeGid, resource_type: type, name: `Injected ${type}` }), done: false });
      } else if (fault.kind === "file-missing-modified-at") {
        this.rewrites.push({ kind: "missing-modified-at", line: fault.line, bytes: 0, done: false });
      } else if (fault.kind === "file-missing-gid") {
        this.rewrites.push({ kind: "missing-gid", line: fault.line, bytes: 0, done: false });
      } else if (fault.kind === "file-huge-line") {
        this.rewrites.push({ kind: "huge", line: fault.line, bytes: fault.bytes ?? HUGE_DEFAULT_BYTES, done: false });
      } else if (fault.kind === "file-invalid-utf8") {
        this.rewrites.push({ kind: "invalid-utf8", line: fault.line, bytes: 0, done: false });
      } else if (fault.kind === "file-duplicate-key") {
        this.rewrites.push({ kind: "duplicate-key", line: fault.line, bytes: 0, done: false });
      }
    }
  }

  /** Lines to insert so that they land on line `lineNo`. */
  insertsAt(lineNo: number): string[] {
    const due = this.inserts.filter((i) => !i.done && i.line <= lineNo);
    for (const insert of due) insert.done = true;
    return due.map((i) => i.text);
  }

  /** Inserted lines whose line number the file never reached; they go at its end. */
  leftoverInserts(): string[] {
    const left = this.inserts.filter((i) => !i.done);
    for (const insert of left) insert.done = true;
    return left.map((i) => i.text);
  }

  /** Serialize the object that lands on line `lineNo`, corrupted if a rewrite is due. */
  serialize(lineNo: number, object: Record<string, unknown>): Line {
    if (this.rewrites.length === 0) return JSON.stringify(object);
    const due = this.rewrites.filter((r) => !r.done && r.line <= lineNo && canRewrite(r, object.resource_type));
    if (due.length === 0) return JSON.stringify(object);
    const copy: Record<string, unknown> = { ...object };
    let invalidUtf8 = false;
    let duplicateKey = false;
    for (const rewrite of due) {
      rewrite.done = true;
      if (rewrite.kind === "duplicate-key") {
        duplicateKey = true;
        continue;
      }
      if (rewrite.kind === "missing-modified-at") delete copy.modified_at;
      else if (rewrite.kind === "missing-gid") delete copy.gid;
      else if (rewrite.kind === "huge") copy.notes = HUGE_TEXT.repeat(Math.ceil(rewrite.bytes / HUGE_TEXT.length)).slice(0, rewrite.bytes);
      else {
        copy.name = UTF8_MARK;
        invalidUtf8 = true;
      }
    }
    let text = JSON.stringify(copy);
    // The first `name` is overridden by the object's own, later one (JSON.parse keeps the last).
    if (duplicateKey) text = `{"name":"duplicated key",${text.slice(1)}`;
    if (!invalidUtf8) return text;
    const [before = "", after = ""] = text.split(JSON.stringify(UTF8_MARK).slice(1, -1));
    return Buffer.concat([Buffer.from(before), Buffer.from([0x42, 0x61, 0x64, 0xc3, 0x28, 0xff, 0xfe]), Buffer.from(after)]);
  }
}
