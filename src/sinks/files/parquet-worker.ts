// The Parquet encoding thread: encodes the row groups that the sync's thread has shredded, so that
// decoding and shredding (one core) overlap with page encoding and compression (the other).
// Speaks the messages of parquet-channel.ts; one RowGroupEncoder per open file.
import { parentPort } from "node:worker_threads";
import type { EncoderReply, EncoderRequest } from "./parquet-channel.js";
import { PageCodecs } from "./codecs.js";
import { RowGroupEncoder } from "./parquet-encode.js";

const port = parentPort;
if (port === null) throw new Error("parquet-worker.js runs as a worker thread only");

// This thread's codecs: the zstd module is instantiated once here, for every file it encodes.
const codecs = new PageCodecs();
const files = new Map<number, Promise<RowGroupEncoder>>();

port.on("message", (request: EncoderRequest) => {
  switch (request.kind) {
    case "open":
      files.set(request.file, RowGroupEncoder.create(request.spec, codecs));
      return;
    case "close":
      files.delete(request.file);
      return;
    case "encode":
      void encode(request);
      return;
  }
});

async function encode(request: Extract<EncoderRequest, { kind: "encode" }>): Promise<void> {
  let reply: EncoderReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const encoder = files.get(request.file);
    if (encoder === undefined) throw new Error(`row group for file ${request.file}, which is not open`);
    // Reactions to one promise run in order: a file's row groups are encoded in the order they came.
    const group = (await encoder).encode(request.group);
    reply = { id: request.id, ok: true, group };
    transfer = [group.bytes.buffer as ArrayBuffer];
  } catch (error) {
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  (port as NonNullable<typeof port>).postMessage(reply, transfer);
}
