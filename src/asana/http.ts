import { request, type Dispatcher } from "undici";
import type { z } from "zod";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { Redactor } from "../core/redact.js";
import { isRetryableStatus, parseRetryAfter, retryDelayMs, transientNetworkCode } from "../core/retry.js";
import { AsanaProtocolError, RetriesExhaustedError, asanaError } from "./errors.js";

export interface AsanaHttpOptions {
  /** API root, e.g. https://app.asana.com/api/1.0 (no trailing slash needed). */
  baseUrl: string;
  token: string;
  dispatcher: Dispatcher;
  requestTimeoutMs: number;
  maxRetries: number;
  clock: Clock;
  logger: Logger;
  redactor: Redactor;
  random?: () => number;
  signal?: AbortSignal;
}

/** Asana's `{"errors":[{"message"}]}` messages, or [] when the body is something else. */
function errorMessages(body: unknown): string[] {
  if (typeof body !== "object" || body === null || !("errors" in body) || !Array.isArray(body.errors)) return [];
  return body.errors
    .map((e: unknown) => (typeof e === "object" && e !== null && "message" in e ? String(e.message) : ""))
    .filter((m: string) => m !== "");
}

/** JSON over HTTP to Asana's API: bearer token, timeouts, retries with backoff on 429/5xx/network. */
export class AsanaHttp {
  private readonly base: string;

  constructor(private readonly options: AsanaHttpOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    options.redactor.add(options.token);
  }

  /** GET a path and validate `data` of the answer. */
  get<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T> {
    return this.send("GET", path, undefined, schema, what);
  }

  /** POST a JSON body `{data: body}` and validate `data` of the answer. */
  post<T>(path: string, body: unknown, schema: z.ZodType<T>, what: string): Promise<T> {
    return this.send("POST", path, { data: body }, schema, what);
  }

  private async send<T>(method: "GET" | "POST", path: string, body: unknown, schema: z.ZodType<T>, what: string): Promise<T> {
    const { maxRetries, clock, logger, redactor } = this.options;
    const random = this.options.random ?? Math.random;
    let last: string;
    for (let attempt = 1; ; attempt++) {
      let retryAfter: number | undefined;
      try {
        const res = await request(`${this.base}${path}`, {
          method,
          dispatcher: this.options.dispatcher,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            accept: "application/json",
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          headersTimeout: this.options.requestTimeoutMs,
          bodyTimeout: this.options.requestTimeoutMs,
          ...(this.options.signal ? { signal: this.options.signal } : {}),
        });
        const text = await res.body.text();
        let json: unknown;
        try {
          json = text === "" ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        if (res.statusCode >= 200 && res.statusCode < 300) {
          const envelope = json as { data?: unknown } | undefined;
          const parsed = schema.safeParse(envelope?.data);
          if (!parsed.success) {
            throw new AsanaProtocolError(`${what}: Asana's answer did not have the documented shape (${parsed.error.issues[0]?.path.join(".") ?? ""}: ${parsed.error.issues[0]?.message ?? ""}).`);
          }
          return parsed.data;
        }
        const messages = errorMessages(json).map((m) => redactor.redact(m));
        if (!isRetryableStatus(res.statusCode)) throw asanaError(res.statusCode, messages, what);
        retryAfter = parseRetryAfter(res.headers["retry-after"], clock.now());
        last = `HTTP ${res.statusCode}${messages.length ? ` (${messages.join("; ")})` : ""}`;
      } catch (error) {
        const code = transientNetworkCode(error);
        if (code === undefined) throw error;
        last = `network error ${code}`;
      }
      if (attempt > maxRetries) throw new RetriesExhaustedError(what, attempt, last);
      const delay = retryDelayMs(attempt, retryAfter, random);
      logger("warn", `${what}: ${last}; retry ${attempt} of ${maxRetries} in ${(delay / 1000).toFixed(1)} s`);
      await clock.sleep(delay, this.options.signal);
    }
  }
}
