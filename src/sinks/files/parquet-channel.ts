// Where Parquet pages get encoded and compressed: in a worker thread (the second core) while this
// thread goes on reading and shredding lines, or in this thread. Both write the same bytes. The
// command that runs a sync chooses one (chooseEncoding), passes it to every Parquet file it writes,
// and closes it at the end. The encoding side writes the file itself (by its descriptor): the
// compressed pages never travel back.
import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import type { Compression, PageCodecs } from "./codecs.js";
import type { Column } from "./columns.js";
import { BufferPool } from "./parquet/buffer-pool.js";
import { PageScratch } from "./parquet/chunk-settings.js";
import { FileEncoder, PendingPages, type FileStatus } from "./parquet/file-encoder.js";
import { PageStore, descriptorOutput } from "./parquet/page-store.js";
import { parquetSchema } from "./parquet/schema.js";
import { BatchBuffers, unpackBatch, type PackedBatch } from "./shred/packed-batch.js";

/** What the encoder needs to know of a file. */
export interface EncoderSpec {
  /** Every column of the file, the added ones included. */
  columns: readonly Column[];
  compression: Compression;
  pageVersion: 1 | 2;
  rowGroupBytes: number;
  footerBytes: number;
  keyValues: readonly { key: string; value: string }[];
  createdBy: string;
}

/** The descriptors of a file being written: the Parquet file, and the spill file of its pages. */
export interface FileDescriptors {
  fd: number;
  spillFd: number;
}

/** What adding a batch answers: where the file stands, and the batch's buffer back. */
export interface Added {
  status: FileStatus;
  buffer: ArrayBuffer;
}

/** One open file on the encoding side. Calls are answered in order. */
export interface FileEncoding {
  /** Add a batch (its buffer moves to the encoder); resolves to where the file stands, and the buffer back for reuse. */
  add(batch: PackedBatch): Promise<Added>;
  /** Write the last row group and the footer; resolves to the file's size. */
  finish(): Promise<number>;
  /** Drop the file; resolves once nothing more will be written to its descriptor. */
  discard(): Promise<void>;
}

/** Where a sync's Parquet pages are encoded; one per command, closed when it is done. */
export interface ParquetEncoding {
  /** The buffers batches are packed in, shared by the files (each comes back with its batch's answer). */
  readonly buffers: BatchBuffers;
  /** Start encoding a file that is open for writing (and its spill file, open for reading and writing). */
  open(spec: EncoderSpec, files: FileDescriptors): Promise<FileEncoding>;
  /** Release the thread, if any (files still open fail their next call). */
  close(): Promise<void>;
}

/** Memory of the waiting pages of all files of one encoding thread (encoded, not yet compressed). */
const PENDING_PAGE_BYTES = 16 * 1024 * 1024;
/** Memory of the dictionaries of all files of one encoding thread. */
const DICTIONARY_MEMORY = 8 * 1024 * 1024;
/** The slab the thread's buffers are cut from: room for both bounds above, and for the pool's fragmentation. */
const POOLED_BYTES = 32 * 1024 * 1024;
/** A page is written at about this many bytes, encoded (before compression). */
const PAGE_BYTES = 1024 * 1024;
/** A column chunk's dictionary stops growing at this size. */
const DICTIONARY_BYTES = 4 * 1024 * 1024;
/** Pages are copied from the spill file to the output through a buffer of this size. */
const TRANSFER_BYTES = 256 * 1024;
/** A dictionary must bring its first page to at most this share of the PLAIN size to be kept. */
const DICTIONARY_RATIO = 0.9;

/** What the files of one encoding thread share: the buffer pool and budget of their waiting pages, their scratch. */
export interface EncoderResources {
  budget: PendingPages;
  scratch: PageScratch;
  /** The buffer pages are copied out of the spill files through. */
  transfer: Uint8Array;
}

/** The memory bounds of one encoding thread (tests set small ones, to see what happens past them). */
export interface EncoderLimits {
  /** Bytes of waiting pages in memory, all files together. */
  pendingPageBytes: number;
  /** Bytes of dictionaries, all files together. */
  dictionaryMemory: number;
}

const DEFAULT_LIMITS: EncoderLimits = { pendingPageBytes: PENDING_PAGE_BYTES, dictionaryMemory: DICTIONARY_MEMORY };

/** The shared resources of one encoding thread. */
export function encoderResources(limits: EncoderLimits = DEFAULT_LIMITS): EncoderResources {
  const pool = new BufferPool(POOLED_BYTES);
  return { budget: new PendingPages(pool, limits.pendingPageBytes, limits.dictionaryMemory), scratch: new PageScratch(pool), transfer: new Uint8Array(TRANSFER_BYTES) };
}

/** A file encoder of this thread (the worker's and the in-thread encoding's). */
export async function openFileEncoder(spec: EncoderSpec, files: FileDescriptors, codecs: PageCodecs, resources: EncoderResources): Promise<FileEncoder> {
  const { codec, compress } = await codecs.codec(spec.compression);
  const schema = parquetSchema(spec.columns);
  return new FileEncoder(
    schema.leaves,
    { pageVersion: spec.pageVersion, codec, compress, pageBytes: PAGE_BYTES, dictionaryBytes: DICTIONARY_BYTES, dictionaryRatio: DICTIONARY_RATIO },
    { version: spec.pageVersion, schema: schema.nodes, leafCount: schema.leaves.length, keyValues: spec.keyValues, createdBy: spec.createdBy },
    { rowGroupBytes: spec.rowGroupBytes, footerBytes: spec.footerBytes },
    descriptorOutput(files.fd),
    new PageStore(files.spillFd, resources.transfer),
    resources.scratch,
    resources.budget,
  );
}

/** Encoding in the calling thread, with its codecs. */
export function inThreadEncoding(codecs: PageCodecs, limits?: EncoderLimits): ParquetEncoding {
  const resources = encoderResources(limits);
  return {
    buffers: new BatchBuffers(),
    async open(spec, files) {
      const file = await openFileEncoder(spec, files, codecs, resources);
      return {
        add: async (batch) => ({ status: file.add(unpackBatch(batch)), buffer: batch.data.buffer as ArrayBuffer }),
        finish: async () => file.finish(),
        discard: async () => file.discard(),
      };
    },
    close: async () => undefined,
  };
}

/** Messages to the encoding thread. */
export type EncoderRequest =
  | { kind: "open"; file: number; id: number; spec: EncoderSpec; files: FileDescriptors }
  | { kind: "add"; file: number; id: number; batch: PackedBatch }
  | { kind: "finish"; file: number; id: number }
  | { kind: "discard"; file: number; id: number };

/** Its answers, one per request. */
export type EncoderReply =
  | { id: number; ok: true; status?: FileStatus; buffer?: ArrayBuffer; size?: number }
  | { id: number; ok: false; message: string };

/** The compiled worker beside this module (absent when this module runs from TypeScript sources). */
export const WORKER_URL = new URL("./parquet-worker.js", import.meta.url);

/** Whether the compiled worker can run here (not when this module runs from TypeScript sources). */
export function workerAvailable(): boolean {
  return !import.meta.url.endsWith(".ts");
}

/**
 * The encoding a sync should use: a worker thread when there are two cores and the compiled worker
 * is there, else this thread with the given codecs. The caller owns it and closes it.
 */
export function chooseEncoding(codecs: PageCodecs): ParquetEncoding {
  return workerAvailable() && availableParallelism() >= 2 ? new EncoderThread() : inThreadEncoding(codecs);
}

/**
 * The encoding thread's young generation: its garbage is short-lived page scratch, and a small
 * young generation keeps the thread's share of the peak RSS down. V8's --max-semi-space-size, when
 * set (the sync restarts itself with it on Node 24, src/cli/heap.ts), overrides a worker's
 * resourceLimits: it gave this thread a 16 MB semi-space (13 MB more RSS, measured). The flag is
 * read when an isolate is created, so it is cleared just before the worker's is: this thread's
 * heap keeps the size it started with.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

interface Waiting {
  resolve: (reply: Extract<EncoderReply, { ok: true }>) => void;
  reject: (error: Error) => void;
}

/** The buffer a batch moves to the encoding thread in. */
function transferList(batch: PackedBatch): ArrayBuffer[] {
  return [batch.data.buffer as ArrayBuffer];
}

/** One encoding thread for many files; it keeps the process alive only while an answer is due. */
export class EncoderThread implements ParquetEncoding {
  readonly buffers = new BatchBuffers();
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private nextFile = 1;
  /** Set once the thread is unusable (it failed, stopped or was closed). */
  private broken: Error | undefined;

  /** `workerUrl`: the compiled parquet-worker.js (tests may point at the build from the sources). */
  constructor(workerUrl: URL = WORKER_URL) {
    setFlagsFromString("--max-semi-space-size=0");
    this.worker = new Worker(workerUrl, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    this.worker.on("message", (reply: EncoderReply) => this.settle(reply));
    this.worker.on("error", (error) => this.fail(new Error(`the Parquet encoding thread failed: ${error.message}`, { cause: error })));
    this.worker.on("exit", (code) => this.fail(new Error(`the Parquet encoding thread stopped (exit code ${code})`)));
    // After the listeners: adding a 'message' listener references the worker again.
    this.worker.unref();
  }

  async open(spec: EncoderSpec, files: FileDescriptors): Promise<FileEncoding> {
    const file = this.nextFile++;
    await this.request((id) => ({ kind: "open", file, id, spec, files }));
    return {
      add: async (batch) => {
        const reply = await this.request((id) => ({ kind: "add", file, id, batch }), transferList(batch));
        return { status: reply.status as FileStatus, buffer: reply.buffer as ArrayBuffer };
      },
      finish: async () => (await this.request((id) => ({ kind: "finish", file, id }))).size as number,
      discard: async () => {
        await this.request((id) => ({ kind: "discard", file, id }));
      },
    };
  }

  async close(): Promise<void> {
    if (this.broken !== undefined) return;
    this.fail(new Error("the Parquet encoding thread was closed"));
    await this.worker.terminate();
  }

  private request(make: (id: number) => EncoderRequest, transfer: ArrayBuffer[] = []): Promise<Extract<EncoderReply, { ok: true }>> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Keep the process alive while an answer is due (an unreferenced worker would let it exit).
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage(make(id), transfer);
    });
  }

  private settle(reply: EncoderReply): void {
    const waiting = this.waiting.get(reply.id);
    if (waiting === undefined) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (reply.ok) waiting.resolve(reply);
    else waiting.reject(new Error(`Writing a Parquet file failed in the encoding thread: ${reply.message}`));
  }

  /** The thread is unusable: fail what waits on it and everything asked of it from now on. */
  private fail(error: Error): void {
    this.broken ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
    this.worker.unref();
  }
}
