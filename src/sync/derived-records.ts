// The records of derived streams. A row built from values in hand makes its JSON text only when a
// sink asks for it; a row taken from a scanned line is bytes: a story or attachment is its element's
// bytes spliced after the parent's columns, a custom field value or join row its values' bytes, so
// Airbyte and Singer never parse or re-encode them.
import { DerivedRecord, type Origin } from "../core/row-record.js";

export { RowRecord, type Origin } from "../core/row-record.js";

/** A row whose JSON text was put together as bytes (a custom field value, a join row): its object is parsed on first access. */
export class BytesRecord extends DerivedRecord {
  private value: Record<string, unknown> | undefined;

  constructor(
    readonly rawBytes: Uint8Array,
    origin: Origin,
  ) {
    super(origin);
  }

  get raw(): string {
    return Buffer.from(this.rawBytes.buffer, this.rawBytes.byteOffset, this.rawBytes.length).toString("utf8");
  }

  get object(): Record<string, unknown> {
    return (this.value ??= JSON.parse(this.raw) as Record<string, unknown>);
  }

  rawLengthBound(): number {
    return this.rawBytes.length;
  }

  writeRaw(target: Buffer, at: number): number {
    target.set(this.rawBytes, at);
    return at + this.rawBytes.length;
  }
}

const COMMA = 0x2c;
const CLOSE = 0x7d;

/**
 * An element of a parent's array (a story) as its own bytes after the parent's columns:
 * `{"parent_gid":"1",...,` + the element's members. `head` is `{` followed by the parent columns.
 * The element stays a view of the line's bytes; the two are joined only when written.
 */
export class ElementRecord extends DerivedRecord {
  private value: Record<string, unknown> | undefined;
  private bytes: Uint8Array | undefined;
  /** `{}`: no member follows the parent columns, so no comma either. */
  private readonly empty: boolean;

  constructor(
    private readonly head: Uint8Array,
    private readonly element: Uint8Array,
    origin: Origin,
  ) {
    super(origin);
    let i = 1;
    while (i < element.length - 1 && (element[i] ?? 0) <= 0x20) i++;
    this.empty = i === element.length - 1;
  }

  rawLengthBound(): number {
    return this.head.length + (this.empty ? 1 : this.element.length);
  }

  writeRaw(target: Buffer, at: number): number {
    target.set(this.head, at);
    let end = at + this.head.length;
    if (this.empty) target[end++] = CLOSE;
    else {
      target.set(this.element, end);
      // The element's `{` becomes the comma after the parent's columns.
      target[end] = COMMA;
      end += this.element.length;
    }
    return end;
  }

  get rawBytes(): Uint8Array {
    if (this.bytes === undefined) {
      const bytes = Buffer.allocUnsafe(this.rawLengthBound());
      this.bytes = bytes.subarray(0, this.writeRaw(bytes, 0));
    }
    return this.bytes;
  }

  get raw(): string {
    const bytes = this.rawBytes;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8");
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
