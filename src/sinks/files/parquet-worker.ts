// The Parquet encoding thread: encodes and compresses the pages of the batches the sync's thread
// has shredded, and writes the files, so that reading and shredding (one core) overlap with
// encoding and compression (the other). Speaks the messages of parquet-channel.ts.
import { parentPort } from "node:worker_threads";
import { encoderResources, openFileEncoder, type EncoderReply, type EncoderRequest } from "./parquet-channel.js";
import { unpackBatch } from "./shred/packed-batch.js";
import { PageCodecs } from "./codecs.js";
import type { FileEncoder } from "./parquet/file-encoder.js";

const port = parentPort;
if (port === null) throw new Error("parquet-worker.js runs as a worker thread only");

// This thread's codecs (the zstd module is instantiated once here), and what its files share.
const codecs = new PageCodecs();
const resources = encoderResources();
/** Each open file's encoder, and the work asked of it chained in order. */
const files = new Map<number, Promise<FileEncoder>>();

function reply(message: EncoderReply): void {
  // An answer to `add` gives the batch's buffer back (the encoder copied what it needs).
  (port as NonNullable<typeof port>).postMessage(message, message.ok && message.buffer !== undefined ? [message.buffer] : []);
}

async function handle(request: EncoderRequest): Promise<Omit<Extract<EncoderReply, { ok: true }>, "id" | "ok">> {
  if (request.kind === "open") {
    const opened = openFileEncoder(request.spec, request.files, codecs, resources);
    files.set(request.file, opened);
    await opened;
    return {};
  }
  const encoder = files.get(request.file);
  if (encoder === undefined) throw new Error(`a request for file ${request.file}, which is not open`);
  const file = await encoder;
  switch (request.kind) {
    case "add":
      return { status: file.add(unpackBatch(request.batch)), buffer: request.batch.data.buffer as ArrayBuffer };
    case "finish":
      files.delete(request.file);
      return { size: file.finish() };
    case "discard":
      files.delete(request.file);
      file.discard();
      return {};
  }
}

port.on("message", (request: EncoderRequest) => {
  // Reactions to one promise run in the order they were attached, so a file's requests are
  // handled in the order they came (its encoder promise is created by the first).
  handle(request).then(
    (result) => reply({ id: request.id, ok: true, ...result }),
    (error: unknown) => {
      // A file that failed takes no more work; it leaves the budget of waiting pages.
      const failed = files.get(request.file);
      files.delete(request.file);
      failed?.then((file) => file.discard(), () => undefined);
      reply({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) });
    },
  );
});
