// Waiting on the emulator instead of sleeping: for a request's log entry, for every request to be
// logged, for an export file to be written, for a fault to fire; and the hold fault, which keeps
// requests unanswered until the test releases them.
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { parseEmulatorArgs } from "../../src/emulator/main.js";
import { parseFault } from "../../src/emulator/server/fault-plan.js";
import { api, finishJob, getJob, postExport, type JobJson } from "./helpers.js";

const small = { tasks: 20, teams: 2, messages: 4 } as const;
const isUsersMe = (r: { path: string }): boolean => r.path.endsWith("/users/me");

describe("waitForRequest", () => {
  it("resolves with an entry already logged, or with the count-th match from `since` once it is logged", async () => {
    const emu = await startEmulator(small);
    try {
      await api(emu, "GET", "/users/me");
      await emu.settled();
      expect(await emu.waitForRequest(isUsersMe)).toMatchObject({ method: "GET", status: 200, role: "api" });
      const from = emu.requests.length;
      const third = emu.waitForRequest(isUsersMe, { since: from, count: 3 });
      for (let i = 0; i < 3; i++) await api(emu, "GET", i === 1 ? "/workspaces" : "/users/me", i === 2 ? { token: "nope" } : {});
      await api(emu, "GET", "/users/me", { token: "nope" });
      // The third users/me from `from` on is the 401 of the third call, not the first one's 200.
      expect(await third).toMatchObject({ status: 401 });
    } finally {
      await emu.close();
    }
  });

  it("gives up after timeoutMs, and fails when the emulator closes, saying what it waited for", async () => {
    const emu = await startEmulator(small);
    await expect(emu.waitForRequest((r) => r.status === 418, { timeoutMs: 1 })).rejects.toThrow(/gave up after 1 ms while waiting for request #1 matching/);
    const pending = expect(emu.waitForRequest((r) => r.status === 418)).rejects.toThrow(/the emulator closed while waiting for request #1/);
    await emu.close();
    await pending;
  });
});

describe("hold faults and settled()", () => {
  it("hold keeps a request unanswered until release(); settled() waits for its log entry", async () => {
    const emu = await startEmulator({ ...small, faults: [{ kind: "hold", target: "users-me" }] });
    try {
      const held = api(emu, "GET", "/users/me");
      const fired = await emu.faults.waitForFired((f) => f.kind === "hold");
      expect(fired.on).toBe("users-me");
      let settled = false;
      const allLogged = emu.settled().then(() => (settled = true));
      // Other requests are answered meanwhile; the held one is neither answered nor logged.
      expect((await api(emu, "GET", "/workspaces")).status).toBe(200);
      await emu.waitForRequest((r) => r.path.endsWith("/workspaces"));
      expect(settled).toBe(false);
      expect(emu.requests.some(isUsersMe)).toBe(false);
      emu.faults.release();
      expect((await held).status).toBe(200);
      await allLogged;
      expect(emu.requests.filter(isUsersMe)).toEqual([expect.objectContaining({ status: 200 })]);
      expect(emu.faults.pending).toEqual([]);
    } finally {
      await emu.close();
    }
  });

  it("a held request whose client goes away is logged as dropped; close() never waits on a hold", async () => {
    const emu = await startEmulator({ ...small, faults: [{ kind: "hold", target: "any", times: 2 }] });
    const from = emu.faults.fired.length;
    const gone = new AbortController();
    const abandoned = request(`${emu.baseUrl}/users/me`, { headers: { authorization: `Bearer ${emu.token}` }, signal: gone.signal });
    const stuck = expect(api(emu, "GET", "/workspaces")).rejects.toThrow();
    await emu.faults.waitForFired(() => true, { since: from, count: 2 });
    gone.abort();
    await expect(abandoned).rejects.toThrow();
    expect(await emu.waitForRequest(isUsersMe)).toMatchObject({ status: 0 });
    await emu.close();
    await stuck;
  });

  it("is a fault like the others: validated, and armed from the CLI's --fault", () => {
    expect(parseFault({ kind: "hold", target: "download", skip: 1 })).toEqual({ kind: "hold", target: "download", skip: 1 });
    expect(() => parseFault({ kind: "hold" })).toThrow(/target/);
    expect(parseEmulatorArgs(["--fault", '{"kind":"hold","target":"get-job"}'])).toMatchObject({ faults: [{ kind: "hold", target: "get-job" }] });
  });
});

describe("waitForExportFile", () => {
  it("resolves once the job's file is written; the job then succeeds on its polls alone", async () => {
    const emu = await startEmulator({ ...small, jobPollsUntilDone: 1 });
    try {
      const job = ((await postExport(emu, [{ resource_type: "task" }])).json as { data: JobJson }).data;
      await emu.waitForExportFile(job.gid);
      expect((await getJob(emu, job.gid)).status).toBe("succeeded");
      expect((await finishJob(emu, job.gid)).status).toBe("succeeded");
      await expect(emu.waitForExportFile("12345")).rejects.toThrow(/no export job 12345/);
    } finally {
      await emu.close();
    }
  });
});
