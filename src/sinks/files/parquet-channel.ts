// Where row groups get encoded: in a worker thread (the second core) when the compiled worker is
// there and the machine has two cores, else in this thread. Both give the same bytes; the worker
// made the Parquet sync about 1.8x faster on this 2-core machine (bench/RESULTS.md).
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
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

/** Where to encode: `auto` picks the worker when it can help. */
export type EncodePlace = "auto" | "worker" | "thread";

const WORKER_URL = new URL("./parquet-worker.js", import.meta.url);
/**
 * The encoding thread's young generation: V8's default let it take ~25 MB more peak RSS (238-249 MB
 * against 216-225 MB for the Parquet sync of 50,000 tasks) for ~5% less time.
 */
const WORKER_YOUNG_GENERATION_MB = 16;

/** Whether the compiled worker can run here (not when this module runs from TypeScript sources). */
export function workerAvailable(): boolean {
  return !import.meta.url.endsWith(".ts");
}

export async function openGroupEncoder(spec: EncoderSpec, place: EncodePlace = "auto"): Promise<GroupEncoder> {
  const useWorker = place === "worker" || (place === "auto" && workerAvailable() && availableParallelism() >= 2);
  if (useWorker) return EncoderThread.shared().open(spec);
  const encoder = await RowGroupEncoder.create(spec);
  return { encode: async (group) => encoder.encode(group), close: () => undefined };
}

interface Waiting {
  resolve: (group: EncodedGroup) => void;
  reject: (error: Error) => void;
}

/** The process's one encoding thread; kept alive only while it has work. */
class EncoderThread {
  private static current: EncoderThread | undefined;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private nextFile = 1;

  static shared(): EncoderThread {
    EncoderThread.current ??= new EncoderThread();
    return EncoderThread.current;
  }

  private constructor() {
    this.worker = new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    this.worker.on("message", (reply: EncoderReply) => this.settle(reply));
    this.worker.on("error", (error) => this.fail(new Error(`the Parquet encoding thread failed: ${error.message}`, { cause: error })));
    this.worker.on("exit", (code) => this.fail(new Error(`the Parquet encoding thread stopped (exit code ${code})`)));
    // After the listeners: adding a 'message' listener references the worker again.
    this.worker.unref();
  }

  open(spec: EncoderSpec): GroupEncoder {
    const file = this.nextFile++;
    this.worker.postMessage({ kind: "open", file, spec } satisfies EncoderRequest);
    return {
      encode: (group) => this.encode(file, group),
      close: () => {
        if (EncoderThread.current === this) this.worker.postMessage({ kind: "close", file } satisfies EncoderRequest);
      },
    };
  }

  private encode(file: number, group: ShreddedGroup): Promise<EncodedGroup> {
    if (EncoderThread.current !== this) return Promise.reject(new Error("the Parquet encoding thread is gone"));
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

  /** The thread is unusable: fail what waits on it; the next file starts a new one. */
  private fail(error: Error): void {
    if (EncoderThread.current === this) EncoderThread.current = undefined;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}
