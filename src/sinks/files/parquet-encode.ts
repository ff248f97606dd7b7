// Row group encoding: shredded leaf columns -> the bytes of one Parquet row group and its column
// chunk metadata. Pure computation on plain data, so it runs the same in the sync's thread or in a
// worker (parquet-worker.ts). `writeColumn` is a hyparquet-writer module outside its index (its
// package exports allow `src/*.js`); the version is pinned because it is not its documented API.
import { ByteWriter, type SchemaElement } from "hyparquet-writer";
import { writeColumn } from "hyparquet-writer/src/column.js";
import { snappyCompress } from "hyparquet-writer/src/snappy.js";
import type { Compression, PageCodecs } from "./codecs.js";
import type { Column } from "./columns.js";
import { alignValues, recordShredder, type Leaf } from "./shred.js";

/** Target size of a data page before compression (hyparquet-writer's default). */
const PAGE_BYTES = 1024 * 1024;
/** Bytes before the first row group: the `PAR1` magic. */
export const PARQUET_HEADER_BYTES = 4;

/** What a row group encoder needs to know of a file: its columns and its compression. */
export interface EncoderSpec {
  /** Every column of the file, the added ones included. */
  columns: readonly Column[];
  /** How many of `columns` come from the record (the rest are appended scalars). */
  dataCount: number;
  compression: Compression;
}

/** One row group's leaf columns, as the shredder hands them over (plain data: can cross threads); values of defined entries only. */
export interface ShreddedGroup {
  rows: number;
  leaves: { values: unknown[]; def: Uint8Array; rep: Uint8Array }[];
}

/** One encoded row group: its bytes (to append to the file) and its footer entry's parts. */
export interface EncodedGroup {
  bytes: Uint8Array;
  rows: number;
  columns: ColumnChunk[];
  totalByteSize: bigint;
}

type ColumnEncoder = Parameters<typeof writeColumn>[0]["column"];
/** hyparquet's types, as hyparquet-writer's writeColumn uses them (hyparquet itself is not a dependency of ours). */
type ColumnChunk = ReturnType<typeof writeColumn>["chunk"];
type DecodedArray = Parameters<typeof writeColumn>[0]["pageData"]["values"];

/**
 * A column whose last chunk was written plain skips hyparquet-writer's dictionary trial (a sample of
 * up to 1,000 values hashed into maps, ~12% of the encoding time with 294 mostly unique or empty
 * leaf columns) for this many row groups, then tries again.
 */
export const DICTIONARY_RETRY_GROUPS = 8;

/** Encodes a file's row groups in order; column offsets count from the file's start. */
export class RowGroupEncoder {
  /** File offset of the next row group. */
  private offset = PARQUET_HEADER_BYTES;
  /** Per leaf: row groups left before the dictionary is tried again (0: try it). */
  private readonly plainFor: Int32Array;
  private readonly plainEncoders: readonly ColumnEncoder[];

  private constructor(
    private readonly encoders: readonly ColumnEncoder[],
    private readonly maxDefs: readonly number[],
  ) {
    this.plainFor = new Int32Array(encoders.length);
    this.plainEncoders = encoders.map((e) => ({ ...e, encoding: "PLAIN" }));
  }

  /** An encoder for one file, compressing with this thread's codecs. */
  static async create(spec: EncoderSpec, codecs: PageCodecs): Promise<RowGroupEncoder> {
    const encoding = await codecs.codec(spec.compression);
    const compressors = { SNAPPY: snappyCompress, ...encoding.compressors };
    const { leaves } = recordShredder(spec.columns, spec.dataCount);
    return new RowGroupEncoder(
      leaves.map((leaf) => columnEncoder(leaf, encoding.codec, compressors)),
      leaves.map((leaf) => leaf.maxDef),
    );
  }

  /** Encode the next row group of the file. */
  encode(group: ShreddedGroup): EncodedGroup {
    if (group.leaves.length !== this.encoders.length) {
      throw new Error(`a row group of ${group.leaves.length} leaf columns for a file of ${this.encoders.length}`);
    }
    const out = new ByteWriter(1 << 20);
    out.offset = this.offset;
    const columns: ColumnChunk[] = [];
    let totalByteSize = 0n;
    for (let i = 0; i < group.leaves.length; i++) {
      const leaf = group.leaves[i] as ShreddedGroup["leaves"][number];
      const encoder = this.encoders[i] as ColumnEncoder;
      const plain = (this.plainFor[i] as number) > 0 && encoder.element.type !== "BOOLEAN";
      const result = writeColumn({
        writer: out,
        column: plain ? (this.plainEncoders[i] as ColumnEncoder) : encoder,
        // hyparquet-writer only indexes, slices and measures the level arrays: byte arrays serve.
        pageData: {
          values: alignValues(leaf.values, leaf.def, this.maxDefs[i] as number) as DecodedArray,
          definitionLevels: leaf.def as unknown as number[],
          repetitionLevels: leaf.rep as unknown as number[],
          maxDefinitionLevel: this.maxDefs[i] as number,
        },
      });
      group.leaves[i] = EMPTY_LEAF; // let the page data go as soon as it is encoded
      if (plain) this.plainFor[i] = (this.plainFor[i] as number) - 1;
      else if (result.chunk.meta_data?.dictionary_page_offset === undefined) this.plainFor[i] = DICTIONARY_RETRY_GROUPS;
      columns.push(result.chunk);
      totalByteSize += result.chunk.meta_data?.total_uncompressed_size ?? 0n;
    }
    this.offset = out.offset;
    return { bytes: new Uint8Array(out.buffer, 0, out.index), rows: group.rows, columns, totalByteSize };
  }
}

const EMPTY_LEAF: ShreddedGroup["leaves"][number] = { values: [], def: new Uint8Array(0), rep: new Uint8Array(0) };

function columnEncoder(leaf: Leaf, codec: ColumnEncoder["codec"], compressors: ColumnEncoder["compressors"]): ColumnEncoder {
  return {
    columnName: leaf.path.slice(1).map((e) => e.name).join("."),
    element: leaf.path.at(-1) as SchemaElement,
    schemaPath: [...leaf.path],
    codec,
    compressors,
    // Min/max statistics where loaders prune on them (top-level scalars: gid, timestamps, flags);
    // computing them for every nested leaf cost about 8% of the write time.
    stats: leaf.path.length === 2,
    pageSize: PAGE_BYTES,
    // Row groups are small (one page per column chunk, mostly): page indexes would add metadata, not skipping.
    columnIndex: false,
    offsetIndex: false,
  };
}
