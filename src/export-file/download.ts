// Download of the export file from its presigned object-storage URL, resumable byte-exactly:
// after any fault it asks for `Range: bytes=<received>-` and checks what comes back, so the
// consumer sees every byte of the object once, in order, whatever the network does.
import type { Dispatcher } from "undici";
import type { Clock } from "../core/clock.js";
import { ConnectorError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { proxyRefusal, proxyRefusalStatus } from "../core/proxy.js";
import { safeUrl, type Redactor } from "../core/redact.js";
import { SLOW_ANSWER_CODE, isRetryableStatus, parseRetryAfter, retryDelayMs, transientNetworkCode } from "../core/retry.js";
import {
  getFollowingRedirects,
  header,
  parseContentRange,
  parseLength,
  parseUnsatisfiedRange,
  readSnippet,
  saysExpired,
  strongEtag,
  type OpenResponse,
} from "./download-http.js";
import {
  badResponse,
  changed,
  forbidden,
  httpFailure,
  retriesExhausted,
  tooSlow,
  transportFailure,
} from "./download-errors.js";

/** Settings of openDownload. */
export interface DownloadOptions {
  /** Transport; tests pass an Agent aimed at a local server. */
  dispatcher: Dispatcher;
  /** Gives a signed URL: "initial" first, "expired" when storage refused the current one. */
  resolveUrl: (reason: "initial" | "expired") => Promise<string>;
  /** Retries in a row without receiving a byte before giving up. */
  maxRetries: number;
  /** Time allowed for the response headers, and between two body chunks. */
  requestTimeoutMs: number;
  /** Sleeps between retries. */
  clock: Clock;
  /** Jitter source for the backoff (tests pass a constant). */
  random?: () => number;
  logger?: Logger;
  /** Every URL handed out or redirected to is added here, so no signature reaches a log. */
  redactor: Redactor;
  signal?: AbortSignal;
  /** Called once, with the object's size when the server announced it (for progress). */
  onResponse?: (info: { totalBytes: number | undefined }) => void;
  /** First byte wanted (to continue a download kept elsewhere); default 0. */
  startOffset?: number;
  /** Fresh URLs asked for in a row, without receiving a byte, before giving up; default 3. */
  maxUrlRefreshes?: number;
  /** Total time spent waiting for the storage host before giving up; default DOWNLOAD_DEADLINE_MS. */
  deadlineMs?: number;
}

/**
 * The slowest a download may go while it waits for the storage host, averaged over a window of
 * `requestTimeoutMs` of waiting: an attempt under it is cut and resumed by Range (counted as a
 * failed attempt). undici's timeouts are per chunk, so without it a host trickling a byte a second
 * keeps a run alive for ever.
 */
export const MIN_BYTES_PER_SECOND = 1024;

/**
 * The most time a download spends waiting for the storage host, over all its attempts. Time the
 * consumer takes (a slow destination, backpressure) is not counted: only the network's.
 */
export const DOWNLOAD_DEADLINE_MS = 6 * 3600_000;

interface Progress {
  received: number;
  total: number | undefined;
  etag: string | undefined;
  failures: number;
  refreshes: number;
  reported: boolean;
  /** Time spent waiting for the storage host so far (connecting, headers, body chunks). */
  waitedMs: number;
}

/** The attempt came in under the minimum rate: cut it and resume by Range. */
class TooSlowError extends Error {
  readonly code = SLOW_ANSWER_CODE;
}

/**
 * Stream the export file's bytes (the gzip, undecoded) as an async iterable of Buffers. Resumes
 * with Range after network faults, 5xx and 429, and asks for a fresh URL on 403 (expired
 * signature). Throws a DownloadError when it cannot go on. Never sends any credential.
 */
export async function* openDownload(options: DownloadOptions): AsyncGenerator<Buffer, void, undefined> {
  const maxRefreshes = options.maxUrlRefreshes ?? 3;
  const p: Progress = {
    received: options.startOffset ?? 0,
    total: undefined,
    etag: undefined,
    failures: 0,
    refreshes: 0,
    reported: false,
    waitedMs: 0,
  };
  const deadlineMs = options.deadlineMs ?? DOWNLOAD_DEADLINE_MS;
  let url = await resolve(options, "initial");

  /** Count a failed attempt and sleep before the next, or throw when retries are spent. */
  const retry = async (reason: string, retryAfter: string | undefined, cause?: unknown, status?: number): Promise<void> => {
    p.failures++;
    const what = options.redactor.redact(reason);
    if (p.failures > options.maxRetries) throw retriesExhausted(url, p.failures, what, p.received, cause, status);
    const delay = retryDelayMs(p.failures, parseRetryAfter(retryAfter, options.clock.now()), options.random);
    options.logger?.(
      "warn",
      `export download from ${safeUrl(url)} failed (${what}); retry ${p.failures}/${options.maxRetries} ` +
        `in ${delay} ms from byte ${p.received}`,
    );
    await options.clock.sleep(delay, options.signal);
  };

  for (;;) {
    if (p.total !== undefined && p.received >= p.total) return;
    if (p.waitedMs > deadlineMs) throw tooSlow(url, deadlineMs, p.received, p.total);
    let res: OpenResponse;
    const asked = options.clock.now();
    try {
      res = await getFollowingRedirects(url, requestHeaders(p), {
        dispatcher: options.dispatcher,
        timeoutMs: options.requestTimeoutMs,
        redactor: options.redactor,
        signal: options.signal,
        logger: options.logger,
      });
    } catch (err) {
      p.waitedMs += options.clock.now() - asked;
      await retry(networkReason(err, options), undefined, err);
      continue;
    }
    p.waitedMs += options.clock.now() - asked;
    // Retries go back to Asana's URL rather than a redirect target, which may be single-use.
    const status = res.status;
    if (status === 200 || status === 206) {
      const before = p.received;
      let skip: number;
      try {
        skip = acceptBody(res, p, url);
      } catch (err) {
        res.body.destroy();
        throw err;
      }
      if (!p.reported) {
        p.reported = true;
        options.onResponse?.({ totalBytes: p.total });
      }
      const fault = yield* streamBody(res, p, skip, options);
      if (p.received > before) {
        // Progress was made: the limits count attempts in a row that got nowhere.
        p.failures = 0;
        p.refreshes = 0;
      }
      if (fault !== undefined) await retry(networkReason(fault, options), undefined, fault);
      else if (p.total === undefined || p.received >= p.total) return;
      else await retry(`the connection closed after byte ${p.received} of ${p.total}`, undefined);
      continue;
    }
    if (status === 416) {
      const total = parseUnsatisfiedRange(header(res.headers, "content-range"));
      await res.body.dump().catch(() => undefined);
      if (total !== undefined && p.received === total) return;
      throw badResponse(`answered 416 to a request for byte ${p.received} onwards (size ${total ?? "unknown"})`, url, status);
    }
    const snippet = await readSnippet(res.body);
    if (status === 403 || (status === 400 && saysExpired(snippet))) {
      const expired = saysExpired(snippet);
      if (p.refreshes >= maxRefreshes) throw forbidden(status, expired, p.refreshes, url);
      p.refreshes++;
      options.logger?.(
        "info",
        `export download URL refused (${status}${expired ? ", signature expired" : ""}); asking Asana for a fresh one`,
      );
      url = await resolve(options, "expired");
      continue;
    }
    if (isRetryableStatus(status)) {
      await retry(`HTTP ${status}`, header(res.headers, "retry-after"), undefined, status);
      continue;
    }
    throw httpFailure(status, url);
  }
}

async function resolve(options: DownloadOptions, reason: "initial" | "expired"): Promise<string> {
  const url = await options.resolveUrl(reason);
  options.redactor.addUrl(url);
  return url;
}

function requestHeaders(p: Progress): Record<string, string> {
  // identity: the bytes must be the stored object itself, since Range offsets count those bytes.
  const headers: Record<string, string> = { "accept-encoding": "identity", "user-agent": "source-asana-export" };
  if (p.received > 0) {
    headers.range = `bytes=${p.received}-`;
    if (p.etag !== undefined) headers["if-range"] = p.etag;
  }
  return headers;
}

/** Check a 200/206 against what was received so far; returns how many leading bytes to drop. */
function acceptBody(res: OpenResponse, p: Progress, url: string): number {
  const etag = header(res.headers, "etag");
  if (p.etag !== undefined && etag !== undefined && etag !== p.etag) throw changed(url, p.received);
  let start = 0;
  let total: number | undefined;
  if (res.status === 206) {
    const range = parseContentRange(header(res.headers, "content-range"));
    if (range === undefined) throw badResponse("sent 206 without a valid Content-Range", url, 206);
    // Starting later would leave a gap; starting earlier only repeats bytes we drop.
    if (range.start > p.received) {
      throw badResponse(`resumed at byte ${range.start} when byte ${p.received} was asked for`, url, 206);
    }
    start = range.start;
    total = range.total;
  } else {
    // A 200 is the whole object from byte 0, whether or not Range was sent.
    total = parseLength(header(res.headers, "content-length"));
  }
  if (p.total !== undefined && total !== undefined && total !== p.total) throw changed(url, p.received);
  p.total ??= total;
  p.etag ??= strongEtag(etag);
  return p.received - start;
}

/**
 * Yield the body's bytes past `skip`; returns the transport error that cut it short, if any, or a
 * TooSlowError once a window of waiting brought less than the minimum rate.
 */
async function* streamBody(res: OpenResponse, p: Progress, skip: number, options: DownloadOptions): AsyncGenerator<Buffer, unknown, undefined> {
  const it = (res.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const windowMs = options.requestTimeoutMs;
  let windowWaited = 0;
  let windowBytes = 0;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      const asked = options.clock.now();
      try {
        next = await it.next();
      } catch (err) {
        return err;
      }
      const waited = options.clock.now() - asked;
      p.waitedMs += waited;
      if (next.done === true) return undefined;
      windowWaited += waited;
      windowBytes += next.value.length;
      if (windowWaited >= windowMs) {
        if (windowBytes < (MIN_BYTES_PER_SECOND * windowWaited) / 1000) {
          return new TooSlowError(`${windowBytes} bytes in ${(windowWaited / 1000).toFixed(1)} s, under the minimum of ${MIN_BYTES_PER_SECOND} bytes/s`);
        }
        windowWaited = 0;
        windowBytes = 0;
      }
      if (p.waitedMs > (options.deadlineMs ?? DOWNLOAD_DEADLINE_MS)) return new TooSlowError("the download's deadline passed");
      let chunk = next.value;
      if (skip > 0) {
        if (chunk.length <= skip) {
          skip -= chunk.length;
          continue;
        }
        chunk = chunk.subarray(skip);
        skip = 0;
      }
      if (p.total !== undefined && p.received + chunk.length > p.total) {
        throw badResponse(`sent more than the announced ${p.total} bytes`, res.url, res.status);
      }
      p.received += chunk.length;
      yield chunk;
    }
  } finally {
    // Frees the connection when we stop early (consumer break, error, or a 200 being skipped).
    if (!res.body.destroyed) res.body.destroy();
  }
}

/** A retryable transport error as text for the logs; anything else is thrown as what it is. */
function networkReason(err: unknown, options: DownloadOptions): string {
  if (options.signal?.aborted === true) throw options.signal.reason ?? err;
  if (err instanceof ConnectorError) throw err;
  const refused = proxyRefusalStatus(err);
  if (refused !== undefined && refused < 500) {
    throw proxyRefusal(refused, "Downloading the export file", "The state keeps the export job: the next run resumes it and downloads its file again.");
  }
  if (refused !== undefined) return `the proxy refused the tunnel (HTTP ${refused})`;
  const text = options.redactor.redact(err instanceof Error ? err.message : String(err));
  const code = transientNetworkCode(err);
  if (code === undefined) throw transportFailure(text, err);
  return `${code}: ${text}`;
}
