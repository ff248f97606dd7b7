// Where row groups get encoded: in this thread, or in a worker thread (the second core) while this
// one goes on reading and shredding. Both give the same bytes; the worker made the Parquet sync about
// 1.8x faster on a 2-core machine (bench/RESULTS.md). The command that runs a sync chooses one
// (chooseEncoding), passes it to every Parquet file it writes, and closes it at the end.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { PageCodecs } from "./codecs.js";
import { RowGroupEncoder, type EncodedGroup, type EncoderSpec, type ShreddedGroup } from "./parquet-encode.js";

/** Messages to the encoding thread. */
export type EncoderRequest =
  | { kind: "open"; file: number; spec: EncoderSpec }
  | { kind: "encode"; file: number; id: number; group: ShreddedGroup }
  | { kind: "close"; file: number };

/** Its answers, one per `encode`. */
export type EncoderReply = { id: number; ok: true; group: EncodedGroup } | { id: number; ok: false; message: string };

/** Encodes one file's row groups, in the order they are given. */
export interface GroupEncoder {
  encode(group: ShreddedGroup): Promise<EncodedGroup>;
  /** Free the file's encoder (pending encodes still complete). */
  close(): void;
}

/** Where a sync's Parquet row groups are encoded; one per command, closed when it is done. */
export interface RowGroupEncoding {
  /** An encoder for one new file. */
  open(spec: EncoderSpec): Promise<GroupEncoder>;
  /** Release the thread, if any (files still open fail their next encode). */
  close(): Promise<void>;
}

/** Encoding in the calling thread, with its codecs. */
export function inThreadEncoding(codecs: PageCodecs): RowGroupEncoding {
  return {
    async open(spec) {
      const encoder = await RowGroupEncoder.create(spec, codecs);
      return { encode: async (group) => encoder.encode(group), close: () => undefined };
    },
    close: async () => undefined,
  };
}

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
export function chooseEncoding(codecs: PageCodecs): RowGroupEncoding {
  return workerAvailable() && availableParallelism() >= 2 ? new EncoderThread() : inThreadEncoding(codecs);
}

/**
 * The encoding thread's young generation: V8's default let it take ~25 MB more peak RSS (238-249 MB
 * against 216-225 MB for the Parquet sync of 50,000 tasks) for ~5% less time.
 */
const WORKER_YOUNG_GENERATION_MB = 16;

interface Waiting {
  resolve: (group: EncodedGroup) => void;
  reject: (error: Error) => void;
}

/** One encoding thread for many files; it keeps the process alive only while a reply is due. */
export class EncoderThread implements RowGroupEncoding {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private nextFile = 1;
  /** Set once the thread is unusable (it failed, stopped or was closed). */
  private broken: Error | undefined;

  /** `workerUrl`: the compiled parquet-worker.js (tests may point at the build from the sources). */
  constructor(workerUrl: URL = WORKER_URL) {
    this.worker = new Worker(workerUrl, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    this.worker.on("message", (reply: EncoderReply) => this.settle(reply));
    this.worker.on("error", (error) => this.fail(new Error(`the Parquet encoding thread failed: ${error.message}`, { cause: error })));
    this.worker.on("exit", (code) => this.fail(new Error(`the Parquet encoding thread stopped (exit code ${code})`)));
    // After the listeners: adding a 'message' listener references the worker again.
    this.worker.unref();
  }

  async open(spec: EncoderSpec): Promise<GroupEncoder> {
    if (this.broken !== undefined) throw this.broken;
    const file = this.nextFile++;
    this.worker.postMessage({ kind: "open", file, spec } satisfies EncoderRequest);
    return {
      encode: (group) => this.encode(file, group),
      close: () => {
        if (this.broken === undefined) this.worker.postMessage({ kind: "close", file } satisfies EncoderRequest);
      },
    };
  }

  async close(): Promise<void> {
    if (this.broken !== undefined) return;
    this.fail(new Error("the Parquet encoding thread was closed"));
    await this.worker.terminate();
  }

  private encode(file: number, group: ShreddedGroup): Promise<EncodedGroup> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    const id = this.nextId++;
    const transfer = group.leaves.flatMap((leaf) => [leaf.def.buffer, leaf.rep.buffer]).filter((b) => b.byteLength > 0) as ArrayBuffer[];
    return new Promise<EncodedGroup>((resolve, reject) => {
      // Keep the process alive while a reply is due (an unreferenced worker would let it exit).
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ kind: "encode", file, id, group } satisfies EncoderRequest, [...new Set(transfer)]);
    });
  }

  private settle(reply: EncoderReply): void {
    const waiting = this.waiting.get(reply.id);
    if (waiting === undefined) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (reply.ok) waiting.resolve(reply.group);
    else waiting.reject(new Error(`Encoding a Parquet row group failed: ${reply.message}`));
  }

  /** The thread is unusable: fail what waits on it and everything asked of it from now on. */
  private fail(error: Error): void {
    this.broken ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
    this.worker.unref();
  }
}
