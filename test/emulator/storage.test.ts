// The object-storage host: presigned URLs (signature, expiry, fresh URL from a new GET of the job),
// Authorization refused and recorded, Range / HEAD / ETag / conditional requests.
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, it, expect } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { fetchUrl, getJob, manualClock, runExport } from "./helpers.js";

const clock = manualClock();
let emu: Emulator;
let url: string;
let jobGid: string;
let whole: Buffer;

beforeAll(async () => {
  emu = await startEmulator({ seed: 3, tasks: 120, teams: 3, messages: 30, clock, jobPollsUntilDone: 1, downloadUrlTtlSeconds: 60 });
  const job = await runExport(emu, [{ resource_type: "task" }, { resource_type: "message" }]);
  jobGid = job.gid;
  url = job.new_resource_export.download_url ?? "";
  whole = (await fetchUrl(url)).body;
});
// Tests move the clock past the TTL and revoke URLs: each starts with a URL fresh from the job.
beforeEach(async () => {
  url = (await getJob(emu, jobGid)).new_resource_export.download_url ?? "";
});
afterAll(async () => {
  await emu.close();
});

const s3Code = (body: Buffer): string => /<Code>([^<]*)<\/Code>/.exec(body.toString())?.[1] ?? "";

describe("download", () => {
  it("serves the gzip file with length, ETag and Accept-Ranges", async () => {
    const answer = await fetchUrl(url);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-length"]).toBe(String(whole.length));
    expect(answer.headers["accept-ranges"]).toBe("bytes");
    expect(answer.headers["content-type"]).toBe("application/gzip");
    expect(answer.headers["content-encoding"]).toBeUndefined();
    expect(answer.headers.etag).toBe(`"${createHash("md5").update(whole).digest("hex")}"`);
    expect(gunzipSync(whole).length).toBeGreaterThan(whole.length);
    const head = await fetchUrl(url, {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(whole.length));
    expect(head.body.length).toBe(0);
  });

  it("honours Range a-b, a- and suffix with 206 and Content-Range; 416 past the end", async () => {
    const size = whole.length;
    const ab = await fetchUrl(url, { range: "bytes=10-99" });
    expect(ab.status).toBe(206);
    expect(ab.headers["content-range"]).toBe(`bytes 10-99/${size}`);
    expect(ab.body.equals(whole.subarray(10, 100))).toBe(true);
    const open = await fetchUrl(url, { range: "bytes=100-" });
    expect(open.status).toBe(206);
    expect(open.body.equals(whole.subarray(100))).toBe(true);
    const suffix = await fetchUrl(url, { range: "bytes=-50" });
    expect(suffix.status).toBe(206);
    expect(suffix.headers["content-range"]).toBe(`bytes ${size - 50}-${size - 1}/${size}`);
    expect(suffix.body.equals(whole.subarray(size - 50))).toBe(true);
    const past = await fetchUrl(url, { range: `bytes=${size}-` });
    expect(past.status).toBe(416);
    expect(past.headers["content-range"]).toBe(`bytes */${size}`);
    expect(s3Code(past.body)).toBe("InvalidRange");
    const resumed = Buffer.concat([(await fetchUrl(url, { range: "bytes=0-999" })).body, (await fetchUrl(url, { range: "bytes=1000-" })).body]);
    expect(resumed.equals(whole)).toBe(true);
  });

  it("conditional requests: If-Match mismatch 412, If-Range mismatch gives the whole file", async () => {
    expect((await fetchUrl(url, { "if-match": '"nope"' })).status).toBe(412);
    const etag = String((await fetchUrl(url, {}, "HEAD")).headers.etag);
    expect((await fetchUrl(url, { "if-match": etag, range: "bytes=0-9" })).status).toBe(206);
    const stale = await fetchUrl(url, { "if-range": '"old"', range: "bytes=0-9" });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(whole.length);
  });

  it("refuses a request carrying Authorization (400, S3 XML) and records it", async () => {
    const before = emu.downloadsWithAuthorization;
    const from = emu.requests.length;
    const answer = await fetchUrl(url, { authorization: `Bearer ${emu.token}` });
    expect(answer.status).toBe(400);
    expect(s3Code(answer.body)).toBe("InvalidArgument");
    expect(emu.downloadsWithAuthorization).toBe(before + 1);
    const record = await emu.waitForRequest(() => true, { since: from });
    expect(record).toMatchObject({ role: "storage", status: 400, authorization: true, method: "GET" });
    expect(record?.path).not.toContain("X-Amz");
  });

  it("403 for a bad or missing signature, 405 for other methods", async () => {
    const tampered = new URL(url);
    tampered.searchParams.set("X-Amz-Signature", "0".repeat(64));
    const bad = await fetchUrl(tampered.toString());
    expect(bad.status).toBe(403);
    expect(s3Code(bad.body)).toBe("SignatureDoesNotMatch");
    const bare = await fetchUrl(url.split("?")[0] ?? "");
    expect(bare.status).toBe(403);
    expect(s3Code(bare.body)).toBe("AccessDenied");
    const post = await request(url, { method: "POST" });
    await post.body.dump();
    expect(post.statusCode).toBe(405);
  });

  it("expires after the TTL; a new GET of the job gives a fresh URL that works", async () => {
    const job = await getJob(emu, jobGid);
    const fresh = job.new_resource_export.download_url ?? "";
    expect((await fetchUrl(fresh, { range: "bytes=0-0" })).status).toBe(206);
    clock.advance(61_000);
    const expired = await fetchUrl(fresh);
    expect(expired.status).toBe(403);
    expect(s3Code(expired.body)).toBe("AccessDenied");
    expect(expired.body.toString()).toContain("Request has expired");
    const renewed = (await getJob(emu, jobGid)).new_resource_export.download_url ?? "";
    expect(renewed).not.toBe(fresh);
    const again = await fetchUrl(renewed);
    expect(again.status).toBe(200);
    expect(again.body.equals(whole)).toBe(true);
  });

  it("expireDownloadUrls() expires every URL handed out so far, not later ones", async () => {
    const handed = (await getJob(emu, jobGid)).new_resource_export.download_url ?? "";
    emu.expireDownloadUrls();
    expect((await fetchUrl(handed)).status).toBe(403);
    const later = (await getJob(emu, jobGid)).new_resource_export.download_url ?? "";
    expect((await fetchUrl(later)).status).toBe(200);
  });
});

describe("download URL TTL 0", () => {
  it("hands out URLs that are already expired", async () => {
    const instant = await startEmulator({ tasks: 5, teams: 1, messages: 1, jobPollsUntilDone: 1, downloadUrlTtlSeconds: 0 });
    try {
      const job = await runExport(instant, [{ resource_type: "team" }]);
      const answer = await fetchUrl(job.new_resource_export.download_url ?? "");
      expect(answer.status).toBe(403);
      expect(answer.body.toString()).toContain("Request has expired");
    } finally {
      await instant.close();
    }
  });
});
