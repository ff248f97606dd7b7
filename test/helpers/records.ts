// Records made from objects in hand, for tests of sinks and file writers.
import type { ExportRecord } from "../../src/core/record.js";

/** Where an ObjectRecord came from, when that was a line of the export. */
export interface RecordOrigin {
  resourceType?: string;
  line?: number;
  offset?: number;
  /** The object's JSON text, when it is at hand (else made on first access). */
  raw?: string;
}

/** A record of an object already parsed or built: its text and bytes are made on first access. */
export class ObjectRecord implements ExportRecord {
  readonly resourceType: string;
  readonly gid: string;
  readonly line: number;
  readonly offset: number;
  private text: string | undefined;
  private bytes: Uint8Array | undefined;

  constructor(
    readonly object: Record<string, unknown>,
    origin: RecordOrigin = {},
  ) {
    this.resourceType = origin.resourceType ?? (typeof object.resource_type === "string" ? object.resource_type : "");
    this.gid = typeof object.gid === "string" ? object.gid : "";
    this.line = origin.line ?? 0;
    this.offset = origin.offset ?? 0;
    this.text = origin.raw;
  }

  get raw(): string {
    return (this.text ??= JSON.stringify(this.object));
  }

  get rawBytes(): Uint8Array {
    return (this.bytes ??= Buffer.from(this.raw, "utf8"));
  }

  hasString(field: string): boolean {
    return typeof this.object[field] === "string";
  }

  rawLengthBound(): number {
    return this.raw.length * 3;
  }

  writeRaw(target: Buffer, at: number): number {
    return at + target.write(this.raw, at, "utf8");
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
