// How a file's column chunks are written (settings), what the chunks of one encoding thread share
// (page scratch, the buffer pool), and a finished chunk's metadata: its encodings and page counts
// as the footer states them.
import type { BufferPool } from "./buffer-pool.js";
import { ByteBuffer } from "./bytes.js";
import { Encoding, PageType, type Codec, type ColumnChunkMeta, type EncodingCount, type Statistics } from "./format.js";
import type { LeafSpec } from "./schema.js";

/** Compress one page body (the result must not share memory with the input). */
export type Compressor = (input: Uint8Array) => Uint8Array;

/** How a file's column chunks are written. */
export interface ChunkSettings {
  pageVersion: 1 | 2;
  codec: Codec;
  compress: Compressor;
  /** A page is written once its encoded entries (levels and values, before compression) take this many bytes. */
  pageBytes: number;
  /** A chunk gives its dictionary up once the dictionary's entries take this many bytes. */
  dictionaryBytes: number;
  /** The dictionary is kept only if the first page encoded with it is at most this share of its PLAIN size. */
  dictionaryRatio: number;
}

/** What the column chunks of one encoding thread share: the buffer pool and the scratch of page encoding. */
export class PageScratch {
  readonly body = new ByteBuffer(1 << 16);
  readonly levels = new ByteBuffer(1 << 12);
  readonly header = new ByteBuffer(256);
  private indexBuffer = new Int32Array(1 << 12);

  constructor(readonly pool: BufferPool) {}

  indices(count: number): Int32Array {
    if (this.indexBuffer.length < count) this.indexBuffer = new Int32Array(Math.max(count, this.indexBuffer.length * 2));
    return this.indexBuffer;
  }
}

/** What a finished chunk wrote. */
export interface ChunkTotals {
  /** Where the chunk starts in the file. */
  offset: number;
  /** Its dictionary page, if it has one (header included). */
  dictionaryPage?: { bytes: number; uncompressed: number };
  dictionaryPages: number;
  plainPages: number;
  numValues: number;
  /** Of its data pages, headers included. */
  uncompressed: number;
  compressed: number;
  statistics: Statistics;
}

/** The footer's metadata of a chunk. */
export function chunkMeta(spec: LeafSpec, settings: ChunkSettings, totals: ChunkTotals): ColumnChunkMeta {
  const encodings = new Set<Encoding>([Encoding.RLE]);
  const encodingStats: EncodingCount[] = [];
  const dataPageType = settings.pageVersion === 1 ? PageType.DATA_PAGE : PageType.DATA_PAGE_V2;
  const dictionary = totals.dictionaryPage;
  if (dictionary !== undefined) {
    const encoding = settings.pageVersion === 1 ? Encoding.PLAIN_DICTIONARY : Encoding.PLAIN;
    encodings.add(encoding);
    encodingStats.push({ pageType: PageType.DICTIONARY_PAGE, encoding, count: 1 });
    const dataEncoding = settings.pageVersion === 1 ? Encoding.PLAIN_DICTIONARY : Encoding.RLE_DICTIONARY;
    encodings.add(dataEncoding);
    encodingStats.push({ pageType: dataPageType, encoding: dataEncoding, count: totals.dictionaryPages });
  }
  if (totals.plainPages > 0) {
    encodings.add(Encoding.PLAIN);
    encodingStats.push({ pageType: dataPageType, encoding: Encoding.PLAIN, count: totals.plainPages });
  }
  const dictionaryBytes = dictionary?.bytes ?? 0;
  return {
    type: spec.type,
    encodings: [...encodings],
    path: spec.path,
    codec: settings.codec,
    numValues: totals.numValues,
    uncompressed: (dictionary?.uncompressed ?? 0) + totals.uncompressed,
    compressed: dictionaryBytes + totals.compressed,
    dataPageOffset: totals.offset + dictionaryBytes,
    ...(dictionary === undefined ? {} : { dictionaryPageOffset: totals.offset }),
    statistics: totals.statistics,
    encodingStats,
  };
}
