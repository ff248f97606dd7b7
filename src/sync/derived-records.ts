// The records of derived streams. A row built from values in hand makes its JSON text only when a
// sink asks for it; a story or attachment taken from a scanned line is its element's bytes spliced
// after the parent's columns, so Airbyte and Singer never parse or re-encode it.
import type { ExportRecord } from "../core/record.js";

/** Where a derived record came from: its parent line. */
export interface Origin {
  readonly resourceType: string;
  readonly line: number;
  readonly offset: number;
}

abstract class DerivedRecord implements ExportRecord {
  constructor(private readonly origin: Origin) {}

  abstract readonly object: Record<string, unknown>;
  abstract readonly raw: string;
  abstract readonly rawBytes: Uint8Array;

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

  elementBytes(): undefined {
    return undefined;
  }

  withoutFields(): undefined {
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
  ) {
    super(origin);
  }

  get raw(): string {
    return (this.text ??= JSON.stringify(this.object));
  }

  get rawBytes(): Uint8Array {
    return (this.bytes ??= Buffer.from(this.raw, "utf8"));
  }
}

const COMMA = 0x2c;
const CLOSE = 0x7d;

/**
 * An element of a parent's array (a story) as its own bytes after the parent's columns:
 * `{"parent_gid":"1",...,` + the element's members. `head` is `{` followed by the parent columns.
 */
export class ElementRecord extends DerivedRecord {
  readonly rawBytes: Uint8Array;
  private value: Record<string, unknown> | undefined;
  private text: string | undefined;

  constructor(head: Uint8Array, element: Uint8Array, origin: Origin) {
    super(origin);
    // `{}`: no member follows the parent columns, so no comma either.
    if (head.length <= 1) {
      this.rawBytes = element;
      return;
    }
    const empty = element.subarray(1, element.length - 1).every((c) => c <= 0x20);
    const bytes = Buffer.allocUnsafe(head.length + (empty ? 1 : element.length));
    bytes.set(head, 0);
    if (empty) bytes[head.length] = CLOSE;
    else {
      bytes.set(element, head.length);
      bytes[head.length] = COMMA;
    }
    this.rawBytes = bytes;
  }

  get raw(): string {
    return (this.text ??= Buffer.from(this.rawBytes.buffer, this.rawBytes.byteOffset, this.rawBytes.length).toString("utf8"));
  }

  get object(): Record<string, unknown> {
    return (this.value ??= JSON.parse(this.raw) as Record<string, unknown>);
  }
}

/** `{"a":1,"b":"x"` (no closing brace): the head of an ElementRecord from the parent's column values. */
export function elementHead(columns: Readonly<Record<string, unknown>>): Uint8Array {
  const parts = Object.entries(columns).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v ?? null)}`);
  return Buffer.from(`{${parts.join(",")}`, "utf8");
}
