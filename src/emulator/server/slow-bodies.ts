// Bodies that arrive too slowly or are too large to be sensible, as a broken server, proxy or
// network path sends them: a trickle (a byte every few hundred ms, which no per-chunk timeout ever
// trips) and an answer padded far beyond any real one.
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/** A flag set once the response is gone (sent, or its client left), so slow writers stop. */
function closedFlag(res: ServerResponse): { readonly closed: boolean } {
  const flag = { closed: res.destroyed || res.writableEnded };
  res.once("close", () => (flag.closed = true));
  return flag;
}

/** Write a chunk, waiting for the socket to take it (backpressure). */
function writeChunk(res: ServerResponse, chunk: Buffer | string): Promise<void> {
  return new Promise<void>((resolve) => {
    if (res.write(chunk)) {
      resolve();
      return;
    }
    const done = (): void => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

/**
 * Send `source`: its first `afterBytes` at full speed, then one byte every `everyMs`, until it
 * ends or the client goes away. The headers must already be written.
 */
export async function writeTrickling(res: ServerResponse, source: AsyncIterable<Buffer>, afterBytes: number, everyMs: number): Promise<void> {
  const state = closedFlag(res);
  let sent = 0;
  for await (const chunk of source) {
    let offset = 0;
    if (sent < afterBytes) {
      const fast = chunk.subarray(0, Math.max(0, afterBytes - sent));
      await writeChunk(res, fast);
      sent += fast.length;
      offset = fast.length;
    }
    for (; offset < chunk.length; offset++) {
      // Unref'd: a trickle must not keep the process alive on its own.
      await sleep(everyMs, undefined, { ref: false });
      if (state.closed) return;
      await writeChunk(res, chunk.subarray(offset, offset + 1));
      sent++;
    }
    if (state.closed) return;
  }
  res.end();
}

/** A body that is `text` as an async iterable (for writeTrickling). */
export async function* bytesOf(text: string): AsyncGenerator<Buffer> {
  yield Buffer.from(text);
}

const PAD_CHUNK = "x".repeat(64 * 1024);

/**
 * Send a JSON object's text padded with an extra string member to `bytes` bytes in all (at least
 * the object itself), as a valid JSON answer with its length announced.
 */
export async function writePadded(res: ServerResponse, status: number, body: unknown, bytes: number, headers: Readonly<Record<string, string | readonly string[]>>): Promise<void> {
  const text = JSON.stringify(body);
  const open = `${text.slice(0, -1)}${text.length > 2 ? "," : ""}"padding":"`;
  const close = '"}';
  const pad = Math.max(0, bytes - Buffer.byteLength(open) - close.length);
  res.writeHead(status, { ...headers, "content-type": "application/json; charset=UTF-8", "content-length": Buffer.byteLength(open) + pad + close.length });
  const state = closedFlag(res);
  await writeChunk(res, open);
  for (let left = pad; left > 0 && !state.closed; left -= PAD_CHUNK.length) await writeChunk(res, left >= PAD_CHUNK.length ? PAD_CHUNK : PAD_CHUNK.slice(0, left));
  if (!state.closed) res.end(close);
}
