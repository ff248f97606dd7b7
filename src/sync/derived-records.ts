// The records of derived streams. A row built from values in hand makes its JSON text only when a
// sink asks for it; a row taken from a scanned line is bytes: a story or attachment is its element's
// bytes spliced after the parent's columns, a custom field value or join row its values' bytes, so
// Airbyte and Singer never parse or re-encode them. Each holds its buffer and offsets, not a view.
import { DerivedRecord, type Origin } from "../core/row-record.js";

export { RowRecord, type Origin } from "../core/row-record.js";

/** A row whose JSON text was put together as bytes, `buf[start, end)` (a custom field value, a join row): its object is parsed on first access. */
export class BytesRecord extends DerivedRecord {
  private value: Record<string, unknown> | undefined;

  constructor(
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
    origin: Origin,
  ) {
    super(origin);
  }

  get rawBytes(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  get raw(): string {
    return this.buf.toString("utf8", this.start, this.end);
  }

  get object(): Record<string, unknown> {
    return (this.value ??= JSON.parse(this.raw) as Record<string, unknown>);
  }

  rawLengthBound(): number {
    return this.end - this.start;
  }

  writeRaw(target: Buffer, at: number): number {
    return at + this.buf.copy(target, at, this.start, this.end);
  }
}

const COMMA = 0x2c;
const CLOSE = 0x7d;

/**
 * An element of a parent's array (a story), `buf[start, end)`, as its own bytes after the parent's
 * columns: `{"parent_gid":"1",...,` + the element's members. `head` is `{` followed by the parent
 * columns. The element stays in the line's bytes; the two are joined only when written.
 */
export class SplicedRecord extends DerivedRecord {
  private value: Record<string, unknown> | undefined;
  private bytes: Uint8Array | undefined;

  constructor(
    private readonly head: Buffer,
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
    origin: Origin,
  ) {
    super(origin);
  }

  rawLengthBound(): number {
    return this.head.length + this.end - this.start;
  }

  writeRaw(target: Buffer, at: number): number {
    let end = at + this.head.copy(target, at);
    let i = this.start + 1;
    while (i < this.end - 1 && (this.buf[i] ?? 0) <= 0x20) i++;
    // `{}`: no member follows the parent columns, so no comma either.
    if (i === this.end - 1) target[end++] = CLOSE;
    else {
      const from = end;
      end += this.buf.copy(target, end, this.start, this.end);
      // The element's `{` becomes the comma after the parent's columns.
      target[from] = COMMA;
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
