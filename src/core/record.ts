// The one record type of a sync: what the export-file stage decodes, the sync routes to streams and
// every sink writes. Its text, bytes and object are made only when something asks for them.

/** Receives one element of an array field as bytes: `bytes[start, end)`. */
export type ElementVisitor = (bytes: Buffer, start: number, end: number) => void;

/** One object of a stream: an exported line, or a row made from an object in hand. */
export interface ExportRecord {
  /** The Asana resource type of the line it came from. */
  readonly resourceType: string;
  readonly gid: string;
  /** The parsed object (a scanned line is parsed on first access: sinks that splice the text never pay for it). */
  readonly object: Record<string, unknown>;
  /** Its JSON text (for a line: as received, CR and a leading BOM removed), for splicing into envelopes. */
  readonly raw: string;
  /** The same text as UTF-8 bytes, for sinks that copy bytes (for a line: a view of the decompressed chunk). */
  readonly rawBytes: Uint8Array;
  /** At least the byte length of the JSON text: room for `writeRaw`. */
  rawLengthBound(): number;
  /**
   * Write the JSON text as UTF-8 into `target` from `at` (which has `rawLengthBound()` bytes of room);
   * returns the offset after it. Sinks that copy bytes use it: the record writes the form it holds
   * (bytes of the line, or a string) without making the other one.
   */
  writeRaw(target: Buffer, at: number): number;
  /** 1-based line number in the uncompressed export file (blank lines count); 0 when it came from no line. */
  readonly line: number;
  /** Byte offset of that line's first byte in the uncompressed file. */
  readonly offset: number;
  /** Whether a top-level field's value is a string (a scanned line answers its cursor without a parse). */
  hasString(field: string): boolean;
  /** Whether the object has this top-level field. */
  has(field: string): boolean;
  /** The value of a top-level field (undefined when absent); a scanned line parses just that value. */
  field(name: string): unknown;
  /**
   * The JSON text of a top-level field's value as exported ("null" when absent), when the record
   * has it at hand (a scanned line); undefined otherwise: then read `field(name)`.
   */
  fieldJson(name: string): string | undefined;
  /**
   * Hand the JSON bytes of each element of a top-level array field to `visit` (`bytes[start, end)`,
   * a view valid for the record's life), when the record has them at hand (a scanned line): true;
   * false otherwise (then read `field(name)`), also when the value is no array.
   */
  eachElement(name: string, visit: ElementVisitor): boolean;
  /** The record without these top-level fields, re-assembled from its bytes; undefined when it cannot be (use `object`). */
  withoutFields(names: ReadonlySet<string>): ExportRecord | undefined;
  /**
   * The objects of the decode's `referenceTypes` found in the line while it was scanned (as the
   * scanner's `references`, REFERENCE_INTS ints each, offsets into `rawBytes`); undefined when the
   * record was not scanned so (find them in `rawBytes`).
   */
  references(): Int32Array | undefined;
  /**
   * Set on a deletion record: the object was given to the destination and no longer exists (server
   * time). Its `object` holds the stream's key columns and cursor; each sink adds its platform's
   * deletion column (DELETION_COLUMNS).
   */
  readonly deletedAt?: string | undefined;
}

/** The column each destination type reads a deletion from (DESIGN.md, "deletions"). */
export const DELETION_COLUMNS = { airbyte: "_ab_cdc_deleted_at", singer: "_sdc_deleted_at", files: "_deleted_at" } as const;
