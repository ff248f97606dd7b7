// Pure pieces of the retry policy, shared by the API client and the download: one definition of a
// retryable status, of a transient network fault (and of the subset that provably never reached the
// server, the only faults after which a request that is not idempotent may be sent again), of
// Retry-After and of the backoff.

/** HTTP statuses worth retrying: rate limiting and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 599);
}

/**
 * Code of an answer that came in too slowly: not whole within its deadline, or under the minimum
 * rate (set by the callers of undici, whose own timeouts are per chunk: a trickle never trips them).
 */
export const SLOW_ANSWER_CODE = "ERR_SLOW_ANSWER";

/**
 * Network faults that happen before a request is sent: the connection was refused or never set up
 * in time, or the name did not resolve. The server cannot have acted on the request, so even a
 * request that is not idempotent (the POST that starts an export) may be sent again.
 */
const UNSENT_NETWORK_CODES = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * Network faults after which the request may have reached the server and been acted on: the
 * connection was reset or closed, or its answer timed out or was cut short. A later attempt may
 * succeed, but only an idempotent request (a GET) may be repeated blindly.
 */
const MAYBE_SENT_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
  SLOW_ANSWER_CODE,
]);

/** The first `code` in an error's `cause` chain (undici and fetch wrap the socket's error) that `codes` has. */
function codeIn(error: unknown, codes: ReadonlySet<string>): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && typeof e === "object" && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && codes.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The code of a transient network fault (either kind above), or undefined when the error is
 * anything else. Usage errors of the HTTP client (an invalid argument, an aborted or destroyed
 * client, a response over a size cap) are not transient: a retry would fail the same way.
 */
export function transientNetworkCode(error: unknown): string | undefined {
  return codeIn(error, UNSENT_NETWORK_CODES) ?? codeIn(error, MAYBE_SENT_NETWORK_CODES);
}

/** The code of a network fault that provably happened before the request was sent, else undefined. */
export function unsentNetworkCode(error: unknown): string | undefined {
  return codeIn(error, UNSENT_NETWORK_CODES);
}

/**
 * Whether an HTTP status says the server refused the request without acting on it: a 429 is
 * rate limiting, counted before any work. Every other retryable status (a 5xx, 408) may come after
 * the work was done (a gateway that timed out waiting for it, a crash while answering).
 */
export function refusedUnprocessed(status: number): boolean {
  return status === 429;
}

/**
 * Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date), or undefined when
 * absent or unparseable. Never negative.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === "") return undefined;
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - nowMs) / 1000);
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 60_000 };

/**
 * Delay before retry number `attempt` (1-based): full-jitter exponential backoff, or the server's
 * Retry-After when given (plus a little jitter so many clients do not return at once).
 */
export function retryDelayMs(
  attempt: number,
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
  options: BackoffOptions = DEFAULT_BACKOFF,
): number {
  if (retryAfterSeconds !== undefined) {
    return Math.round(retryAfterSeconds * 1000 + random() * Math.min(1000, options.baseMs));
  }
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
