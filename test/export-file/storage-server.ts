// A real loopback HTTP server standing in for object storage: each test scripts its answers, and
// every request is recorded so tests can check what the client sent (and never sent).
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  url: string;
  headers: IncomingHttpHeaders;
}

/** Answers request number `n` (0-based) of this server. */
export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export interface StorageServer {
  /** Base URL, e.g. http://127.0.0.1:1234 */
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Start a server on `host` (port 0) answering with `handler`. */
export async function startServer(handler: Handler, host = "127.0.0.1"): Promise<StorageServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const n = requests.length;
    requests.push({ url: req.url ?? "", headers: req.headers });
    handler(req, res, n);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What serveObject does with one request. */
export interface ServeOptions {
  etag?: string;
  /** Answer 200 with the whole object even when Range is asked (a server ignoring Range). */
  ignoreRange?: boolean;
  /** Send this many body bytes, then cut the connection. */
  cutAfter?: number;
  /** How to cut: "close" ends the socket (premature close), "reset" sends a TCP RST. */
  cut?: "close" | "reset";
  /**
   * Cut once this resolves (default: as soon as the bytes were handed to the kernel). A reset throws
   * away what the client received but has not read yet, so a test that needs the client to hold some
   * bytes cuts only after it has taken some (see `Consumption`).
   */
  cutWhen?: Promise<void>;
}

/** Counts the bytes a test took from a download, so a server can cut only after the client has some. */
export class Consumption {
  private bytes = 0;
  private readonly waiters: { above: number; resolve: () => void }[] = [];

  /** Pass a download's chunks through, counting them. */
  async *count(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      this.bytes += chunk.length;
      for (const w of this.waiters.filter((x) => this.bytes > x.above)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
      yield chunk;
    }
  }

  /** Resolves once the test has taken more bytes than it has now. */
  more(): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ above: this.bytes, resolve }));
  }
}

/** Serve `body` like object storage: 200, or 206 for `Range: bytes=N-`. */
export function serveObject(req: IncomingMessage, res: ServerResponse, body: Buffer, options: ServeOptions = {}): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  const ifRange = req.headers["if-range"];
  const rangeOk = range !== null && !options.ignoreRange && (ifRange === undefined || ifRange === options.etag);
  const start = rangeOk && range?.[1] !== undefined ? Number(range[1]) : 0;
  const headers: Record<string, string | number> = { "content-type": "application/gzip" };
  if (options.etag !== undefined) headers.etag = options.etag;
  if (rangeOk && start >= body.length) {
    res.writeHead(416, { "content-range": `bytes */${body.length}` });
    res.end();
    return;
  }
  headers["content-length"] = body.length - start;
  if (rangeOk) headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
  res.writeHead(rangeOk ? 206 : 200, headers);
  const part = body.subarray(start);
  if (options.cutAfter === undefined || options.cutAfter >= part.length) {
    res.end(part);
    return;
  }
  res.write(part.subarray(0, options.cutAfter), () => {
    void (options.cutWhen ?? Promise.resolve()).then(() => {
      if (options.cut === "reset") req.socket.resetAndDestroy();
      else req.socket.destroy();
    });
  });
}

/** An S3-style answer for an expired presigned URL. */
export function expired(res: ServerResponse): void {
  res.writeHead(403, { "content-type": "application/xml" });
  res.end(
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>' +
      "<Message>Request has expired</Message><Expires>2025-01-01T00:00:00Z</Expires></Error>",
  );
}
