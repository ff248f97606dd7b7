// Thrift's compact protocol, write side only: what Parquet's page headers and footer are made of.
// Field ids are delta-encoded against the previous field of the same struct, so a struct written
// alone (a row group's metadata) can be spliced into a list of them later.
import type { ByteBuffer } from "./bytes.js";

/** Compact-protocol type ids. */
export const T = {
  TRUE: 1,
  FALSE: 2,
  I32: 5,
  I64: 6,
  BINARY: 8,
  LIST: 9,
  STRUCT: 12,
} as const;

const utf8 = new TextEncoder();

/** Writes one Thrift struct (and the structs nested in it) to a byte buffer. */
export class ThriftWriter {
  private last = 0;
  private readonly stack: number[] = [];

  constructor(readonly out: ByteBuffer) {}

  private header(id: number, type: number): void {
    const delta = id - this.last;
    if (delta > 0 && delta <= 15) this.out.byte((delta << 4) | type);
    else {
      this.out.byte(type);
      this.zigzag(id);
    }
    this.last = id;
  }

  private zigzag(n: number): void {
    this.out.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  i32(id: number, value: number): this {
    this.header(id, T.I32);
    this.zigzag(value);
    return this;
  }

  /** An i64 field; values are JS numbers (every size and offset here is below 2^53). */
  i64(id: number, value: number): this {
    this.header(id, T.I64);
    this.zigzag(value);
    return this;
  }

  bool(id: number, value: boolean): this {
    this.header(id, value ? T.TRUE : T.FALSE);
    return this;
  }

  binary(id: number, value: Uint8Array): this {
    this.header(id, T.BINARY);
    this.out.varint(value.length);
    this.out.append(value);
    return this;
  }

  string(id: number, value: string): this {
    return this.binary(id, utf8.encode(value));
  }

  /** Open a nested struct field; close it with `end()`. */
  struct(id: number): this {
    this.header(id, T.STRUCT);
    return this.begin();
  }

  /** Start a struct that is a list element (or the top level). */
  begin(): this {
    this.stack.push(this.last);
    this.last = 0;
    return this;
  }

  /** Close the innermost struct (its STOP byte). */
  end(): this {
    this.out.byte(0);
    this.last = this.stack.pop() ?? 0;
    return this;
  }

  /** A list field's header; then write `size` elements of `elementType`. */
  list(id: number, elementType: number, size: number): this {
    this.header(id, T.LIST);
    this.listHeader(elementType, size);
    return this;
  }

  /** A list header alone (after a field header written by hand). */
  listHeader(elementType: number, size: number): void {
    if (size < 15) this.out.byte((size << 4) | elementType);
    else {
      this.out.byte(0xf0 | elementType);
      this.out.varint(size);
    }
  }

  /** A list element: an i32. */
  elementI32(value: number): this {
    this.zigzag(value);
    return this;
  }

  /** A list element: a string. */
  elementString(value: string): this {
    const bytes = utf8.encode(value);
    this.out.varint(bytes.length);
    this.out.append(bytes);
    return this;
  }
}

