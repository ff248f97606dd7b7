// Egress proxies, as the Enterprise+ customers this endpoint serves run them: every request of a run
// (the API and the storage host) goes through a real forward proxy on loopback (the `proxy`
// package), which records what it sees. Over plain http (the loopback emulator; plain http is only
// allowed to loopback hosts) the proxy necessarily sees each request, token included; over https it
// sees only CONNECT host:port, the token and the signed URLs travel inside the TLS tunnel.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { createProxy } from "proxy";
import { afterEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { expectFailure, expectNoLeaks, expectTruth } from "./expect.js";
import { SMALL, run, type RunInput } from "./harness.js";
import { SIDES, forSides, sideEmulators } from "./sides.js";

const CERT_PATH = fileURLToPath(new URL("../fixtures/tls/loopback.crt", import.meta.url));
const TLS = { cert: readFileSync(CERT_PATH, "utf8"), key: readFileSync(fileURLToPath(new URL("../fixtures/tls/loopback.key", import.meta.url)), "utf8") };

const plain = sideEmulators(141);
const secure = sideEmulators(151, { ...SMALL, tls: TLS });

/** One request as the proxy saw it. */
interface Seen {
  method: string;
  /** Absolute-form URL of a proxied request, or `host:port` of a CONNECT. */
  url: string;
  authorization: string | undefined;
}

interface Proxy {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

const proxies: Proxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  for (const side of SIDES) for (const env of [plain, secure]) env[side].em.faults.clear();
});

/** A forward proxy on loopback; with `credentials`, it answers 407 to requests without them. */
async function startProxy(credentials?: string): Promise<Proxy> {
  const server = createProxy(createServer());
  if (credentials !== undefined) server.authenticate = (req) => req.headers["proxy-authorization"] === `Basic ${Buffer.from(credentials).toString("base64")}`;
  const seen: Seen[] = [];
  const tunnels = new Set<Socket>();
  const note = (req: IncomingMessage): void => void seen.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization });
  server.on("request", note);
  server.on("connect", (req: IncomingMessage, socket: Socket) => {
    note(req);
    tunnels.add(socket);
    socket.once("close", () => tunnels.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxy: Proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      for (const socket of tunnels) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  proxies.push(proxy);
  return proxy;
}

/** The environment of a run behind a proxy: only the variables given, the others emptied. */
function proxyEnv(vars: { HTTP_PROXY?: string; HTTPS_PROXY?: string; NO_PROXY?: string }): NodeJS.ProcessEnv {
  return { http_proxy: "", https_proxy: "", no_proxy: "", HTTP_PROXY: "", HTTPS_PROXY: "", NO_PROXY: "", NODE_EXTRA_CA_CERTS: CERT_PATH, ...vars };
}

const origin = (url: string): string => new URL(url).origin;

async function runThrough(side: (typeof SIDES)[number], em: Emulator, input: RunInput) {
  const from = em.requests.length;
  const o = await run(side, em, input);
  return { o, requests: em.requests.slice(from) };
}

describe("through an egress proxy", () => {
  it("plain http to the loopback emulator through HTTP_PROXY: every request in absolute form; the API's carry the token as they must, the storage host's no Authorization (read, sync)", () =>
    forSides(SIDES, async (side) => {
      const { em } = plain[side];
      const proxy = await startProxy();
      const { o, requests } = await runThrough(side, em, { env: proxyEnv({ HTTP_PROXY: proxy.url }) });
      expectTruth(o, em);
      expectNoLeaks(o, em);
      expect(o.logs.some((l) => l.includes(`Connecting through the proxy ${proxy.url} (HTTP_PROXY)`))).toBe(true);
      // Everything the emulator answered came through the proxy, as absolute-form requests.
      expect(proxy.seen.length).toBe(requests.length);
      const api = proxy.seen.filter((s) => s.url.startsWith(`${origin(em.baseUrl)}/`));
      const storage = proxy.seen.filter((s) => s.url.startsWith(`${em.storageUrl}/`));
      expect(api.length + storage.length).toBe(proxy.seen.length);
      expect(api.length).toBeGreaterThan(1);
      expect(storage.length).toBeGreaterThan(0);
      expect(api.every((s) => s.authorization === `Bearer ${em.token}`)).toBe(true);
      expect(storage.every((s) => s.authorization === undefined)).toBe(true);
    }));

  it("NO_PROXY naming the emulator's host: nothing goes through the proxy (read, sync)", () =>
    forSides(SIDES, async (side) => {
      const { em } = plain[side];
      const proxy = await startProxy();
      const { o } = await runThrough(side, em, { env: proxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: "example.com, 127.0.0.1" }) });
      expectTruth(o, em);
      expect(proxy.seen).toEqual([]);
    }));

  it("https (the emulator with a test certificate, trusted through NODE_EXTRA_CA_CERTS) through HTTPS_PROXY: the proxy sees only CONNECT host:port, never a token or a signed URL (read, sync)", () =>
    forSides(SIDES, async (side) => {
      const { em } = secure[side];
      const proxy = await startProxy();
      const { o } = await runThrough(side, em, { env: proxyEnv({ HTTPS_PROXY: proxy.url }) });
      expectTruth(o, em);
      expectNoLeaks(o, em);
      const hosts = new Set([new URL(em.baseUrl).host, new URL(em.storageUrl).host]);
      expect(proxy.seen.length).toBeGreaterThan(0);
      for (const s of proxy.seen) {
        expect(s.method).toBe("CONNECT");
        expect(hosts.has(s.url)).toBe(true);
        expect(s.authorization).toBeUndefined();
      }
      // Both hosts were reached through the tunnel.
      expect(new Set(proxy.seen.map((s) => s.url))).toEqual(hosts);
      const everything = JSON.stringify(proxy.seen);
      for (const secret of [...Object.values(em.tokens), ...em.downloadUrlSecrets]) expect(everything.includes(secret)).toBe(false);
    }));

  it("a proxy that wants credentials (407): PROXY_AUTH_REQUIRED, a config error saying where to put them; with them in HTTP_PROXY, the run goes through and never shows the password (read, sync)", () =>
    forSides(SIDES, async (side) => {
      const { em } = plain[side];
      const password = "pr0xy-Secret-9f3e";
      const proxy = await startProxy(`sync-user:${password}`);
      const refused = await run(side, em, { env: proxyEnv({ HTTP_PROXY: proxy.url }) });
      expectFailure(refused, {
        code: "PROXY_AUTH_REQUIRED",
        failureType: "config_error",
        message: [/^Starting the export \(POST \/exports\/resource\) was refused by the proxy \(407 Proxy Authentication Required\)\./, /HTTPS_PROXY=http:\/\/user:password@host:port/, /No export was started; the next run starts it\.$/],
      });
      const withCredentials = proxy.url.replace("http://", `http://sync-user:${password}@`);
      const o = await run(side, em, { env: proxyEnv({ HTTP_PROXY: withCredentials }) });
      expectTruth(o, em);
      expectNoLeaks(o, em);
      for (const text of [o.stdout, o.stderr, refused.stdout, refused.stderr]) expect(text.includes(password)).toBe(false);
    }));

  it("a storage redirect from https to plain http: refused, never followed (read, sync)", () =>
    forSides(SIDES, async (side) => {
      const { em } = secure[side];
      em.faults.arm({ kind: "redirect", target: "download" });
      const { o, requests } = await runThrough(side, em, { env: proxyEnv({}) });
      expectFailure(o, {
        code: "DOWNLOAD_BAD_RESPONSE",
        failureType: "system_error",
        message: [/^The export download at https:\/\/127\.0\.0\.1:\d+\/exports\/\d+\/\d+\.jsonl\.gz\?\*\*\* was redirected to http:\/\/127\.0\.0\.1:\d+\/exports\/\d+\/\d+\.jsonl\.gz\?\*\*\*, from https to plain http: refused/, /the next run resumes it and asks for its file again\.$/],
      });
      expect(requests.filter((q) => q.role === "storage").map((q) => q.status)).toEqual([302]);
      expectNoLeaks(o, em);
    }));
});
