// `source-asana-export emulator mutate` against a running emulator: both built processes spawned as a
// user runs them, talking real HTTP on loopback; the change then shows in an export.
import { type ChildProcess, spawn } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMutateArgs } from "../../src/emulator/mutate-cli.js";
import { SOURCE_BIN } from "../helpers/cli.js";
import { until } from "../helpers/until.js";

type Json = Record<string, unknown>;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SOURCE_BIN, ...args], { env: { ...process.env, ASANA_EMULATOR_ADMIN_TOKEN: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

let server: ChildProcess;
let printed = "";
let port = "";
let token = "";
let adminToken = "";
let workspace = "";

beforeAll(async () => {
  server = spawn(process.execPath, [SOURCE_BIN, "emulator", "--port", "0", "--seed", "4", "--tasks", "120", "--teams", "3", "--messages", "20", "--job-seconds", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  server.stdout?.on("data", (b: Buffer) => (printed += b.toString()));
  await until("the emulator to serve", () => printed.includes("Serving until Ctrl-C."));
  port = /base URL:\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(printed)?.[1] ?? "";
  token = /token:\s+(\S+)\s+\(service account\)/.exec(printed)?.[1] ?? "";
  adminToken = /admin token:\s+(\S+)/.exec(printed)?.[1] ?? "";
  workspace = /workspace:\s+(\d+)/.exec(printed)?.[1] ?? "";
});

afterAll(async () => {
  const closed = new Promise((resolve) => server.on("close", resolve));
  server.kill("SIGTERM");
  await closed;
  expect(printed).toContain("Emulator stopped.");
});

const api = `http://127.0.0.1`;

async function json(method: "GET" | "POST", url: string, auth: string, body?: unknown): Promise<Json> {
  const res = await request(url, { method, headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return (await res.body.json()) as Json;
}

/** A full task export from the running emulator, as lines. */
async function exportTasks(): Promise<Json[]> {
  const base = `${api}:${port}/api/1.0`;
  const created = (await json("POST", `${base}/exports/resource`, token, { data: { workspace, export_request_parameters: [{ resource_type: "task" }] } })).data as Json;
  let job = created;
  // Each poll awaits the answer; the deadline is a safety net, not a measurement.
  const deadline = Date.now() + 60_000;
  while (job.status !== "succeeded") {
    if (job.status === "failed" || Date.now() > deadline) throw new Error(`export job ${String(created.gid)} ended ${String(job.status)}`);
    job = (await json("GET", `${base}/jobs/${String(created.gid)}`, token)).data as Json;
  }
  const url = String((job.new_resource_export as Json).download_url);
  const file = await request(url);
  return gunzipSync(Buffer.from(await file.body.arrayBuffer())).toString("utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Json);
}

describe("emulator mutate", () => {
  it("prints the admin token and how to mutate at start", () => {
    expect(adminToken).toMatch(/^emu-admin-[0-9a-f]{32}$/);
    expect(printed).toContain(`source-asana-export emulator mutate --port ${port} --round creates=5,modifies=20,silent=10,deletes=2`);
  });

  it("applies one mutation by kind and target, prints what changed, and the export shows it", async () => {
    const before = await exportTasks();
    const task = before.find((t) => (t.memberships as unknown[]).length > 0) as Json;
    const r = await run(["emulator", "mutate", "--port", port, "--token", adminToken, "--kind", "move-section", "--task", String(task.gid)]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as Json;
    expect(result).toMatchObject({ kind: "move-section", target: { resource_type: "task", gid: task.gid }, moves_modified_at: false });
    expect(result.changed).toEqual([{ resource_type: "task", gid: task.gid, fields: ["memberships"], modified_at_moved: false, modified_at: task.modified_at }]);
    const after = (await exportTasks()).find((t) => t.gid === task.gid) as Json;
    expect(after.memberships).not.toEqual(task.memberships);
    expect(after.modified_at).toBe(task.modified_at);
  });

  it("runs a seeded round with the token from the environment", async () => {
    const r = await run(["emulator", "mutate", "--port", port, "--round", "creates=3,modifies=4,silent=4,deletes=2"], { ASANA_EMULATOR_ADMIN_TOKEN: adminToken });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { created: string[]; modified: string[]; deleted: string[]; kinds: Record<string, number> };
    expect(summary.created).toHaveLength(3);
    expect(summary.modified.length).toBeGreaterThanOrEqual(1);
    expect(summary.deleted.length).toBeGreaterThanOrEqual(2);
    const gids = new Set((await exportTasks()).map((t) => String(t.gid)));
    for (const g of summary.deleted) expect(gids.has(g)).toBe(false);
    for (const g of summary.created) {
      const isTask = (await json("GET", `${api}:${port}/_emulator/objects/task/${g}`, adminToken)).data !== undefined;
      expect(gids.has(g)).toBe(isTask);
    }
  });

  it("fails with a clear message and a non-zero exit", async () => {
    const noToken = await run(["emulator", "mutate", "--port", port, "--kind", "rename", "--task", "1"]);
    expect([noToken.code, noToken.stderr]).toEqual([1, expect.stringContaining("needs the admin token the emulator printed at start: --token T or env ASANA_EMULATOR_ADMIN_TOKEN")]);
    const badKind = await run(["emulator", "mutate", "--port", port, "--token", adminToken, "--kind", "dance", "--task", "1"]);
    expect([badKind.code, badKind.stderr]).toEqual([1, expect.stringMatching(/--kind: invalid mutation: kind: Invalid option: expected one of "create-task"\|/)]);
    const unknown = await run(["emulator", "mutate", "--port", port, "--token", adminToken, "--kind", "rename", "--task", "4242"]);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining("the emulator refused it (404): task: Unknown object: 4242")]);
    const wrongToken = await run(["emulator", "mutate", "--port", port, "--token", "nope", "--round", "creates=1"]);
    expect([wrongToken.code, wrongToken.stderr]).toEqual([1, expect.stringContaining("refused it (401)")]);
    const badRound = await run(["emulator", "mutate", "--port", port, "--token", adminToken, "--round", "creates=2,jumps=3"]);
    expect([badRound.code, badRound.stderr]).toEqual([1, expect.stringContaining("unknown key 'jumps'")]);
    const nobody = await run(["emulator", "mutate", "--port", "1", "--token", adminToken, "--round", "creates=1"]);
    expect([nobody.code, nobody.stderr]).toEqual([1, expect.stringContaining("could not reach the emulator at http://127.0.0.1:1")]);
    // A user's mistake, reported as such (not as a bug of ours).
    for (const r of [noToken, badKind, unknown, wrongToken, badRound, nobody]) expect(r.stderr).not.toContain("bug");
    const flag = await run(["emulator", "mutate", "--colour"]);
    expect([flag.code, flag.stderr]).toEqual([1, expect.stringContaining("Unknown option '--colour' (see source-asana-export emulator mutate --help)")]);
  });

  it("--help lists every kind with its modified_at rule", async () => {
    const r = await run(["emulator", "mutate", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("move-section --task GID [--section GID]");
    expect(r.stdout).toMatch(/move-section[^\n]*\n[^\n]*task: keeps modified_at/);
    expect(r.stdout).toMatch(/comment --task\|--message GID\n[^\n]*task: moves modified_at, message: keeps modified_at/);
    const main = await run(["emulator", "--help"]);
    expect(main.stdout).toContain("source-asana-export emulator mutate");
  });
});

describe("parseMutateArgs", () => {
  it("builds the request, assignee none as null", () => {
    expect(parseMutateArgs(["--port", "4011", "--token", "t", "--kind", "assign", "--task", "12", "--assignee", "none"], {})).toEqual({
      url: "http://127.0.0.1:4011/_emulator/mutations",
      token: "t",
      body: { data: { kind: "assign", task: "12", assignee: null } },
    });
    expect(() => parseMutateArgs(["--token", "t", "--kind", "rename", "--round", "creates=1"], {})).toThrow(/either --kind K .* or --round SPEC/);
    expect(() => parseMutateArgs(["--token", "t", "--round", "creates=1", "--task", "3"], {})).toThrow(/--round takes no --task/);
    expect(() => parseMutateArgs(["--token", "t", "--round", "creates"], {})).toThrow(/name=count pairs/);
    expect(() => parseMutateArgs(["--token", "t", "--kind", "rename", "--task", "3", "--tag", "4"], {})).toThrow(/rename takes no choice/);
  });
});
