import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openDownload } from "../../src/export-file/download.js";
import { collect, failure, harness, SECRET, server, useStorageServers } from "./download-harness.js";
import { Consumption, expired, serveObject } from "./storage-server.js";

const BODY = randomBytes(300_000);

useStorageServers();

describe("openDownload", () => {
  it("downloads a plain 200 without any credential and reports the size", async () => {
    const s = await server((req, res) => serveObject(req, res, BODY));
    const totals: (number | undefined)[] = [];
    const h = harness([`${s.origin}/export.json.gz?${SECRET}`], { onResponse: (i) => totals.push(i.totalBytes) });
    expect((await collect(openDownload(h.options))).equals(BODY)).toBe(true);
    expect(totals).toEqual([BODY.length]);
    expect(h.resolved).toEqual(["initial"]);
    expect(s.requests[0]?.headers.range).toBeUndefined();
    expect(s.requests[0]?.headers["accept-encoding"]).toBe("identity");
  });

  it.each(["close", "reset"] as const)("resumes with Range after a connection %s, without gap or duplicate", async (cut) => {
    const taken = new Consumption();
    // The cut comes once the client has read some bytes: resuming must not start from 0.
    const s = await server((req, res, n) =>
      serveObject(req, res, BODY, { etag: '"v1"', ...(n === 0 ? { cutAfter: 100_000, cut, cutWhen: taken.more() } : {}) }),
    );
    const h = harness([`${s.origin}/export.json.gz?${SECRET}`]);
    expect((await collect(taken.count(openDownload(h.options)))).equals(BODY)).toBe(true);
    expect(s.requests).toHaveLength(2);
    const range = /^bytes=(\d+)-$/.exec(s.requests[1]?.headers.range ?? "");
    expect(Number(range?.[1])).toBeGreaterThan(0);
    expect(Number(range?.[1])).toBeLessThanOrEqual(100_000);
    expect(s.requests[1]?.headers["if-range"]).toBe('"v1"');
    expect(h.sleeps).toHaveLength(1);
    expect(h.logs.join("\n")).not.toContain("deadbeef");
  });

  it("drops the already-received bytes when a server ignores Range and answers 200", async () => {
    const s = await server((req, res, n) =>
      serveObject(req, res, BODY, n === 0 ? { cutAfter: 120_000 } : { ignoreRange: true }),
    );
    const h = harness([`${s.origin}/f.gz`]);
    expect((await collect(openDownload(h.options))).equals(BODY)).toBe(true);
    expect(s.requests[1]?.headers.range).toMatch(/^bytes=\d+-$/);
  });

  it("retries a 503 and then succeeds", async () => {
    const s = await server((req, res, n) => {
      if (n === 0) res.writeHead(503).end("slow down");
      else serveObject(req, res, BODY);
    });
    const h = harness([`${s.origin}/f.gz`]);
    expect((await collect(openDownload(h.options))).equals(BODY)).toBe(true);
    expect(h.sleeps).toHaveLength(1);
  });

  it("waits for Retry-After on 429", async () => {
    const s = await server((req, res, n) => {
      if (n === 0) res.writeHead(429, { "retry-after": "7" }).end();
      else serveObject(req, res, BODY);
    });
    const h = harness([`${s.origin}/f.gz`]);
    expect((await collect(openDownload(h.options))).equals(BODY)).toBe(true);
    expect(h.sleeps).toEqual([7000]);
  });

  it("asks for a fresh URL when the signature expired, and continues from the same offset", async () => {
    const s = await server((req, res, n) => {
      if (req.url?.startsWith("/old")) {
        if (n === 0) serveObject(req, res, BODY, { etag: '"v1"', cutAfter: 50_000 });
        else expired(res);
      } else serveObject(req, res, BODY, { etag: '"v1"' });
    });
    const h = harness([`${s.origin}/old.gz?${SECRET}`, `${s.origin}/new.gz?X-Amz-Signature=feedface99999`]);
    expect((await collect(openDownload(h.options))).equals(BODY)).toBe(true);
    expect(h.resolved).toEqual(["initial", "expired"]);
    expect(s.requests.map((r) => r.url.slice(0, 4))).toEqual(["/old", "/old", "/new"]);
    expect(s.requests[2]?.headers.range).toBe(s.requests[1]?.headers.range);
    expect(h.logs.join("\n")).not.toMatch(/deadbeef|feedface/);
  });

  it("gives up with DOWNLOAD_FORBIDDEN when fresh URLs keep being refused", async () => {
    const s = await server((_req, res) => expired(res));
    const h = harness([`${s.origin}/f.gz?${SECRET}`], { maxUrlRefreshes: 2 });
    const err = await failure(openDownload(h.options));
    expect(err.code).toBe("DOWNLOAD_FORBIDDEN");
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("signed URL expired");
    expect(err.message).not.toContain("deadbeef");
    expect(h.resolved).toEqual(["initial", "expired", "expired"]);
  });

  it("fails with a retryable DOWNLOAD_FAILED once retries are exhausted, without the query string", async () => {
    const s = await server((_req, res) => res.writeHead(503).end());
    const h = harness([`${s.origin}/f.gz?${SECRET}`], { maxRetries: 2 });
    const err = await failure(openDownload(h.options));
    expect(err.code).toBe("DOWNLOAD_FAILED");
    expect(err.retryable).toBe(true);
    expect(err.failureType).toBe("transient_error");
    expect(err.status).toBe(503);
    expect(err.message).toContain(`${s.origin}/f.gz?***`);
    expect(err.message).not.toContain("deadbeef");
    expect(s.requests).toHaveLength(3);
    expect(h.sleeps).toHaveLength(2);
  });

  it("follows a redirect to another host without carrying credentials or the old query", async () => {
    const target = await server((req, res) => serveObject(req, res, BODY), "localhost");
    const targetUrl = `${target.origin}/real.gz?sig=abcdef123456`;
    const first = await server((_req, res) => res.writeHead(302, { location: targetUrl }).end());
    const withUserInfo = first.origin.replace("http://", "http://user:hunter22@");
    const h = harness([`${withUserInfo}/f.gz?${SECRET}`]);
    expect((await collect(openDownload(h.options))).equals(BODY)).toBe(true);
    expect(target.requests).toHaveLength(1);
    expect(target.requests[0]?.url).toBe("/real.gz?sig=abcdef123456");
    expect(first.requests[0]?.headers.authorization).toBeUndefined();
    // The redirect target's signature was learnt as a secret.
    expect(h.options.redactor.redact(`x ${targetUrl}`)).not.toContain("abcdef123456");
  });

  it("detects an object that changed between two parts (ETag)", async () => {
    const s = await server((req, res, n) =>
      serveObject(req, res, BODY, n === 0 ? { etag: '"v1"', cutAfter: 10_000 } : { etag: '"v2"' }),
    );
    const err = await failure(openDownload(harness([`${s.origin}/f.gz`]).options));
    expect(err.code).toBe("DOWNLOAD_CHANGED");
  });

  it("refuses a 206 that would leave a gap", async () => {
    const s = await server((req, res, n) => {
      if (n === 0) serveObject(req, res, BODY, { cutAfter: 10_000 });
      else {
        res.writeHead(206, { "content-range": `bytes 200000-299999/${BODY.length}`, "content-length": 100_000 });
        res.end(BODY.subarray(200_000));
      }
    });
    const err = await failure(openDownload(harness([`${s.origin}/f.gz`]).options));
    expect(err.code).toBe("DOWNLOAD_BAD_RESPONSE");
  });

  it("reports a missing file as DOWNLOAD_NOT_FOUND", async () => {
    const s = await server((_req, res) => res.writeHead(404).end());
    const err = await failure(openDownload(harness([`${s.origin}/f.gz?${SECRET}`]).options));
    expect(err.code).toBe("DOWNLOAD_NOT_FOUND");
    expect(err.message).not.toContain("deadbeef");
  });

  it("retries after a body timeout", async () => {
    const s = await server((req, res, n) => {
      if (n > 0) return serveObject(req, res, BODY);
      res.writeHead(200, { "content-length": BODY.length });
      res.write(BODY.subarray(0, 1000)); // then stall
    });
    const h = harness([`${s.origin}/f.gz`], { requestTimeoutMs: 300 });
    expect((await collect(openDownload(h.options))).equals(BODY)).toBe(true);
    expect(s.requests[1]?.headers.range).toBe("bytes=1000-");
  });

  it("starts at startOffset", async () => {
    const s = await server((req, res) => serveObject(req, res, BODY));
    const h = harness([`${s.origin}/f.gz`], { startOffset: 1234 });
    expect((await collect(openDownload(h.options))).equals(BODY.subarray(1234))).toBe(true);
    expect(s.requests[0]?.headers.range).toBe("bytes=1234-");
  });

  it("stops with the abort reason when the signal fires", async () => {
    const s = await server((req, res) => serveObject(req, res, BODY));
    const controller = new AbortController();
    const h = harness([`${s.origin}/f.gz`], { signal: controller.signal });
    const reason = new Error("stop now");
    const run = (async () => {
      for await (const _chunk of openDownload(h.options)) controller.abort(reason);
    })();
    await expect(run).rejects.toBe(reason);
  });
});
