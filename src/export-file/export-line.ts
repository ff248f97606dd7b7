// A decoded line of the export: routing fields at once; text, bytes and object on demand.
import type { ExportRecord } from "../core/record.js";

/** How many handed-out lines had their object made by the consumer. */
export interface ParseCount {
  parsed: number;
}

/** A line as decoded: its bytes stay a view of the decompressed chunk (chunks are never reused). */
export class ScannedLine implements ExportRecord {
  constructor(
    private readonly count: ParseCount,
    readonly resourceType: string,
    readonly gid: string,
    readonly line: number,
    readonly offset: number,
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
    /** Bit k: stringFields[k] is a string (scanned lines only). */
    private readonly strings: number,
    private readonly stringFields: readonly string[],
    private text: string | undefined,
    private value: Record<string, unknown> | undefined,
  ) {}

  get raw(): string {
    return (this.text ??= this.buf.toString("utf8", this.start, this.end));
  }

  get object(): Record<string, unknown> {
    if (this.value === undefined) {
      this.value = JSON.parse(this.raw) as Record<string, unknown>;
      this.count.parsed++;
    }
    return this.value;
  }

  get rawBytes(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  hasString(field: string): boolean {
    const k = this.value === undefined ? this.stringFields.indexOf(field) : -1;
    return k === -1 ? typeof this.object[field] === "string" : ((this.strings >>> k) & 1) === 1;
  }
}
