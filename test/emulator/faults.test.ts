// Injected faults, armed at start or between calls: 5xx, 429 bursts, latency, connection resets,
// URL expiry, and corrupt export files (truncated gzip, malformed / unknown / huge / invalid lines).
import { get } from "node:http";
import { gunzipSync } from "node:zlib";
import { describe, it, expect } from "vitest";
import { api, emulatorPerTest, errorMessage, exportBytes, fetchUrl, finishJob, getJob, postExport, runExport, type JobJson } from "./helpers.js";

const emulator = emulatorPerTest({ tasks: 40, teams: 3, messages: 12, jobPollsUntilDone: 1 });

/** GET with node:http, counting body bytes until the end or until the connection drops. */
function countBytes(url: string): Promise<{ status: number; length: number; received: number; dropped: boolean }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let received = 0;
      res.on("data", (chunk: Buffer) => (received += chunk.length));
      const finish = (dropped: boolean): void =>
        resolve({ status: res.statusCode ?? 0, length: Number(res.headers["content-length"]), received, dropped });
      res.on("end", () => finish(false));
      res.on("aborted", () => finish(true));
      res.on("error", () => finish(true));
    }).on("error", reject);
  });
}

const rawLines = (gz: Buffer): Buffer[] => {
  const bytes = gunzipSync(gz);
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return lines;
};

describe("HTTP faults", () => {
  it("500 with a five-word phrase on the next N POSTs, then normal", async () => {
    const emu = await emulator({ faults: [{ kind: "status", status: 500, target: "create-export", times: 2 }] });
    for (let i = 0; i < 2; i++) {
      const answer = await postExport(emu, [{ resource_type: "team" }]);
      expect(answer.status).toBe(500);
      const error = (answer.json as { errors: Array<{ message: string; phrase?: string }> }).errors[0];
      expect(error?.message).toBe("Server Error");
      expect(error?.phrase).toMatch(/^\d+ [a-z]+ [a-z]+ [a-z]+ [a-z]+$/);
    }
    expect((await postExport(emu, [{ resource_type: "team" }])).status).toBe(201);
    await emu.settled();
    expect(emu.requests.filter((r) => r.fault === "status")).toHaveLength(2);
  });

  it("502 on poll number 2 and 503 on poll number 4, armed at runtime", async () => {
    const emu = await emulator({ jobPollsUntilDone: 10 });
    const gid = ((await postExport(emu, [{ resource_type: "team" }])).json as { data: JobJson }).data.gid;
    emu.faults.arm({ kind: "status", status: 502, target: "get-job", skip: 1 }, { kind: "status", status: 503, target: "get-job", skip: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await api(emu, "GET", `/jobs/${gid}`)).status);
    expect(statuses).toEqual([200, 502, 200, 503, 200]);
    expect(emu.faults.pending).toEqual([]);
    expect(emu.faults.fired.map((f) => [f.kind, f.on])).toEqual([["status", "get-job"], ["status", "get-job"]]);
  });

  it("a seeded error rate hits the same requests for the same seed", async () => {
    const plan = [{ kind: "status", status: 503, target: "api", rate: 0.3 }] as const;
    const run = async (): Promise<number[]> => {
      const emu = await emulator({ seed: 5, faults: plan });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await api(emu, "GET", "/users/me")).status);
      return statuses;
    };
    const first = await run();
    expect(first).toEqual(await run());
    expect(first.filter((s) => s === 503).length).toBeGreaterThan(3);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(15);
  });

  it("a 429 burst with Retry-After", async () => {
    const emu = await emulator({ faults: [{ kind: "rate-limit", target: "users-me", times: 3, retryAfterSeconds: 7 }] });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await api(emu, "GET", "/users/me"));
    expect(answers.map((a) => a.status)).toEqual([429, 429, 429, 200]);
    expect(answers[0]?.headers["retry-after"]).toBe("7");
    expect(errorMessage(answers[0] as (typeof answers)[0])).toMatch(/too many requests/);
  });

  it("resets an API connection without an answer", async () => {
    const emu = await emulator({ faults: [{ kind: "reset", target: "users-me" }] });
    await expect(api(emu, "GET", "/users/me")).rejects.toThrow();
    expect((await api(emu, "GET", "/users/me")).status).toBe(200);
    await emu.settled();
    expect(emu.requests[0]).toMatchObject({ status: 0, fault: "reset" });
  });

  it("drops a download after N bytes on attempt k; a Range request resumes", async () => {
    const emu = await emulator({ tasks: 200 });
    const job = await runExport(emu, [{ resource_type: "task" }]);
    const url = job.new_resource_export.download_url ?? "";
    emu.faults.arm({ kind: "reset", target: "download", afterBytes: 1000, skip: 1 });
    const whole = (await fetchUrl(url)).body;
    const cut = await countBytes(url);
    expect(cut).toMatchObject({ status: 200, length: whole.length, received: 1000, dropped: true });
    const rest = await fetchUrl(url, { range: "bytes=1000-" });
    expect(rest.status).toBe(206);
    expect(Buffer.concat([whole.subarray(0, 1000), rest.body]).equals(whole)).toBe(true);
  });

  it("expires the URL on download attempt k; a new GET of the job gives one that works", async () => {
    const emu = await emulator();
    const job = await runExport(emu, [{ resource_type: "team" }]);
    const url = job.new_resource_export.download_url ?? "";
    emu.faults.arm({ kind: "expire-url", skip: 1 });
    expect((await fetchUrl(url)).status).toBe(200);
    const expired = await fetchUrl(url);
    expect(expired.status).toBe(403);
    expect(expired.body.toString()).toContain("Request has expired");
    expect((await fetchUrl(url)).status).toBe(403);
    const fresh = (await getJob(emu, job.gid)).new_resource_export.download_url ?? "";
    expect((await fetchUrl(fresh)).status).toBe(200);
  });

  it("5xx on storage answer S3-style XML", async () => {
    const emu = await emulator();
    const job = await runExport(emu, [{ resource_type: "team" }]);
    emu.faults.arm({ kind: "status", status: 500, target: "download" }, { kind: "status", status: 503, target: "download" });
    const first = await fetchUrl(job.new_resource_export.download_url ?? "");
    expect(first.status).toBe(500);
    expect(first.body.toString()).toContain("<Code>InternalError</Code>");
    const second = await fetchUrl(job.new_resource_export.download_url ?? "");
    expect(second.status).toBe(503);
    expect(second.body.toString()).toContain("<Code>SlowDown</Code>");
  });

  it("refuses an invalid fault", async () => {
    const emu = await emulator();
    expect(() => emu.faults.arm({ kind: "status", status: 418, target: "api" } as never)).toThrow(TypeError);
    expect(() => emu.faults.arm({ kind: "file-malformed-line", line: 0 })).toThrow(/line/);
    emu.faults.arm({ kind: "job-slow", ms: 5 });
    emu.faults.clear();
    expect(emu.faults.pending).toEqual([]);
  });
});

describe("file faults", () => {
  const all = [{ resource_type: "task" }, { resource_type: "team" }, { resource_type: "message" }];
  const objectCount = 40 + 3 + 12;

  it("a truncated gzip file", async () => {
    const emu = await emulator({ faults: [{ kind: "file-truncated", keepFraction: 0.6 }] });
    const gz = await exportBytes(emu, all);
    expect(() => gunzipSync(gz)).toThrow();
    const clean = await exportBytes(emu, all);
    expect(gunzipSync(clean).length).toBeGreaterThan(0);
    expect(gz.length).toBeLessThan(clean.length);
  });

  it("a malformed JSON line at line k", async () => {
    const emu = await emulator({ faults: [{ kind: "file-malformed-line", line: 3 }] });
    const lines = rawLines(await exportBytes(emu, all));
    expect(lines).toHaveLength(objectCount + 1);
    expect(() => JSON.parse(lines[2]?.toString() ?? "")).toThrow();
    for (const [i, line] of lines.entries()) if (i !== 2) JSON.parse(line.toString());
  });

  it("a line with an unknown resource_type", async () => {
    const emu = await emulator({ faults: [{ kind: "file-unknown-type", line: 2, resourceType: "portfolio" }] });
    const lines = rawLines(await exportBytes(emu, all)).map((l) => JSON.parse(l.toString()) as Record<string, unknown>);
    expect(lines).toHaveLength(objectCount + 1);
    expect(lines[1]).toMatchObject({ resource_type: "portfolio" });
    expect(lines.filter((l) => !["task", "team", "message"].includes(String(l.resource_type)))).toHaveLength(1);
  });

  it("an object missing modified_at", async () => {
    const emu = await emulator({ faults: [{ kind: "file-missing-modified-at", line: 1 }] });
    const lines = rawLines(await exportBytes(emu, all)).map((l) => JSON.parse(l.toString()) as Record<string, unknown>);
    const missing = lines.filter((l) => l.resource_type !== "team" && !("modified_at" in l));
    expect(missing).toHaveLength(1);
    expect(lines.findIndex((l) => l.resource_type !== "team")).toBe(lines.indexOf(missing[0] as Record<string, unknown>));
  });

  it("a 10 MB line: a task with huge notes", async () => {
    const emu = await emulator({ faults: [{ kind: "file-huge-line", line: 5 }] });
    const lines = rawLines(await exportBytes(emu, all));
    const huge = lines.filter((l) => l.length > 10 * 1024 * 1024);
    expect(huge).toHaveLength(1);
    const task = JSON.parse(huge[0]?.toString() ?? "") as Record<string, unknown>;
    expect(task.resource_type).toBe("task");
    expect(String(task.notes).length).toBe(10 * 1024 * 1024);
    expect(lines).toHaveLength(objectCount);
  });

  it("invalid UTF-8 bytes in a line", async () => {
    const emu = await emulator({ faults: [{ kind: "file-invalid-utf8", line: 4 }] });
    const lines = rawLines(await exportBytes(emu, all));
    const strict = new TextDecoder("utf-8", { fatal: true });
    const invalid = lines.filter((line) => {
      try {
        strict.decode(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(invalid).toHaveLength(1);
    expect(lines.indexOf(invalid[0] as Buffer)).toBe(3);
  });

  it("file faults apply to the next export only", async () => {
    const emu = await emulator();
    emu.faults.arm({ kind: "file-unknown-type", line: 1 });
    const posted = await postExport(emu, [{ resource_type: "team" }]);
    await finishJob(emu, (posted.json as { data: JobJson }).data.gid);
    const lines = rawLines(await exportBytes(emu, [{ resource_type: "team" }]));
    expect(lines).toHaveLength(3);
  });
});
