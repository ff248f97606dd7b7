// A loopback proxy in front of the emulator that can hold an export file's download part-way until
// the test releases it, so a test can look at a sync while it is downloading. API requests pass
// through unchanged, except that a job's download_url is pointed at the proxy's own storage port;
// downloads are forwarded to the emulator's storage host with the same path, query and headers.
import { once } from "node:events";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Emulator } from "../../src/emulator/index.js";

export interface HoldProxy {
  /** API root to put in the connector's config. */
  baseUrl: string;
  /** Resolves once a download has sent `holdAfterBytes` bytes and is being held. */
  held: Promise<void>;
  /** Let the held download go on to its end. */
  release(): void;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function forward(req: IncomingMessage, target: URL, onResponse: (upstream: IncomingMessage) => void, res: ServerResponse): void {
  const headers = { ...req.headers, host: target.host };
  const upstream = request(target, { method: req.method, headers }, onResponse);
  upstream.on("error", () => res.destroy());
  req.pipe(upstream);
}

/** Start a proxy for `emulator` that holds the first download after `holdAfterBytes` bytes of its body. */
export async function startHoldProxy(emulator: Emulator, holdAfterBytes: number): Promise<HoldProxy> {
  const api = new URL(emulator.baseUrl);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let onHeld!: () => void;
  const held = new Promise<void>((resolve) => (onHeld = resolve));
  let holding = true;
  let storageOrigin = "";

  const storage = createServer((req, res) => {
    forward(req, new URL(req.url ?? "/", emulator.storageUrl), (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      let sent = 0;
      const hold = holding && (upstream.statusCode === 200 || upstream.statusCode === 206);
      if (hold) holding = false;
      upstream.on("data", (chunk: Buffer) => {
        if (!hold || sent >= holdAfterBytes) {
          res.write(chunk);
          sent += chunk.length;
          return;
        }
        const room = holdAfterBytes - sent;
        sent += chunk.length;
        if (chunk.length <= room) {
          res.write(chunk);
          if (sent < holdAfterBytes) return;
          upstream.pause();
        } else {
          res.write(chunk.subarray(0, room));
          upstream.pause();
          void released.then(() => res.write(chunk.subarray(room)));
        }
        onHeld();
        void released.then(() => upstream.resume());
      });
      upstream.on("end", () => void (hold ? released : Promise.resolve()).then(() => res.end()));
    }, res);
  });

  const apiServer = createServer((req, res) => {
    forward(req, new URL(req.url ?? "/", api.origin), (upstream) => {
      const isJob = req.method === "GET" && /\/jobs\/\d+$/.test(req.url ?? "");
      if (!isJob) {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
        return;
      }
      const parts: Buffer[] = [];
      upstream.on("data", (b: Buffer) => parts.push(b));
      upstream.on("end", () => {
        const body = Buffer.concat(parts).toString("utf8").replaceAll(emulator.storageUrl, storageOrigin);
        const headers = { ...upstream.headers, "content-length": String(Buffer.byteLength(body)) };
        res.writeHead(upstream.statusCode ?? 502, headers);
        res.end(body);
      });
    }, res);
  });

  storageOrigin = await listen(storage);
  const apiOrigin = await listen(apiServer);
  return {
    baseUrl: `${apiOrigin}${api.pathname}`,
    held,
    release,
    close: async () => {
      release();
      for (const server of [apiServer, storage]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
