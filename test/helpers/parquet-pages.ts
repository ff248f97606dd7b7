// The page headers of a Parquet file, read independently of the writer: the footer through
// hyparquet, each column chunk's pages through a minimal Thrift compact-protocol reader, so tests
// can assert what no footer field says (each page's type and encoding).
import { readFileSync } from "node:fs";
import { parquetMetadata } from "hyparquet";

/** A Thrift struct as field id -> value (nested structs as such maps, lists as arrays). */
type Struct = Map<number, unknown>;

class CompactReader {
  pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  private varint(): number {
    let result = 0;
    let shift = 1;
    for (;;) {
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * shift;
      if ((b & 0x80) === 0) return result;
      shift *= 128;
    }
  }

  private zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  private value(type: number): unknown {
    switch (type) {
      case 1:
        return true;
      case 2:
        return false;
      case 3:
        return this.buf[this.pos++];
      case 4:
      case 5:
      case 6:
        return this.zigzag();
      case 8: {
        const length = this.varint();
        const bytes = this.buf.subarray(this.pos, this.pos + length);
        this.pos += length;
        return bytes;
      }
      case 9: {
        const header = this.buf[this.pos++] as number;
        const size = header >> 4 === 15 ? this.varint() : header >> 4;
        const elementType = header & 0x0f;
        return Array.from({ length: size }, () => (elementType === 1 || elementType === 2 ? this.buf[this.pos++] === 1 : this.value(elementType)));
      }
      case 12:
        return this.struct();
      default:
        throw new Error(`thrift type ${type} at ${this.pos}`);
    }
  }

  struct(): Struct {
    const fields: Struct = new Map();
    let last = 0;
    for (;;) {
      const header = this.buf[this.pos++] as number;
      if (header === 0) return fields;
      const delta = header >> 4;
      const id = delta === 0 ? this.zigzag() : last + delta;
      fields.set(id, this.value(header & 0x0f));
      last = id;
    }
  }
}

/** One page as its header says. */
export interface PageInfo {
  /** 0 DATA_PAGE, 2 DICTIONARY_PAGE, 3 DATA_PAGE_V2. */
  type: number;
  /** The page's encoding (Parquet's Encoding enum: 0 PLAIN, 2 PLAIN_DICTIONARY, 8 RLE_DICTIONARY). */
  encoding: number;
  numValues: number;
  /** The page's body before and after compression (the header not included). */
  uncompressed: number;
  compressed: number;
  /** Where the page's body starts in the file. */
  bodyAt: number;
}

/** Every column chunk of a file: its path, physical type and pages in order. */
export function parquetPages(path: string): { path: string; type: string; pages: PageInfo[] }[] {
  const bytes = new Uint8Array(readFileSync(path));
  const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const chunks: { path: string; type: string; pages: PageInfo[] }[] = [];
  for (const group of metadata.row_groups) {
    for (const column of group.columns) {
      const meta = column.meta_data;
      if (meta === undefined) throw new Error("a column chunk without metadata");
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      const end = start + Number(meta.total_compressed_size);
      const pages: PageInfo[] = [];
      let at = start;
      while (at < end) {
        const reader = new CompactReader(bytes, at);
        const header = reader.struct();
        const type = header.get(1) as number;
        const detail = header.get(type === 0 ? 5 : type === 2 ? 7 : 8) as Struct;
        pages.push({ type, encoding: detail.get(type === 3 ? 4 : 2) as number, numValues: detail.get(1) as number, uncompressed: header.get(2) as number, compressed: header.get(3) as number, bodyAt: reader.pos });
        at = reader.pos + (header.get(3) as number);
      }
      if (at !== end) throw new Error(`pages of ${meta.path_in_schema.join(".")} end at ${at}, the chunk at ${end}`);
      chunks.push({ path: meta.path_in_schema.join("."), type: meta.type, pages });
    }
  }
  return chunks;
}

/** The runs of an RLE / bit-packing hybrid stream, from their headers (independent of the writer's encoder). */
export function hybridRuns(bytes: Uint8Array, width: number): { packed: boolean; count: number }[] {
  const runs: { packed: boolean; count: number }[] = [];
  let at = 0;
  while (at < bytes.length) {
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++] as number;
      header += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
    }
    const packed = header % 2 === 1;
    const count = packed ? Math.floor(header / 2) * 8 : Math.floor(header / 2);
    at += packed ? (count / 8) * width : (width + 7) >> 3;
    runs.push({ packed, count });
  }
  if (at !== bytes.length) throw new Error(`the runs end at ${at}, the stream at ${bytes.length}`);
  return runs;
}
