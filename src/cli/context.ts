// Everything a command needs, built once from the validated config: HTTP, API client, redaction, clock.
import { EnvHttpProxyAgent, type Dispatcher } from "undici";
import { AsanaHttp } from "../asana/http.js";
import { AsanaApi } from "../asana/api.js";
import type { Config } from "../config/index.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { proxySecrets, proxySettings, safeProxy } from "../core/proxy.js";
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
  /**
   * Runs work that a stop signal must not cut in half (publishing files, manifest and state): the
   * forced exit that follows a signal waits for it. Absent: the work just runs.
   */
  shield?: <T>(work: () => Promise<T>) => Promise<T>;
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

/**
 * An HTTP connection pool and API client for a config; the token is registered for redaction at
 * once. Requests to the API and to the storage host go through the proxy the environment names
 * (HTTPS_PROXY, HTTP_PROXY, NO_PROXY): https ones in a CONNECT tunnel, so the proxy sees neither the
 * token nor a signed URL; plain http ones (only ever to a loopback emulator) in absolute form.
 */
export function connect(config: Config, runtime: Runtime, logger: Logger, redactor: Redactor): Connection {
  redactor.add(config.service_account_token);
  const proxies = proxySettings(runtime.env);
  for (const secret of proxySecrets(proxies)) redactor.add(secret);
  const dispatcher = new EnvHttpProxyAgent({
    httpProxy: proxies.httpProxy,
    httpsProxy: proxies.httpsProxy,
    noProxy: proxies.noProxy,
    proxyTunnel: false,
    keepAliveTimeout: 30_000,
    connections: 16,
    connect: { timeout: config.request_timeout_seconds * 1000 },
  });
  const proxy = config.base_url.startsWith("https:") ? (proxies.httpsProxy || proxies.httpProxy) : proxies.httpProxy;
  if (proxy !== "") {
    const from = proxy === proxies.httpsProxy ? proxies.httpsFrom : proxies.httpFrom;
    logger("info", `Connecting through the proxy ${safeProxy(proxy)} (${from ?? "proxy"})${proxies.noProxy === "" ? "" : `, except for the hosts in NO_PROXY (${proxies.noProxy.slice(0, 200)})`}`);
  }
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
  // Closing twice (destroy after a failure, then close in a finally) must be a no-op.
  let ended: Promise<void> | undefined;
  return {
    api: new AsanaApi(http),
    dispatcher,
    redactor,
    close: () => (ended ??= dispatcher.close()),
    destroy: () => (ended ??= dispatcher.destroy()),
  };
}
