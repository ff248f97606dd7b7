import { request, type Dispatcher } from "undici";
import type { z } from "zod";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { Redactor } from "../core/redact.js";
import { SLOW_ANSWER_CODE, isRetryableStatus, parseRetryAfter, refusedUnprocessed, retryDelayMs, transientNetworkCode, unsentNetworkCode } from "../core/retry.js";
import { proxyRefusal, proxyRefusalStatus } from "../core/proxy.js";
import { describeAsanaChange, parseAsanaChange } from "./change-header.js";
import { AsanaProtocolError, RetriesExhaustedError, UnconfirmedPostError, asanaError, type ErrorContext } from "./errors.js";

export interface AsanaHttpOptions {
  /** API root, e.g. https://app.asana.com/api/1.0 (no trailing slash needed). */
  baseUrl: string;
  token: string;
  dispatcher: Dispatcher;
  /** Time allowed for connecting, for the answer's headers, and for its whole body. */
  requestTimeoutMs: number;
  maxRetries: number;
  clock: Clock;
  logger: Logger;
  redactor: Redactor;
  random?: () => number;
  signal?: AbortSignal;
  /** Largest answer read (default 4 MiB): the API's answers are a few kB; a larger one is not read into memory. */
  maxAnswerBytes?: number;
}

/** What a request is for, as the errors about it say. */
export interface RequestPurpose {
  /** `Polling export job 123`: the subject of its error messages. */
  what: string;
  /** What the next run does when this request keeps failing (the end of the retries-exhausted message). */
  next: string;
  /** Whether its 403 may mean a busy export slot. */
  context?: ErrorContext;
}

/** Default cap on one API answer. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** Asana's `{"errors":[{"message"}]}` messages, or [] when the body is something else. */
function errorMessages(body: unknown): string[] {
  if (typeof body !== "object" || body === null || !("errors" in body) || !Array.isArray(body.errors)) return [];
  return body.errors
    .map((e: unknown) => (typeof e === "object" && e !== null && "message" in e ? String(e.message).slice(0, 500) : ""))
    .filter((m: string) => m !== "");
}

/** An answer that did not arrive whole within the request timeout (e.g. a body trickling in). */
class AnswerTooSlowError extends Error {
  // One of the "may have reached the server" codes of core/retry.ts: retried for a GET only.
  readonly code = SLOW_ANSWER_CODE;
}

/** The body as text, or undefined when it is larger than `max` bytes (then it is not read further). */
async function readCapped(res: Dispatcher.ResponseData, max: number): Promise<string | undefined> {
  const announced = Number(res.headers["content-length"]);
  if (Number.isFinite(announced) && announced > max) {
    res.body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      res.body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return text === "" ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * JSON over HTTP to Asana's API: bearer token, timeouts, a size cap on answers, and retries with
 * backoff on 429/5xx/network faults, except that a POST is sent again only when it provably never
 * reached Asana (a 429, a refused connection): after any other failure it ends in an
 * UnconfirmedPostError, since Asana may have acted on it.
 */
export class AsanaHttp {
  private readonly base: string;
  /** Asana-Change names already logged: once per run, as Asana's client libraries do. */
  private readonly changesSeen = new Set<string>();

  constructor(private readonly options: AsanaHttpOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    options.redactor.add(options.token);
  }

  /** GET a path and validate `data` of the answer. */
  get<T>(path: string, schema: z.ZodType<T>, purpose: RequestPurpose): Promise<T> {
    return this.send("GET", path, undefined, schema, purpose);
  }

  /** POST a JSON body `{data: body}` and validate `data` of the answer. */
  post<T>(path: string, body: unknown, schema: z.ZodType<T>, purpose: RequestPurpose): Promise<T> {
    return this.send("POST", path, { data: body }, schema, purpose);
  }

  private async send<T>(method: "GET" | "POST", path: string, body: unknown, schema: z.ZodType<T>, purpose: RequestPurpose): Promise<T> {
    const { maxRetries, clock, logger, redactor } = this.options;
    const { what } = purpose;
    const random = this.options.random ?? Math.random;
    let last: string;
    for (let attempt = 1; ; attempt++) {
      let retryAfter: number | undefined;
      try {
        const answer = await this.exchange(method, path, body);
        const { res, text } = answer;
        this.noteChanges(res, `${method} ${path.replace(/\d{4,}/g, "{gid}")}`);
        const json = text === undefined ? undefined : parseJson(text);
        if (res.statusCode >= 200 && res.statusCode < 300) {
          if (text === undefined) throw tooLarge(what, this.maxAnswerBytes);
          const envelope = json as { data?: unknown } | undefined;
          const parsed = schema.safeParse(envelope?.data);
          if (!parsed.success) {
            throw new AsanaProtocolError(`${what}: Asana's answer did not have the documented shape (${parsed.error.issues[0]?.path.join(".") ?? ""}: ${parsed.error.issues[0]?.message ?? ""}). ${purpose.next}`);
          }
          return parsed.data;
        }
        const messages = errorMessages(json).map((m) => redactor.redact(m));
        if (!isRetryableStatus(res.statusCode)) throw asanaError(res.statusCode, messages, what, purpose.context, purpose.next);
        retryAfter = parseRetryAfter(res.headers["retry-after"], clock.now());
        last = `HTTP ${res.statusCode}${messages.length ? ` (${messages.join("; ")})` : ""}`;
        if (method === "POST" && !refusedUnprocessed(res.statusCode)) throw new UnconfirmedPostError(what, last);
      } catch (error) {
        if (error instanceof UnconfirmedPostError) throw error;
        const refused = proxyRefusalStatus(error);
        // A tunnel the proxy refused never reached Asana: a 5xx of the proxy is retried even for a POST.
        if (refused !== undefined && refused < 500) throw proxyRefusal(refused, what, purpose.next);
        const code = refused === undefined ? transientNetworkCode(error) : `PROXY_${refused}`;
        if (code === undefined) throw error;
        last = refused === undefined ? `network error ${code}` : `the proxy refused the tunnel (HTTP ${refused})`;
        if (method === "POST" && refused === undefined && unsentNetworkCode(error) === undefined) throw new UnconfirmedPostError(what, last, error);
      }
      if (attempt > maxRetries) throw new RetriesExhaustedError(what, attempt, last, purpose.next);
      const delay = retryDelayMs(attempt, retryAfter, random);
      logger("warn", `${what}: ${last}; retry ${attempt} of ${maxRetries} in ${(delay / 1000).toFixed(1)} s`);
      await clock.sleep(delay, this.options.signal);
    }
  }

  private get maxAnswerBytes(): number {
    return this.options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  }

  /** One request and its whole answer; `text` is undefined when over the size cap. */
  private async exchange(method: "GET" | "POST", path: string, body: unknown): Promise<{ res: Dispatcher.ResponseData; text: string | undefined }> {
    const { requestTimeoutMs } = this.options;
    const res = await request(`${this.base}${path}`, {
      method,
      dispatcher: this.options.dispatcher,
      headers: {
        authorization: `Bearer ${this.options.token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: requestTimeoutMs,
      bodyTimeout: requestTimeoutMs,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    // undici's body timeout is per chunk: a body trickling in would never trip it, so the whole
    // body gets one deadline too (from its headers on: connecting and waiting for them have theirs).
    const timer = setTimeout(() => res.body.destroy(new AnswerTooSlowError(`the answer's body did not arrive whole within ${requestTimeoutMs} ms`)), requestTimeoutMs);
    try {
      return { res, text: await readCapped(res, this.maxAnswerBytes) };
    } finally {
      clearTimeout(timer);
    }
  }

  private noteChanges(res: Dispatcher.ResponseData, request: string): void {
    for (const change of parseAsanaChange(res.headers["asana-change"])) {
      if (this.changesSeen.has(change.name)) continue;
      this.changesSeen.add(change.name);
      this.options.logger("warn", describeAsanaChange(change, request));
    }
  }
}

function tooLarge(what: string, max: number): AsanaProtocolError {
  return new AsanaProtocolError(
    `${what}: Asana's answer was larger than ${max / (1024 * 1024)} MiB, far beyond any answer of this API, so it was ` +
      `not read. A proxy or gateway between this machine and Asana may be answering instead of Asana: check it. ` +
      `The next run asks again (an export job in the state is kept).`,
    "ASANA_ANSWER_TOO_LARGE",
  );
}
