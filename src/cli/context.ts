// Everything a command needs, built once from the validated config: HTTP, API client, redaction, clock.
import { Agent, type Dispatcher } from "undici";
import { AsanaHttp } from "../asana/http.js";
import { AsanaApi } from "../asana/api.js";
import type { Config } from "../config/index.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { Redactor } from "../core/redact.js";

/** Process-level things a command is given (so tests and the demo can inject them). */
export interface Runtime {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** Whether stderr is an interactive terminal (progress display). */
  isTTY: boolean;
  /** Whether stdout is a terminal (the sync then prints no JSON result line unless asked). */
  stdoutIsTTY?: boolean;
  /** Aborted when the process is told to stop (SIGTERM, SIGINT): requests, waits and downloads end. */
  signal?: AbortSignal;
}

/** The runtime of the real process. */
export function processRuntime(): Runtime {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    clock: systemClock,
    isTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
  };
}

export interface Connection {
  api: AsanaApi;
  dispatcher: Dispatcher;
  redactor: Redactor;
  /** Close idle connections once requests finish. */
  close(): Promise<void>;
  /** Abort every request in flight and close at once (after a failure). */
  destroy(): Promise<void>;
}

/** An HTTP connection pool and API client for a config; the token is registered for redaction at once. */
export function connect(config: Config, runtime: Runtime, logger: Logger, redactor: Redactor): Connection {
  redactor.add(config.service_account_token);
  const dispatcher = new Agent({
    keepAliveTimeout: 30_000,
    connections: 16,
    connect: { timeout: config.request_timeout_seconds * 1000 },
  });
  const http = new AsanaHttp({
    baseUrl: config.base_url,
    token: config.service_account_token,
    dispatcher,
    requestTimeoutMs: config.request_timeout_seconds * 1000,
    maxRetries: config.max_retries,
    clock: runtime.clock,
    logger,
    redactor,
    ...(runtime.signal ? { signal: runtime.signal } : {}),
  });
  return {
    api: new AsanaApi(http),
    dispatcher,
    redactor,
    close: () => (dispatcher.destroyed ? Promise.resolve() : dispatcher.close()),
    destroy: () => (dispatcher.destroyed ? Promise.resolve() : dispatcher.destroy()),
  };
}
