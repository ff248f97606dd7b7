// The emulator's faults that spoil an answer the endpoint gave (a lost reply after the job was
// created, an answer padded past reason, a trickling body, a redirect, a 403 in another wording),
// the job faults that bend what a poll shows, files that are not gzip or hold nothing, and the
// Asana-Change mode.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { api, emulatorPerTest, errorMessage, fetchUrl, finishJob, getJob, postExport, runExport, type JobJson } from "./helpers.js";

const emulator = emulatorPerTest({ tasks: 30, teams: 2, messages: 5, jobPollsUntilDone: 1 });

const TLS = {
  cert: readFileSync(fileURLToPath(new URL("../fixtures/tls/loopback.crt", import.meta.url)), "utf8"),
  key: readFileSync(fileURLToPath(new URL("../fixtures/tls/loopback.key", import.meta.url)), "utf8"),
};

/** The raw bytes a POST gets back before its connection ends (none when the reply is lost). */
function rawPost(emu: Emulator, body: string): Promise<string> {
  const url = new URL(`${emu.baseUrl}/exports/resource`);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${emu.token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
    let received = "";
    socket.on("data", (b: Buffer) => (received += b.toString()));
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
  });
}

describe("answers spoiled after the endpoint acted", () => {
  it("lost-reply: the POST creates its job, then the connection drops without a byte; the slot is taken", async () => {
    const emu = await emulator({ faults: [{ kind: "lost-reply", target: "create-export" }] });
    const got = await rawPost(emu, JSON.stringify({ data: { workspace: emu.workspaceGid, export_request_parameters: [{ resource_type: "team" }] } }));
    expect(got).toBe("");
    // The job exists: a second export meets the one-export-per-workspace 403.
    const second = await postExport(emu, [{ resource_type: "team" }]);
    expect(second.status).toBe(403);
    expect(errorMessage(second)).toMatch(/already in progress/);
    await emu.settled();
    expect(emu.requests.map((q) => [q.method, q.status, q.fault ?? ""])).toEqual([
      ["POST", 0, "lost-reply"],
      ["POST", 403, ""],
    ]);
  });

  it("huge-answer: a poll's answer padded to the given size, still valid JSON with its length announced", async () => {
    const emu = await emulator();
    const gid = ((await postExport(emu, [{ resource_type: "team" }])).json as { data: JobJson }).data.gid;
    emu.faults.arm({ kind: "huge-answer", target: "get-job", bytes: 3_000_000 });
    const answer = await api(emu, "GET", `/jobs/${gid}`);
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(3_000_000);
    expect(Number(answer.headers["content-length"])).toBe(3_000_000);
    expect((answer.json as { data: JobJson }).data.gid).toBe(gid);
    expect(() => emu.faults.arm({ kind: "huge-answer", target: "download", bytes: 10 })).toThrow(/target an API endpoint/);
  });

  it("trickle: the download's first bytes at full speed, then a byte at a time until the client leaves", async () => {
    const emu = await emulator();
    const job = await runExport(emu, [{ resource_type: "task" }]);
    emu.faults.arm({ kind: "trickle", target: "download", afterBytes: 1000, everyMs: 20 });
    const res = await request(job.new_resource_export.download_url ?? "", { method: "GET" });
    let received = 0;
    const sizes: number[] = [];
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      received += chunk.length;
      sizes.push(chunk.length);
      if (received >= 1005) break;
    }
    res.body.destroy();
    expect(sizes.slice(-5)).toEqual([1, 1, 1, 1, 1]);
    await emu.settled();
    expect(emu.requests.at(-1)?.fault).toBe("trickle");
  });

  it("forbidden: a 403 in the given wording, on the API and on storage", async () => {
    const emu = await emulator({ faults: [{ kind: "forbidden", target: "create-export", message: "Export limit reached" }] });
    const answer = await postExport(emu, [{ resource_type: "team" }]);
    expect(answer.status).toBe(403);
    expect(errorMessage(answer)).toBe("Export limit reached");
    expect((await postExport(emu, [{ resource_type: "team" }])).status).toBe(201);
  });
});

describe("what a poll shows", () => {
  it("job-status: an undocumented status on the first polls, then the real one", async () => {
    const emu = await emulator({ faults: [{ kind: "job-status", status: "queued", polls: 2 }] });
    const gid = ((await postExport(emu, [{ resource_type: "team" }])).json as { data: JobJson }).data.gid;
    await emu.waitForExportFile(gid);
    expect((await getJob(emu, gid)).status).toBe("queued");
    expect((await getJob(emu, gid)).status).toBe("queued");
    expect((await getJob(emu, gid)).status).toBe("succeeded");
  });

  it("job-no-url: succeeded with a null download_url on the first polls after succeeding", async () => {
    const emu = await emulator({ faults: [{ kind: "job-no-url", polls: 2 }] });
    const gid = ((await postExport(emu, [{ resource_type: "team" }])).json as { data: JobJson }).data.gid;
    const first = await finishJob(emu, gid);
    expect([first.status, first.new_resource_export.download_url]).toEqual(["succeeded", null]);
    expect((await getJob(emu, gid)).new_resource_export.download_url).toBeNull();
    expect((await getJob(emu, gid)).new_resource_export.download_url).toMatch(/^http/);
  });
});

describe("export files", () => {
  it("an export that matched nothing is a 0-byte object (or an empty gzip stream, when asked)", async () => {
    const nothing = [{ resource_type: "task", filters: { "created_at.after": "2099-01-01T00:00:00Z" } }];
    const emu = await emulator();
    const job = await runExport(emu, nothing);
    const file = await fetchUrl(job.new_resource_export.download_url ?? "");
    expect([file.status, file.body.length, file.headers["content-length"]]).toEqual([200, 0, "0"]);
    const gzipped = await emulator({ emptyExportFile: "gzip" });
    const other = await fetchUrl((await runExport(gzipped, nothing)).new_resource_export.download_url ?? "");
    expect([...other.body.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
  });

  it("file-not-gzip: the JSON Lines stored uncompressed", async () => {
    const emu = await emulator({ faults: [{ kind: "file-not-gzip" }] });
    const job = await runExport(emu, [{ resource_type: "team" }]);
    const file = await fetchUrl(job.new_resource_export.download_url ?? "");
    const lines = file.body.toString("utf8").trim().split("\n").map((l) => JSON.parse(l) as { resource_type: string });
    expect(lines.map((l) => l.resource_type)).toEqual(["team", "team"]);
  });
});

describe("modes", () => {
  it("Asana-Change headers on every API answer, repeated once per value", async () => {
    const values = ["name=new_goal_memberships;info=https://forum.asana.com/t/1;affected=true", "name=other_change;info=https://forum.asana.com/t/2"];
    const emu = await emulator({ asanaChange: values });
    const res = await request(`${emu.baseUrl}/users/me`, { headers: { authorization: `Bearer ${emu.token}` } });
    await res.body.dump();
    expect(res.headers["asana-change"]).toEqual(values);
  });

  it("maxFieldDepth: a fields path of more segments is refused with a 400 naming it; one within the depth is taken", async () => {
    const emu = await emulator({ maxFieldDepth: 1 });
    const deep = await postExport(emu, [{ resource_type: "task", fields: ["name", "assignee.name"] }]);
    expect(deep.status).toBe(400);
    expect(errorMessage(deep)).toMatch(/fields\[1\]: Field "assignee\.name" is nested too deeply for an export; name fields at most 1 level deep/);
    const flat = await postExport(emu, [{ resource_type: "task", fields: ["name", "assignee"] }]);
    expect(flat.status, flat.body.toString()).toBe(201);
  });

  it("tls: both hosts serve https with the given certificate, and a storage redirect can downgrade to http", async () => {
    const emu = await emulator({ tls: TLS, faults: [{ kind: "redirect", target: "download" }] });
    expect(emu.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api\/1\.0$/);
    expect(emu.storageUrl).toMatch(/^https:/);
    const dispatcher = new Agent({ connect: { ca: TLS.cert } });
    try {
      const post = await request(`${emu.baseUrl}/exports/resource`, {
        method: "POST",
        dispatcher,
        headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
        body: JSON.stringify({ data: { workspace: emu.workspaceGid, export_request_parameters: [{ resource_type: "team" }] } }),
      });
      const gid = ((await post.body.json()) as { data: JobJson }).data.gid;
      await emu.waitForExportFile(gid);
      const poll = await request(`${emu.baseUrl}/jobs/${gid}`, { dispatcher, headers: { authorization: `Bearer ${emu.token}` } });
      const url = ((await poll.body.json()) as { data: JobJson }).data.new_resource_export.download_url ?? "";
      expect(url).toMatch(/^https:/);
      const redirected = await request(url, { dispatcher });
      await redirected.body.dump();
      expect(redirected.statusCode).toBe(302);
      expect(redirected.headers.location).toBe(url.replace(/^https:/, "http:"));
    } finally {
      await dispatcher.close();
    }
  });
});
