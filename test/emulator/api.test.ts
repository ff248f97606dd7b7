// The API host over loopback: check endpoints, auth errors, export request validation and refusals.
import { afterAll, beforeAll, describe, it, expect } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { api, errorMessage, finishJob, postExport, type JobJson } from "./helpers.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ seed: 7, tasks: 40, teams: 3, messages: 10 });
});
afterAll(async () => {
  await emu.close();
});

describe("check endpoints", () => {
  it("GET /users/me answers the service account with its workspaces", async () => {
    const answer = await api(emu, "GET", "/users/me");
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toContain("application/json");
    const user = (answer.json as { data: Record<string, unknown> }).data;
    expect(user).toMatchObject({ resource_type: "user", name: "Export Service Account" });
    expect(user.gid).toMatch(/^\d+$/);
    expect(user.workspaces).toEqual([{ gid: emu.workspaceGid, resource_type: "workspace", name: emu.workspace.name }]);
  });

  it("GET /workspaces/{gid} answers name and is_organization; unknown 404, not a member 403", async () => {
    const ok = await api(emu, "GET", `/workspaces/${emu.workspaceGid}`);
    expect(ok.status).toBe(200);
    expect((ok.json as { data: unknown }).data).toMatchObject({ gid: emu.workspaceGid, resource_type: "workspace", name: emu.workspace.name, is_organization: true });
    const list = await api(emu, "GET", "/workspaces");
    expect((list.json as { data: unknown[] }).data).toHaveLength(1);
    expect((await api(emu, "GET", "/workspaces/999")).status).toBe(404);
    expect((await api(emu, "GET", `/workspaces/${emu.unpaidWorkspaceGid}`)).status).toBe(403);
    expect((await api(emu, "GET", "/workspaces/acme")).status).toBe(400);
  });

  it("opt_pretty indents the JSON", async () => {
    const answer = await api(emu, "GET", "/users/me?opt_pretty");
    expect(answer.body.toString()).toContain('\n  "data"');
  });
});

describe("authentication and routing", () => {
  it("401 Not Authorized without a token or with an unknown one", async () => {
    for (const token of [null, "2/123/456:nope"]) {
      const answer = await api(emu, "GET", "/users/me", { token });
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({ errors: [{ message: "Not Authorized" }] });
      expect(errorMessage(answer)).toBe("Not Authorized");
    }
    const post = await api(emu, "POST", "/exports/resource", { token: null, body: {} });
    expect(post.status).toBe(401);
  });

  it("404 for unknown paths and methods, with Asana's error envelope", async () => {
    for (const [method, path] of [["GET", "/projects"], ["DELETE", "/jobs/1"], ["GET", "/exports/resource"]] as const) {
      const answer = await api(emu, method, path);
      expect(answer.status).toBe(404);
      expect(errorMessage(answer)).toBe("No matching route for request");
      expect((answer.json as { errors: Array<{ help?: string; phrase?: string }> }).errors[0]?.help).toContain("developers.asana.com");
      expect((answer.json as { errors: Array<{ phrase?: string }> }).errors[0]?.phrase).toBeUndefined();
    }
  });
});

describe("POST /exports/resource validation (400)", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["no body", undefined, /^workspace: Missing input$/],
    ["no data envelope", { workspace: "1" }, /^workspace: Missing input$/],
    ["missing workspace", { data: { export_request_parameters: [{ resource_type: "task" }] } }, /^workspace: Missing input$/],
    ["non-gid workspace", { data: { workspace: "acme", export_request_parameters: [{ resource_type: "task" }] } }, /^workspace: Not a valid gid/],
    ["absent parameters", { data: { workspace: "W" } }, /^export_request_parameters: Missing input$/],
    ["empty parameters", { data: { workspace: "W", export_request_parameters: [] } }, /^export_request_parameters: Must contain/],
    ["parameters not an array", { data: { workspace: "W", export_request_parameters: { resource_type: "task" } } }, /^export_request_parameters: Must be an array/],
    ["unknown data key", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task" }], limit: 5 } }, /^limit: Unknown property/],
    ["missing resource_type", { data: { workspace: "W", export_request_parameters: [{}] } }, /^export_request_parameters\[0\]\.resource_type: Missing input$/],
    ["bad resource_type", { data: { workspace: "W", export_request_parameters: [{ resource_type: "project" }] } }, /resource_type: Unsupported resource type "project"/],
    ["unknown parameter key", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", filter: {} }] } }, /\[0\]\.filter: Unknown property/],
    ["unknown filter", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", filters: { "name.any": ["1"] } }] } }, /filters\.name\.any: Unknown filter/],
    ["filters on teams", { data: { workspace: "W", export_request_parameters: [{ resource_type: "team", filters: { "created_at.after": "2024-01-01T00:00:00Z" } }] } }, /Filtering is not supported for resource type team/],
    ["assignee.any on messages", { data: { workspace: "W", export_request_parameters: [{ resource_type: "message", filters: { "assignee.any": ["1"] } }] } }, /assignee\.any only applies to resource type task/],
    ["assigned_by.any on messages", { data: { workspace: "W", export_request_parameters: [{ resource_type: "message", filters: { "assigned_by.any": ["1"] } }] } }, /assigned_by\.any only applies/],
    ["bad date", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", filters: { "modified_at.after": "last week" } }] } }, /modified_at\.after: Not a valid ISO 8601 date-time/],
    ["date-only", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", filters: { "created_at.before": "2024-01-01" } }] } }, /created_at\.before: Not a valid/],
    ["impossible date", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", filters: { "created_at.before": "2024-02-30T00:00:00Z" } }] } }, /Not a valid/],
    ["date not a string", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", filters: { "created_at.before": 1704067200 } }] } }, /Must be a date-time string/],
    [".any not an array", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", filters: { "followers.any": "123" } }] } }, /followers\.any: Must be an array/],
    [".any with a non-gid", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", filters: { "created_by.any": [123] } }] } }, /Not a valid user gid/],
    ["filters not an object", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", filters: ["x"] }] } }, /filters: Must be an object/],
    ["fields not an array", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", fields: "name" }] } }, /fields: Must be an array/],
    ["unknown field", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", fields: ["name", "colour"] }] } }, /fields\[1\]: Unknown field "colour" for resource type task/],
    ["unknown dotted field head", { data: { workspace: "W", export_request_parameters: [{ resource_type: "team", fields: ["owner.name"] }] } }, /Unknown field "owner"/],
    ["bad field path", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", fields: ["assignee..name"] }] } }, /Not a valid field path/],
    ["message field on a task", { data: { workspace: "W", export_request_parameters: [{ resource_type: "task", fields: ["title"] }] } }, /Unknown field "title"/],
  ];

  for (const [name, body, message] of cases) {
    it(name, async () => {
      const text = JSON.stringify(body ?? null).replaceAll('"W"', JSON.stringify(emu.workspaceGid));
      const answer = await api(emu, "POST", "/exports/resource", body === undefined ? {} : { rawBody: text });
      expect(answer.status, answer.body.toString()).toBe(400);
      expect(errorMessage(answer)).toMatch(message);
    });
  }

  it("invalid JSON", async () => {
    const answer = await api(emu, "POST", "/exports/resource", { rawBody: "{nope" });
    expect(answer.status).toBe(400);
    expect(errorMessage(answer)).toMatch(/invalid JSON/);
  });

  it("accepts both date forms", async () => {
    for (const date of ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000Z"]) {
      const answer = await postExport(emu, [{ resource_type: "task", filters: { "created_at.after": date } }]);
      expect(answer.status, answer.body.toString()).toBe(201);
      await finishJob(emu, (answer.json as { data: JobJson }).data.gid);
    }
  });
});

describe("POST /exports/resource refusals", () => {
  it("404 for an unknown workspace, 403 for one the token is not in", async () => {
    const unknown = await postExport(emu, [{ resource_type: "task" }], undefined, "424242");
    expect(unknown.status).toBe(404);
    expect(errorMessage(unknown)).toMatch(/workspace: Unknown object: 424242/);
    const foreign = await postExport(emu, [{ resource_type: "task" }], undefined, emu.unpaidWorkspaceGid);
    expect(foreign.status).toBe(403);
  });

  it("403 for a token that is not a service account", async () => {
    const answer = await postExport(emu, [{ resource_type: "task" }], emu.tokens.regularUser);
    expect(answer.status).toBe(403);
    expect(errorMessage(answer)).toMatch(/Only service accounts/);
    expect((await api(emu, "GET", "/users/me", { token: emu.tokens.regularUser })).status).toBe(200);
  });

  it("402 for a workspace whose plan lacks exports", async () => {
    const answer = await postExport(emu, [{ resource_type: "task" }], emu.tokens.unpaidServiceAccount, emu.unpaidWorkspaceGid);
    expect(answer.status).toBe(402);
    expect(errorMessage(answer)).toMatch(/Enterprise\+/);
  });

  it("201 with a job whose export gid differs; 403 for a second export while it runs", async () => {
    const first = await postExport(emu, [{ resource_type: "task" }, { resource_type: "team" }]);
    expect(first.status).toBe(201);
    const job = (first.json as { data: JobJson }).data;
    expect(job).toMatchObject({ resource_type: "job", resource_subtype: "export_request", status: "not_started" });
    expect(job.new_resource_export).toMatchObject({ resource_type: "export_request", completed_at: null, download_url: null });
    expect(job.new_resource_export.gid).not.toBe(job.gid);
    expect(Number.isNaN(Date.parse(job.new_resource_export.created_at))).toBe(false);

    const second = await postExport(emu, [{ resource_type: "message" }]);
    expect(second.status).toBe(403);
    expect(errorMessage(second)).toMatch(/already in progress/);
    const other = await postExport(emu, [{ resource_type: "message" }], emu.tokens.otherServiceAccount);
    expect(other.status).toBe(403);

    expect((await finishJob(emu, job.gid)).status).toBe("succeeded");
    const third = await postExport(emu, [{ resource_type: "message" }]);
    expect(third.status).toBe(201);
    await finishJob(emu, (third.json as { data: JobJson }).data.gid);
  });
});
