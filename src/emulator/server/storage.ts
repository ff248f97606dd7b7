// The object-storage host serving export files at presigned URLs, as S3 does: query-string auth
// only (a request with an Authorization header is refused and counted), expiry, Range (206/416),
// ETag, conditional requests, S3-style XML errors, and injected faults (5xx, resets, expiry, lost
// replies, trickling bodies, redirects; a padded answer is the API's fault only).
import { createReadStream } from "node:fs";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { delayRequest } from "./delays.js";
import { s3ErrorXml } from "./errors.js";
import type { FaultController } from "./faults.js";
import { sendXml } from "./http.js";
import { writeTrickling } from "./slow-bodies.js";
import type { JobStore } from "./jobs.js";
import { derivedGid } from "./prng.js";
import { parseRange } from "./range.js";
import type { RequestLog } from "./request-log.js";
import type { UrlSigner } from "./signing.js";

/** How long a finished export file can be downloaded. */
export const FILE_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** What the storage host needs. */
export interface StorageDeps {
  jobs: JobStore;
  signer: UrlSigner;
  faults: FaultController;
  log: RequestLog;
  now: () => number;
  seed: number;
  /** Called for each request that carried an Authorization header. */
  onAuthorizationHeader: () => void;
}

const PATH = /^\/exports\/(\d+)\/(\d+)\.jsonl\.gz$/;

/** The storage path of an export file. */
export function storagePath(workspaceGid: string, exportGid: string): string {
  return `/exports/${workspaceGid}/${exportGid}.jsonl.gz`;
}

/** The request listener of the storage host. */
export function storageRouter(deps: StorageDeps): RequestListener {
  let requests = 0;
  return (req, res) => {
    requests += 1;
    const requestId = derivedGid(deps.seed, "s3-request", requests).slice(2);
    void serve(deps, req, res, requestId).catch(() => {
      if (!res.headersSent) sendXml(res, 500, s3ErrorXml("InternalError", "We encountered an internal error. Please try again.", req.url ?? "/", requestId));
      else res.destroy();
    });
  };
}

async function serve(deps: StorageDeps, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  const notes = deps.log.begin(req, res, "storage", deps.now());
  const url = new URL(req.url ?? "/", "http://storage.invalid");
  const head = req.method === "HEAD";
  const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}): void =>
    sendXml(res, status, s3ErrorXml(code, message, url.pathname, requestId), { "x-amz-request-id": requestId, ...headers }, head);
  req.resume();
  if (req.method !== "GET" && !head) {
    fail(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", { allow: "GET, HEAD" });
    return;
  }
  if (req.headers.authorization !== undefined) {
    deps.onAuthorizationHeader();
    fail(400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified");
    return;
  }
  const verdict = deps.signer.verify(url.pathname, url.searchParams, deps.now());
  if (verdict === "missing") {
    fail(403, "AccessDenied", "Query-string authentication (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-Signature) is required");
    return;
  }
  if (verdict === "bad-signature") {
    fail(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
    return;
  }
  if (verdict === "expired") {
    fail(403, "AccessDenied", "Request has expired");
    return;
  }
  const match = PATH.exec(url.pathname);
  const found = match?.[2] === undefined ? undefined : deps.jobs.fileOf(match[2]);
  // Asana keeps an export's file for 30 days after it completes.
  const file = found !== undefined && deps.now() - found.lastModified <= FILE_RETENTION_MS ? found : undefined;
  if (!file) {
    fail(404, "NoSuchKey", "The specified key does not exist.");
    return;
  }

  const decision = deps.faults.forRequest("download");
  if (!(await delayRequest(decision, deps.faults, res))) return;
  const fault = decision.fault;
  if (fault) notes.fault = fault.kind;
  if (fault?.kind === "status") {
    if (fault.status === 500) fail(500, "InternalError", "We encountered an internal error. Please try again.");
    else if (fault.status === 503) fail(503, "SlowDown", "Please reduce your request rate.");
    else fail(fault.status, fault.status === 502 ? "BadGateway" : "GatewayTimeout", "The upstream did not answer in time.");
    return;
  }
  if (fault?.kind === "forbidden") {
    fail(403, "AccessDenied", fault.message);
    return;
  }
  if (fault?.kind === "rate-limit") {
    fail(503, "SlowDown", "Please reduce your request rate.", { "retry-after": String(fault.retryAfterSeconds ?? 1) });
    return;
  }
  if (fault?.kind === "expire-url") {
    deps.signer.revokeIssued();
    fail(403, "AccessDenied", "Request has expired");
    return;
  }
  if (fault?.kind === "lost-reply") {
    req.socket.destroy();
    return;
  }
  if (fault?.kind === "redirect") {
    const location = `${fault.scheme ?? "http"}://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`;
    res.writeHead(302, { location, "content-length": 0, "x-amz-request-id": requestId });
    res.end();
    return;
  }

  const headers: Record<string, string | number> = {
    "accept-ranges": "bytes",
    etag: file.etag,
    "last-modified": new Date(file.lastModified).toUTCString(),
    "content-type": "application/gzip",
    "x-amz-request-id": requestId,
  };
  const ifMatch = req.headers["if-match"];
  if (ifMatch !== undefined && ifMatch !== "*" && !ifMatch.split(",").map((s) => s.trim()).includes(file.etag)) {
    fail(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
    return;
  }
  if (req.headers["if-none-match"] === file.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const ifRange = req.headers["if-range"];
  const rangeHeader = ifRange === undefined || ifRange === file.etag ? req.headers.range : undefined;
  const range = parseRange(rangeHeader, file.size);
  if (range.kind === "unsatisfiable") {
    fail(416, "InvalidRange", "The requested range is not satisfiable", { "content-range": `bytes */${file.size}` });
    return;
  }
  const start = range.kind === "partial" ? range.start : 0;
  const end = range.kind === "partial" ? range.end : file.size - 1;
  headers["content-length"] = Math.max(0, end - start + 1);
  if (range.kind === "partial") headers["content-range"] = `bytes ${start}-${end}/${file.size}`;
  res.writeHead(range.kind === "partial" ? 206 : 200, headers);
  if (head || end < start) {
    res.end();
    return;
  }
  if (fault?.kind === "reset") {
    await sendThenReset(req, res, file.path, start, Math.min(end, start + (fault.afterBytes ?? 0) - 1));
    return;
  }
  if (fault?.kind === "trickle") {
    await writeTrickling(res, createReadStream(file.path, { start, end }), fault.afterBytes ?? 0, fault.everyMs ?? 100);
    return;
  }
  const stream = createReadStream(file.path, { start, end });
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}

/** Send bytes [start, last] of the body (none when last < start), then drop the connection. */
async function sendThenReset(req: IncomingMessage, res: ServerResponse, path: string, start: number, last: number): Promise<void> {
  if (last >= start) {
    for await (const chunk of createReadStream(path, { start, end: last }) as AsyncIterable<Buffer>) {
      await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
    }
  } else {
    res.flushHeaders();
  }
  // Every byte was handed to the kernel (write callbacks), and the request was read: destroy() closes
  // with a FIN after them, so the client gets them all before the connection drops.
  req.socket.destroy();
}
