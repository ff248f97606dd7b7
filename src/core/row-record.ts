// Records made from values in hand, for rows that are no exported line: a derived stream's rows
// (sync/derived-records.ts builds on these) and the rows sinks add, such as a deletion's columns.
import type { ExportRecord } from "./record.js";

/** Where a derived record came from: its parent line. */
export interface Origin {
  readonly resourceType: string;
  readonly line: number;
  readonly offset: number;
}

export abstract class DerivedRecord implements ExportRecord {
  constructor(private readonly origin: Origin) {}

  abstract readonly object: Record<string, unknown>;
  abstract readonly raw: string;
  abstract readonly rawBytes: Uint8Array;
  abstract rawLengthBound(): number;
  abstract writeRaw(target: Buffer, at: number): number;

  get resourceType(): string {
    return this.origin.resourceType;
  }

  get line(): number {
    return this.origin.line;
  }

  get offset(): number {
    return this.origin.offset;
  }

  get gid(): string {
    const gid = this.object.gid;
    return typeof gid === "string" ? gid : "";
  }

  hasString(field: string): boolean {
    return typeof this.object[field] === "string";
  }

  has(field: string): boolean {
    return field in this.object;
  }

  field(name: string): unknown {
    return this.object[name];
  }

  fieldJson(): undefined {
    return undefined;
  }

  eachElement(): boolean {
    return false;
  }

  withoutFields(): undefined {
    return undefined;
  }

  references(): undefined {
    return undefined;
  }
}

/** A row made from an object: its text is made on first access. */
export class RowRecord extends DerivedRecord {
  private text: string | undefined;
  private bytes: Uint8Array | undefined;

  constructor(
    readonly object: Record<string, unknown>,
    origin: Origin,
    /** For a deletion record (ExportRecord.deletedAt). */
    readonly deletedAt?: string,
  ) {
    super(origin);
  }

  get raw(): string {
    return (this.text ??= JSON.stringify(this.object));
  }

  get rawBytes(): Uint8Array {
    return (this.bytes ??= Buffer.from(this.raw, "utf8"));
  }

  rawLengthBound(): number {
    return textBound(this.raw);
  }

  writeRaw(target: Buffer, at: number): number {
    return at + target.write(this.raw, at, "utf8");
  }
}

/** At most 3 bytes of UTF-8 per UTF-16 unit. */
const textBound = (text: string): number => text.length * 3;


/** A record as a destination type writes it: a deletion record gains that type's deletion column (record.ts DELETION_COLUMNS). */
export function withDeletionColumn(record: ExportRecord, column: string): ExportRecord {
  if (record.deletedAt === undefined) return record;
  return new RowRecord({ ...record.object, [column]: record.deletedAt }, record, record.deletedAt);
}
