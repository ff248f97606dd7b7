// One leaf column of the open row group: entries arrive in batches and fill a page; a full page is
// encoded (levels RLE, values through the chunk's dictionary or PLAIN), compressed, and only its
// compressed bytes are kept until the row group is written. The dictionary is tried on the chunk's
// first page and kept while it pays and stays under its size limit; after that the chunk's pages
// are PLAIN (a chunk may hold both, as Parquet allows). Booleans are always PLAIN (bit-packed).
import type { LeafBatch } from "../shred/leaf-buffer.js";
import { ByteBuffer } from "./bytes.js";
import { Dictionary } from "./dictionary.js";
import { Encoding, PageType, PhysicalType, writePageHeader, type Codec, type ColumnChunkMeta, type EncodingCount, type PageHeader } from "./format.js";
import { bitWidth, writeHybrid, writeIndices } from "./rle.js";
import type { PageStore } from "./page-store.js";
import type { LeafSpec } from "./schema.js";
import { ChunkStatistics } from "./statistics.js";

/** Compress one page body (the result must not share memory with the input). */
export type Compressor = (input: Uint8Array) => Uint8Array;

/** How a file's column chunks are written. */
export interface ChunkSettings {
  pageVersion: 1 | 2;
  codec: Codec;
  compress: Compressor;
  /** A page is written once its entries take this many bytes (values plus a byte per level). */
  pageBytes: number;
  /** A dictionary stops growing at this many bytes; the chunk's later pages are PLAIN. */
  dictionaryBytes: number;
  /** The dictionary is kept only if the first page encoded with it is at most this share of its PLAIN size. */
  dictionaryRatio: number;
}

/** Scratch buffers of one encoding thread, reused by every page it encodes. */
export class PageScratch {
  readonly body = new ByteBuffer(1 << 20);
  readonly levels = new ByteBuffer(1 << 16);
  readonly header = new ByteBuffer(256);
  private indexBuffer = new Int32Array(1 << 16);

  indices(count: number): Int32Array {
    if (this.indexBuffer.length < count) this.indexBuffer = new Int32Array(Math.max(count, this.indexBuffer.length * 2));
    return this.indexBuffer;
  }
}

/** A column chunk ready for the file: its dictionary page (if any), its data pages in the store, its metadata. */
export interface FinishedChunk {
  dictionaryPage: Uint8Array[];
  /** Offset and length pairs in the page store, in order. */
  extents: number[];
  meta: ColumnChunkMeta;
}

type Mode = "trial" | "dictionary" | "plain";

/** Page buffers larger than this are dropped after their page is written (the next page grows a new one). */
const RETAINED_BYTES = 4 * 1024;

function growBytes(levels: Uint8Array, need: number): Uint8Array<ArrayBuffer> {
  let size = Math.max(1024, levels.length * 2);
  while (size < need) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(levels);
  return grown;
}

/** Encodes one leaf's column chunks, page by page. */
export class ColumnChunkWriter {
  private def = new Uint8Array(1024);
  private rep: Uint8Array;
  private entries = 0;
  private readonly values = new ByteBuffer(1 << 12);
  private count = 0;
  // The chunk so far.
  /** The chunk's data pages in the store: offset and length pairs (adjacent pages merged). */
  private extents: number[] = [];
  private compressed = 0;
  private uncompressed = 0;
  private numValues = 0;
  private mode: Mode = "trial";
  private dictionary: Dictionary | undefined;
  private dictionaryPages = 0;
  private plainPages = 0;
  private stats: ChunkStatistics;
  private readonly defWidth: number;
  private readonly repWidth: number;

  constructor(
    private readonly spec: LeafSpec,
    private readonly settings: ChunkSettings,
    private readonly scratch: PageScratch,
    private readonly store: PageStore,
  ) {
    this.rep = new Uint8Array(spec.maxRep > 0 ? 1024 : 0);
    this.defWidth = bitWidth(spec.maxDef);
    this.repWidth = bitWidth(spec.maxRep);
    this.stats = new ChunkStatistics(spec.type);
  }

  /** Bytes waiting in the unwritten page. */
  get pending(): number {
    return this.values.length + this.entries;
  }

  /** Uncompressed bytes of the chunk's written pages. */
  get writtenUncompressed(): number {
    return this.uncompressed;
  }

  /** Compressed bytes of the chunk's written pages. */
  get writtenCompressed(): number {
    return this.compressed;
  }

  /** Take one batch's entries; writes the page when it is full. */
  append(batch: LeafBatch): void {
    const need = this.entries + batch.n;
    if (need > this.def.length) this.def = growBytes(this.def, need);
    this.def.set(batch.def.subarray(0, batch.n), this.entries);
    if (this.spec.maxRep > 0) {
      if (need > this.rep.length) this.rep = growBytes(this.rep, need);
      this.rep.set(batch.rep.subarray(0, batch.n), this.entries);
    }
    this.entries = need;
    this.values.append(batch.values.subarray(0, batch.valueBytes));
    this.count += batch.valueCount;
    if (this.pending >= this.settings.pageBytes) this.flushPage();
  }

  /** Encode and compress the entries waiting, as one data page. */
  flushPage(): void {
    const n = this.entries;
    if (n === 0) return;
    const { settings, scratch, spec } = this;
    const count = this.count;
    const values = this.values;
    this.stats.nulls += n - count;
    let encoding: Encoding = Encoding.PLAIN;
    let indices: Int32Array | undefined;
    if (this.mode !== "plain" && spec.type !== PhysicalType.BOOLEAN && count > 0) {
      indices = scratch.indices(count);
      this.dictionary ??= new Dictionary(spec.type === PhysicalType.BYTE_ARRAY ? 0 : spec.type === PhysicalType.INT32 ? 4 : 8);
      let ok = this.dictionary.encode(values.buf, values.length, count, indices, settings.dictionaryBytes);
      if (ok && this.mode === "trial") {
        const cost = this.dictionary.values.length + Math.ceil((count * Math.max(1, bitWidth(this.dictionary.size - 1))) / 8);
        ok = cost <= values.length * settings.dictionaryRatio;
        if (!ok) this.dictionary = undefined;
      }
      if (ok) {
        this.mode = "dictionary";
        encoding = settings.pageVersion === 1 ? Encoding.PLAIN_DICTIONARY : Encoding.RLE_DICTIONARY;
      } else {
        this.mode = "plain";
        indices = undefined;
      }
    }
    if (indices === undefined) this.stats.add(values.buf, values.length, count);

    // The values section.
    const body = scratch.body;
    body.reset();
    if (settings.pageVersion === 1) {
      if (spec.maxRep > 0) this.levelsWithLength(body, this.rep, n, this.repWidth);
      this.levelsWithLength(body, this.def, n, this.defWidth);
    }
    const valuesStart = body.length;
    if (indices !== undefined) {
      const width = Math.max(1, bitWidth((this.dictionary as Dictionary).size - 1));
      body.byte(width);
      writeIndices(body, indices, count, width);
    } else if (spec.type === PhysicalType.BOOLEAN) {
      packBooleans(body, values.buf, count);
    } else {
      body.append(values.bytes());
    }

    let header: PageHeader;
    let payload: Uint8Array[];
    if (settings.pageVersion === 1) {
      const raw = body.bytes();
      const compressed = settings.compress(raw);
      header = { type: PageType.DATA_PAGE, uncompressed: raw.length, compressed: compressed.length, numValues: n, encoding };
      payload = [compressed];
    } else {
      const levels = scratch.levels;
      levels.reset();
      if (spec.maxRep > 0) writeHybrid(levels, this.rep, 0, n, this.repWidth);
      const repLength = levels.length;
      writeHybrid(levels, this.def, 0, n, this.defWidth);
      const raw = body.bytes().subarray(valuesStart);
      const compressed = settings.compress(raw);
      header = {
        type: PageType.DATA_PAGE_V2,
        uncompressed: levels.length + raw.length,
        compressed: levels.length + compressed.length,
        numValues: n,
        numNulls: n - count,
        numRows: spec.maxRep > 0 ? countZeros(this.rep, n) : n,
        encoding,
        defLength: levels.length - repLength,
        repLength,
      };
      payload = [levels.copy(), compressed];
    }
    this.addPage(header, payload);
    if (indices !== undefined) this.dictionaryPages++;
    else this.plainPages++;
    this.numValues += n;
    this.entries = 0;
    this.count = 0;
    values.reset();
    // Hundreds of columns each keeping a grown page buffer would hold hundreds of MB: let them go.
    if (values.buf.length > RETAINED_BYTES) values.buf = new Uint8Array(RETAINED_BYTES);
    if (this.def.length > RETAINED_BYTES) {
      this.def = new Uint8Array(RETAINED_BYTES);
      if (this.rep.length > 0) this.rep = new Uint8Array(RETAINED_BYTES);
    }
  }

  private levelsWithLength(body: ByteBuffer, levels: Uint8Array, n: number, width: number): void {
    const at = body.length;
    body.u32le(0);
    writeHybrid(body, levels, 0, n, width);
    const length = body.length - at - 4;
    body.buf[at] = length & 0xff;
    body.buf[at + 1] = (length >>> 8) & 0xff;
    body.buf[at + 2] = (length >>> 16) & 0xff;
    body.buf[at + 3] = (length >>> 24) & 0xff;
  }

  private pageHeader(header: PageHeader): Uint8Array {
    const out = this.scratch.header;
    out.reset();
    writePageHeader(out, header);
    return out.bytes();
  }

  /** Keep a data page in the store. */
  private addPage(header: PageHeader, payload: Uint8Array[]): void {
    const headerBytes = this.pageHeader(header);
    const length = headerBytes.length + payload.reduce((n, p) => n + p.length, 0);
    const offset = this.store.put([headerBytes, ...payload]);
    const last = this.extents.length - 2;
    if (last >= 0 && (this.extents[last] as number) + (this.extents[last + 1] as number) === offset) this.extents[last + 1] = (this.extents[last + 1] as number) + length;
    else this.extents.push(offset, length);
    this.uncompressed += headerBytes.length + header.uncompressed;
    this.compressed += headerBytes.length + header.compressed;
  }

  /** Write the last page and hand the chunk over (starting `offset` bytes into the file); the writer starts a new chunk. */
  finish(offset: number): FinishedChunk {
    this.flushPage();
    const { settings, spec } = this;
    const encodings = new Set<Encoding>([Encoding.RLE]);
    const encodingStats: EncodingCount[] = [];
    const dataPageType = settings.pageVersion === 1 ? PageType.DATA_PAGE : PageType.DATA_PAGE_V2;
    let dictionaryPage: Uint8Array[] = [];
    let dictionaryBytes = 0;
    let dictionaryUncompressed = 0;
    const dictionary = this.dictionary;
    if (dictionary !== undefined && this.dictionaryPages > 0) {
      this.stats.add(dictionary.values.buf, dictionary.values.length, dictionary.size);
      const raw = dictionary.values.bytes();
      const compressed = settings.compress(raw);
      const encoding = settings.pageVersion === 1 ? Encoding.PLAIN_DICTIONARY : Encoding.PLAIN;
      const header = this.pageHeader({ type: PageType.DICTIONARY_PAGE, uncompressed: raw.length, compressed: compressed.length, numValues: dictionary.size, encoding }).slice();
      dictionaryPage = [header, compressed];
      dictionaryBytes = header.length + compressed.length;
      dictionaryUncompressed = header.length + raw.length;
      encodings.add(encoding);
      encodingStats.push({ pageType: PageType.DICTIONARY_PAGE, encoding, count: 1 });
      const dataEncoding = settings.pageVersion === 1 ? Encoding.PLAIN_DICTIONARY : Encoding.RLE_DICTIONARY;
      encodings.add(dataEncoding);
      encodingStats.push({ pageType: dataPageType, encoding: dataEncoding, count: this.dictionaryPages });
    }
    if (this.plainPages > 0) {
      encodings.add(Encoding.PLAIN);
      encodingStats.push({ pageType: dataPageType, encoding: Encoding.PLAIN, count: this.plainPages });
    }
    const meta: ColumnChunkMeta = {
      type: spec.type,
      encodings: [...encodings],
      path: spec.path,
      codec: settings.codec,
      numValues: this.numValues,
      uncompressed: dictionaryUncompressed + this.uncompressed,
      compressed: dictionaryBytes + this.compressed,
      dataPageOffset: offset + dictionaryBytes,
      ...(dictionaryBytes > 0 ? { dictionaryPageOffset: offset } : {}),
      statistics: this.stats.result(),
      encodingStats,
    };
    const extents = this.extents;
    // A fresh chunk: a new dictionary trial, new statistics.
    this.extents = [];
    this.uncompressed = 0;
    this.compressed = 0;
    this.numValues = 0;
    this.mode = "trial";
    this.dictionary = undefined;
    this.dictionaryPages = 0;
    this.plainPages = 0;
    this.stats = new ChunkStatistics(spec.type);
    return { dictionaryPage, extents, meta };
  }
}

/** PLAIN booleans: one bit each, least significant first. */
function packBooleans(out: ByteBuffer, values: Uint8Array, count: number): void {
  const bytes = (count + 7) >> 3;
  out.ensure(bytes);
  const buf = out.buf;
  const at = out.length;
  buf.fill(0, at, at + bytes);
  for (let i = 0; i < count; i++) if (values[i] === 1) buf[at + (i >> 3)] = (buf[at + (i >> 3)] as number) | (1 << (i & 7));
  out.length = at + bytes;
}

function countZeros(levels: Uint8Array, n: number): number {
  let zeros = 0;
  for (let i = 0; i < n; i++) if (levels[i] === 0) zeros++;
  return zeros;
}
