import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { ExportRecord } from "../../src/core/record.js";
import { decodeExport } from "../../src/export-file/decode.js";
import { openDownload } from "../../src/export-file/download.js";
import { collect, failure, harness, SECRET, server, useStorageServers } from "./download-harness.js";
import { Consumption, serveObject } from "./storage-server.js";

const BODY = randomBytes(200_000);

useStorageServers();

describe("openDownload, more refusals", () => {
  it("treats any 403 from storage as a stale URL and asks for a fresh one", async () => {
    const s = await server((req, res, n) => (n === 0 ? res.writeHead(403).end("Forbidden") : serveObject(req, res, BODY)));
    const h = harness([`${s.origin}/a.gz?${SECRET}`, `${s.origin}/b.gz?sig=0123456789abc`]);
    expect((await collect(openDownload(h.options))).equals(BODY)).toBe(true);
    expect(h.resolved).toEqual(["initial", "expired"]);
  });

  it("treats a 400 that says the token expired (GCS) the same way", async () => {
    const s = await server((req, res, n) =>
      n === 0 ? res.writeHead(400).end("<Error><Code>ExpiredToken</Code></Error>") : serveObject(req, res, BODY),
    );
    const h = harness([`${s.origin}/a.gz`, `${s.origin}/b.gz`]);
    expect((await collect(openDownload(h.options))).equals(BODY)).toBe(true);
    expect(h.resolved).toEqual(["initial", "expired"]);
  });

  it("fails at once on another 4xx, without retrying", async () => {
    const s = await server((_req, res) => res.writeHead(400).end("bad request"));
    const h = harness([`${s.origin}/a.gz?${SECRET}`]);
    const err = await failure(openDownload(h.options));
    expect(err).toMatchObject({ code: "DOWNLOAD_FAILED", retryable: false, status: 400 });
    expect(s.requests).toHaveLength(1);
  });

  it("stops a redirect loop", async () => {
    const s = await server((req, res) => res.writeHead(302, { location: `${req.url ?? "/"}x` }).end());
    const err = await failure(openDownload(harness([`${s.origin}/a?${SECRET}`]).options));
    expect(err.code).toBe("DOWNLOAD_BAD_RESPONSE");
    expect(err.message).not.toContain("deadbeef");
  });

  it("refuses a plain-http download URL to a host that is not loopback, before any request", async () => {
    const err = await failure(openDownload(harness([`http://storage.example.com/a.gz?${SECRET}`]).options));
    expect(err).toMatchObject({ code: "DOWNLOAD_BAD_RESPONSE", failureType: "system_error" });
    expect(err.message).toMatch(/^The export download URL http:\/\/storage\.example\.com\/a\.gz\?\*\*\* uses plain http to a host that is not loopback: refused/);
  });

  it("cuts an attempt that brings less than the minimum rate over a window of waiting, and resumes it by Range", async () => {
    // A byte every 30 ms after the first 1000: about 33 bytes/s, far under 1 KiB/s.
    const s = await server((req, res, n) => {
      if (n > 0) return serveObject(req, res, BODY);
      res.writeHead(200, { "content-length": BODY.length, etag: '"e1"' });
      res.write(BODY.subarray(0, 1000));
      let at = 1000;
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(BODY.subarray(at, ++at))), 30);
      res.once("close", () => clearInterval(timer));
    });
    // The waiting is measured on the clock: a real one here (its sleeps are skipped).
    const h = harness([`${s.origin}/a.gz?${SECRET}`], { requestTimeoutMs: 500, clock: { now: () => Date.now(), sleep: () => Promise.resolve() } });
    expect((await collect(openDownload(h.options))).equals(BODY)).toBe(true);
    expect(s.requests[1]?.headers.range).toMatch(/^bytes=10\d\d-$/);
    expect(h.logs.some((l) => /ERR_SLOW_ANSWER: \d+ bytes in \d\.\d s, under the minimum of 1024 bytes\/s/.test(l))).toBe(true);
  });

  it("passes through an error of resolveUrl (the Asana side)", async () => {
    const h = harness([]);
    h.options.resolveUrl = () => Promise.reject(new Error("job failed"));
    await expect(collect(openDownload(h.options))).rejects.toThrow("job failed");
  });

  it("retries a refused connection, then gives up with DOWNLOAD_FAILED", async () => {
    const s = await server(() => undefined);
    const url = `${s.origin}/a.gz?${SECRET}`;
    await s.close();
    const h = harness([url], { maxRetries: 1 });
    const err = await failure(openDownload(h.options));
    expect(err).toMatchObject({ code: "DOWNLOAD_FAILED", retryable: true });
    expect(err.message).toContain("ECONNREFUSED");
    expect(h.sleeps).toHaveLength(1);
  });

  it("ends cleanly when resuming exactly at the end of the object (416)", async () => {
    const s = await server((req, res) => serveObject(req, res, BODY));
    const h = harness([`${s.origin}/a.gz`], { startOffset: BODY.length });
    expect((await collect(openDownload(h.options))).length).toBe(0);
  });
});

describe("openDownload into decodeExport", () => {
  it("decodes every object once although the connection breaks several times", async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `{"gid":"${i + 1}","resource_type":"task","n":"é ${i}"}`).join("\n");
    const gz = gzipSync(Buffer.from(text));
    const taken = new Consumption();
    // Each break comes after the client has read some of that answer, so it resumes mid-file.
    const s = await server((req, res, n) =>
      serveObject(req, res, gz, { etag: '"e"', ...(n < 3 ? { cutAfter: 20_000 + n * 1000, cut: "reset" as const, cutWhen: taken.more() } : {}) }),
    );
    const h = harness([`${s.origin}/export.json.gz?${SECRET}`]);
    const decode = decodeExport(taken.count(openDownload(h.options)));
    const lines: ExportRecord[] = [];
    for await (const batch of decode) lines.push(...batch);
    expect(lines).toHaveLength(20_000);
    expect(lines.every((l, i) => l.gid === String(i + 1))).toBe(true);
    expect(new Set(lines.map((l) => l.gid)).size).toBe(20_000);
    expect(decode.stats.compressedBytes).toBe(gz.length);
    expect(s.requests.length).toBe(4);
  });
});
