// One decoded line of the export: routing fields at once; text, bytes and object on demand.

/** One object of the export file. */
export interface ExportLine {
  readonly resourceType: string;
  readonly gid: string;
  /** The parsed object; a scanned line is parsed on first access (sinks that splice the text never pay for it). */
  readonly object: Record<string, unknown>;
  /** The line's JSON text as received (CR and a leading BOM removed), for splicing into envelopes. */
  readonly raw: string;
  /** The same text as UTF-8 bytes (a view of the decompressed chunk), for sinks that copy bytes. */
  readonly rawBytes: Uint8Array;
  /** 1-based line number in the uncompressed file (blank lines count). */
  readonly line: number;
  /** Byte offset of the line's first byte in the uncompressed file. */
  readonly offset: number;
  /** Whether a top-level field's value is a string; without a parse for the `stringFields` of DecodeOptions. */
  hasString(field: string): boolean;
}

/** How many handed-out lines had their object made by the consumer. */
export interface ParseCount {
  parsed: number;
}

/** A line as decoded: its bytes stay a view of the decompressed chunk (chunks are never reused). */
export class ScannedLine implements ExportLine {
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
