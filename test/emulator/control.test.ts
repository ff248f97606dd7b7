// The control endpoint over real HTTP: the admin token, validation with clear errors, statuses by
// reason, and nothing of it in the request log, the rate limits or the fault plan.
import { networkInterfaces } from "node:os";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { isLoopback } from "../../src/emulator/server/control.js";
import type { AsanaObject } from "../../src/emulator/workspace.js";

type Json = Record<string, unknown>;

async function control(emu: Emulator, method: "GET" | "POST", path: string, body?: unknown, token: string | null = emu.adminToken): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await request(`${emu.controlUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
  return { status: res.statusCode, json: (await res.body.json()) as Json };
}

const message = (answer: { json: Json }): string => String((answer.json.errors as Json[] | undefined)?.[0]?.message);

describe("the control endpoint", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ seed: 31, tasks: 80, teams: 3, messages: 30, requestsPerMinute: 2 });
  });
  afterAll(async () => emu.close());

  it("applies a mutation and a round, lists deletions and shows objects", async () => {
    const task = [...emu.workspace.objects("task")].find((t) => (t.memberships as unknown[]).length > 0) as AsanaObject;
    const moved = await control(emu, "POST", "/mutations", { data: { kind: "move-section", task: task.gid } });
    expect(moved.status).toBe(200);
    expect(moved.json.data).toMatchObject({ kind: "move-section", target: { resource_type: "task", gid: task.gid }, moves_modified_at: false, changed: [{ gid: task.gid, fields: ["memberships"], modified_at_moved: false }] });
    const shown = await control(emu, "GET", `/objects/task/${task.gid}`);
    expect(shown.json.data).toEqual(emu.workspace.get("task", task.gid));
    expect((shown.json.data as Json).memberships).not.toEqual(task.memberships);
    const round = await control(emu, "POST", "/rounds", { data: { creates: 2, modifies: 3, silent: 3, deletes: 1, "delete-team": 1 } });
    expect(round.status).toBe(200);
    const summary = round.json.data as { created: string[]; deleted: string[]; kinds: Json };
    expect(summary.created).toHaveLength(2);
    expect(summary.kinds).toMatchObject({ "delete-team": 1 });
    const deleted = await control(emu, "GET", "/deleted");
    expect(deleted.json.data).toEqual([...emu.workspace.deleted("task"), ...emu.workspace.deleted("team"), ...emu.workspace.deleted("message")]);
    expect((deleted.json.data as Json[]).map((d) => d.gid).sort()).toEqual([...summary.deleted].sort());
    const teams = await control(emu, "GET", "/deleted?resource_type=team");
    expect((teams.json.data as Json[]).map((d) => d.resource_type)).toEqual(["team"]);
    // Control requests are outside the request log and the rate limit (2 a minute here).
    expect(emu.requests).toHaveLength(0);
  });

  it("is not disturbed by the fault plan", async () => {
    emu.faults.arm({ kind: "status", status: 503, target: "any", rate: 1 });
    try {
      const answer = await control(emu, "GET", "/deleted?resource_type=task");
      expect(answer.status).toBe(200);
    } finally {
      emu.faults.clear();
    }
  });

  it("needs the admin token, and says what is wrong with a request", async () => {
    const task = [...emu.workspace.objects("task")][0] as AsanaObject;
    expect(message(await control(emu, "GET", "/deleted", undefined, null))).toMatch(/needs the emulator's admin token/);
    expect((await control(emu, "GET", "/deleted", undefined, emu.token)).status).toBe(401);
    const cases: Array<[unknown, number, RegExp]> = [
      ["{nope", 400, /invalid JSON/],
      [{ kind: "rename", task: task.gid }, 400, /the body must be \{"data": <mutation>\}: invalid body: data: missing; unknown keys 'kind', 'task'/],
      [{ data: { kind: "rename" } }, 400, /rename needs exactly one target: task/],
      [{ data: { kind: "rename", task: "12x" } }, 400, /task: must be a gid/],
      [{ data: { kind: "dance", task: task.gid } }, 400, /kind: Invalid option/],
      [{ data: { kind: "rename", task: "999" } }, 404, /task: Unknown object: 999/],
      [{ data: { kind: "remove-tag", task: task.gid, tag: "999" } }, 409, /has no tag 999/],
    ];
    for (const [body, status, text] of cases) {
      const answer = await control(emu, "POST", "/mutations", body);
      expect([answer.status, message(answer)], JSON.stringify(body)).toEqual([status, expect.stringMatching(text)]);
    }
    const round = await control(emu, "POST", "/rounds", { data: { creates: -1 } });
    expect([round.status, message(round)]).toEqual([400, expect.stringMatching(/invalid mutation round: creates: /)]);
    const path = await control(emu, "GET", "/nowhere");
    expect([path.status, message(path)]).toEqual([404, expect.stringMatching(/No control route GET \/_emulator\/nowhere/)]);
    const type = await control(emu, "GET", "/objects/project/1");
    expect(type.status).toBe(400);
  });
});

describe("loopback only", () => {
  it("knows loopback peers", () => {
    expect(["127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"].map(isLoopback)).toEqual([true, true, true, true]);
    expect(["10.0.0.1", "192.168.1.2", "::ffff:10.1.1.1", "fe80::1", undefined].map(isLoopback)).toEqual([false, false, false, false, false]);
  });

  const external = Object.values(networkInterfaces()).flat().find((i) => i !== undefined && i.family === "IPv4" && !i.internal);
  it.runIf(external !== undefined)("refuses a peer on another interface with a 403", async () => {
    const emu = await startEmulator({ seed: 32, tasks: 5, teams: 1, messages: 1, host: "0.0.0.0" });
    try {
      const port = new URL(emu.baseUrl).port;
      const res = await request(`http://${external?.address ?? ""}:${port}/_emulator/deleted`, { headers: { authorization: `Bearer ${emu.adminToken}` } });
      expect(res.statusCode).toBe(403);
      expect(JSON.stringify(await res.body.json())).toContain("only on loopback");
    } finally {
      await emu.close();
    }
  });
});
