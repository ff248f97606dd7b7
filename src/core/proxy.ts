// Egress proxies, as enterprise networks run them: HTTPS_PROXY / HTTP_PROXY / NO_PROXY (lower-case
// names first, as curl and undici read them). HTTPS goes through a CONNECT tunnel, so the proxy sees
// only the host and port; the token and the signed URLs travel inside TLS. A proxy that refuses
// the tunnel is reported as what it is, not as a network error or a bug.
import { ConnectorError } from "./errors.js";

/** The proxy settings of an environment; empty strings where unset. */
export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
  /** The variable each proxy came from, for messages. */
  httpFrom: string | undefined;
  httpsFrom: string | undefined;
}

function pick(env: NodeJS.ProcessEnv, names: readonly string[]): { value: string; from: string | undefined } {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== "") return { value, from: name };
  }
  return { value: "", from: undefined };
}

/** A proxy URL checked: http(s) with a host; a ConnectorError naming the variable otherwise. */
function checked(value: string, from: string | undefined): string {
  if (value === "") return "";
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    throw new ConnectorError(`${from ?? "The proxy variable"} is not a proxy URL: set it to one such as http://proxy.example.com:3128 (credentials as http://user:password@host:port).`, {
      code: "PROXY_INVALID",
      failureType: "config_error",
    });
  }
  return value;
}

/** The proxy settings an environment gives. */
export function proxySettings(env: NodeJS.ProcessEnv): ProxySettings {
  const http = pick(env, ["http_proxy", "HTTP_PROXY"]);
  const https = pick(env, ["https_proxy", "HTTPS_PROXY"]);
  return {
    httpProxy: checked(http.value, http.from),
    httpsProxy: checked(https.value, https.from),
    noProxy: pick(env, ["no_proxy", "NO_PROXY"]).value,
    httpFrom: http.from,
    httpsFrom: https.from,
  };
}

/** A proxy URL fit for a log line: its origin, never its credentials. */
export function safeProxy(value: string): string {
  return URL.canParse(value) ? new URL(value).origin : "<invalid proxy URL>";
}

/** The credentials of proxy URLs, to be redacted wherever they could appear. */
export function proxySecrets(settings: ProxySettings): string[] {
  return [settings.httpProxy, settings.httpsProxy]
    .filter((v) => v !== "" && URL.canParse(v))
    .flatMap((v) => {
      const url = new URL(v);
      return url.password === "" ? [] : [url.password, decodeURIComponent(url.password), v];
    });
}

/** The status with which a proxy refused a request or a CONNECT tunnel (undici's errors), else undefined. */
export function proxyRefusalStatus(error: unknown): number | undefined {
  for (let e: unknown = error, depth = 0; depth < 4 && e instanceof Error; depth++, e = e.cause) {
    const m = /Proxy response \((\d{3})\) !== 200|Proxy Authentication Required \((\d{3})\)/.exec(e.message);
    if (m !== null) return Number(m[1] ?? m[2]);
  }
  return undefined;
}

/**
 * What a proxy's refusal means: 407 and other 4xx are the user's to fix (credentials, an allow
 * list); a 5xx (the proxy could not reach the host) may pass. A refused tunnel never reached the
 * host, so nothing was acted on.
 */
export function proxyRefusal(status: number, what: string, next: string): ConnectorError {
  if (status === 407) {
    return new ConnectorError(
      `${what} was refused by the proxy (407 Proxy Authentication Required). Put the proxy's credentials in its URL ` +
        `(HTTPS_PROXY=http://user:password@host:port), or exempt the host with NO_PROXY. ${next}`,
      { code: "PROXY_AUTH_REQUIRED", failureType: "config_error" },
    );
  }
  const transient = status >= 500;
  return new ConnectorError(
    `${what} was refused by the proxy (HTTP ${status} to its CONNECT request). ` +
      (transient
        ? "The proxy could not reach the host: run the sync again later."
        : "Ask for app.asana.com and Asana's export storage host to be allowed through it, or exempt them with NO_PROXY.") +
      ` ${next}`,
    { code: "PROXY_REFUSED", failureType: transient ? "transient_error" : "config_error", retryable: transient },
  );
}
