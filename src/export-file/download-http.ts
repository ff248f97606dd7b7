// HTTP pieces of the download: one GET with redirects followed by hand, and the header parsing
// that Range resumption relies on. Kept pure where possible so they are tested on their own.
import type { Dispatcher } from "undici";
import type { Logger } from "../core/logger.js";
import { isLoopbackHost } from "../config/fields.js";
import { safeUrl, type Redactor } from "../core/redact.js";
import { DownloadError } from "./errors.js";

/** A response whose body is still unread. */
export interface OpenResponse {
  status: number;
  headers: Dispatcher.ResponseData["headers"];
  body: Dispatcher.ResponseData["body"];
  /** The URL that answered, after redirects. */
  url: string;
}

/** Per-request settings of getFollowingRedirects. */
export interface GetOptions {
  dispatcher: Dispatcher;
  timeoutMs: number;
  redactor: Redactor;
  signal: AbortSignal | undefined;
  logger: Logger | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
// Large enough that the socket is not paused every 64 KB while the decoder works.
const BODY_HIGH_WATER_MARK = 256 * 1024;

/**
 * GET `url` with only the given (credential-free) headers, following redirects by hand so that
 * nothing but those headers ever reaches the next host; the URL's user-info is never sent.
 */
export async function getFollowingRedirects(
  url: string,
  headers: Record<string, string>,
  options: GetOptions,
): Promise<OpenResponse> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const target = parseHttpUrl(current);
    const res = await options.dispatcher.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: "GET",
      headers,
      signal: options.signal ?? null,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      highWaterMark: BODY_HIGH_WATER_MARK,
    });
    const location = header(res.headers, "location");
    if (!REDIRECTS.has(res.statusCode) || location === undefined) {
      return { status: res.statusCode, headers: res.headers, body: res.body, url: current };
    }
    await res.body.dump().catch(() => undefined);
    if (hop >= MAX_REDIRECTS) {
      throw new DownloadError(
        `The export download was redirected more than ${MAX_REDIRECTS} times (last to ${safeUrl(current)}). ` +
          `The storage host or a proxy is misconfigured. The state keeps the export job: the next run resumes it and ` +
          `asks for its file again.`,
        "DOWNLOAD_BAD_RESPONSE",
        { failureType: "system_error", retryable: false, status: res.statusCode },
      );
    }
    const next = new URL(location, current);
    // Signed locations carry their signature in the query: remember it before it can reach a log.
    options.redactor.addUrl(next.href);
    if (target.protocol === "https:" && next.protocol !== "https:") {
      throw new DownloadError(
        `The export download at ${safeUrl(current)} was redirected to ${safeUrl(next.href)}, from https to plain ` +
          `${next.protocol.replace(":", "")}: refused, since the file would travel unencrypted. The storage host or a proxy ` +
          `is misconfigured. The state keeps the export job: the next run resumes it and asks for its file again.`,
        "DOWNLOAD_BAD_RESPONSE",
        { failureType: "system_error", retryable: false, status: res.statusCode },
      );
    }
    options.logger?.("debug", `export download redirected (${res.statusCode}) to ${safeUrl(next.href)}`);
    current = next.href;
  }
}

/** An http(s) URL; plain http only to a loopback host (the emulator), as for config.base_url. */
function parseHttpUrl(url: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol === "http:" && !isLoopbackHost(parsed.hostname)) {
    throw new DownloadError(
      `The export download URL ${safeUrl(url)} uses plain http to a host that is not loopback: refused, since the file ` +
        `would travel unencrypted. Report this if it repeats. The state keeps the export job: the next run asks Asana for a fresh URL.`,
      "DOWNLOAD_BAD_RESPONSE",
      { failureType: "system_error", retryable: false },
    );
  }
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw new DownloadError(
      `The export download URL ${safeUrl(url)} is not an http(s) URL. Asana returned an unusable ` +
        `download_url; report this if it repeats. The state keeps the export job: the next run asks Asana for a fresh URL.`,
      "DOWNLOAD_BAD_RESPONSE",
      { failureType: "system_error", retryable: false },
    );
  }
  return parsed;
}

/** One header value (the first, when repeated). */
export function header(headers: OpenResponse["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A `Content-Range: bytes a-b/total` header; `total` is undefined for `*`. */
export interface ContentRange {
  start: number;
  end: number;
  total: number | undefined;
}

/** Parse a byte Content-Range (`bytes 10-19/100` or `bytes 10-19/*`), undefined when malformed. */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  const m = value === undefined ? null : /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value);
  if (m === null || m[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  const total = m[3] === "*" ? undefined : Number(m[3]);
  if (end < start || (total !== undefined && end >= total)) return undefined;
  return { start, end, total };
}

/** The total size from an unsatisfied-range answer (`Content-Range: bytes *\/100`). */
export function parseUnsatisfiedRange(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(value);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** A non-negative integer header such as Content-Length, undefined when absent or malformed. */
export function parseLength(value: string | undefined): number | undefined {
  return value !== undefined && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

/** The ETag when it is strong: only a strong validator may be used in If-Range (RFC 9110 13.1.5). */
export function strongEtag(value: string | undefined): string | undefined {
  return value !== undefined && value.startsWith('"') ? value : undefined;
}

/** Read at most `max` bytes of an error body as text, then discard the rest. */
export async function readSnippet(body: OpenResponse["body"], max = 8192): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= max) break;
    }
  } catch {
    // The body of an error answer is only a hint; a broken one must not hide the status.
  } finally {
    body.destroy();
  }
  return Buffer.concat(parts).subarray(0, max).toString("utf8");
}

/** Whether a storage answer says the signed URL expired (S3, GCS and Azure word it differently). */
export function saysExpired(body: string): boolean {
  return /request has expired|expiredtoken|signature.{0,40}expired|expired.{0,40}signature|signed expiry/i.test(body);
}
