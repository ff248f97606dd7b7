// Shared client helpers for the emulator tests: real HTTP over loopback with undici.
import { gunzipSync } from "node:zlib";
import { request } from "undici";
import { afterEach } from "vitest";
import { startEmulator, type Emulator, type EmulatorClock, type EmulatorOptions } from "../../src/emulator/index.js";

/** A starter of emulators for a test file, each closed after the test that started it. */
export function emulatorPerTest(defaults: EmulatorOptions): (options?: EmulatorOptions) => Promise<Emulator> {
  const open: Emulator[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((emu) => emu.close()));
  });
  return async (options = {}) => {
    const emu = await startEmulator({ ...defaults, ...options });
    open.push(emu);
    return emu;
  };
}

/** A response with its body read. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: unknown;
}

/** A job as the API shows it. */
export interface JobJson {
  gid: string;
  resource_type: string;
  resource_subtype: string;
  status: string;
  new_resource_export: {
    gid: string;
    resource_type: string;
    created_at: string;
    completed_at: string | null;
    download_url: string | null;
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.UTC(2025, 5, 1)): EmulatorClock & { advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms) };
}

function parse(body: Buffer, type: string | string[] | undefined): unknown {
  if (typeof type === "string" && type.includes("json") && body.length > 0) return JSON.parse(body.toString("utf8"));
  return undefined;
}

/** Call the API host. */
export async function api(
  emu: Emulator,
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  options: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? emu.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await request(`${emu.baseUrl}${path}`, body === undefined ? { method, headers } : { method, headers, body });
  const buffer = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body: buffer, json: parse(buffer, res.headers["content-type"]) };
}

/** GET any URL (storage). */
export async function fetchUrl(url: string, headers: Record<string, string> = {}, method: "GET" | "HEAD" = "GET"): Promise<Answer> {
  const res = await request(url, { method, headers });
  const buffer = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body: buffer, json: parse(buffer, res.headers["content-type"]) };
}

/** The first error message of an Asana error body. */
export function errorMessage(answer: Answer): string {
  const body = answer.json as { errors?: Array<{ message?: string }> } | undefined;
  return body?.errors?.[0]?.message ?? "";
}

/** An export parameter as sent. */
export type Parameter = { resource_type: string; fields?: unknown; filters?: unknown };

/** POST an export; returns the raw answer. */
export function postExport(emu: Emulator, parameters: unknown, token?: string, workspace: unknown = emu.workspaceGid): Promise<Answer> {
  return api(emu, "POST", "/exports/resource", {
    ...(token === undefined ? {} : { token }),
    body: { data: { workspace, export_request_parameters: parameters } },
  });
}

/** GET a job. */
export async function getJob(emu: Emulator, gid: string, token?: string): Promise<JobJson> {
  const answer = await api(emu, "GET", `/jobs/${gid}`, token === undefined ? {} : { token });
  if (answer.status !== 200) throw new Error(`GET /jobs/${gid} -> ${answer.status} ${answer.body.toString()}`);
  return (answer.json as { data: JobJson }).data;
}

/**
 * Poll a job until it is finished. Polls advance it; between them it waits for the job's file to be
 * written, which is the only other thing a job waits for at real time (a manual clock must be moved
 * by the test: then this gives up after `maxPolls`).
 */
export async function finishJob(emu: Emulator, gid: string, token?: string, maxPolls = 50): Promise<JobJson> {
  for (let i = 0; i < maxPolls; i++) {
    const job = await getJob(emu, gid, token);
    if (job.status === "succeeded" || job.status === "failed") return job;
    // A file that could not be written fails the job at its next poll.
    await emu.waitForExportFile(gid).catch(() => undefined);
  }
  throw new Error(`job ${gid} did not finish in ${maxPolls} polls`);
}

/** Start an export and wait for it; returns the finished job. */
export async function runExport(emu: Emulator, parameters: Parameter[], token?: string): Promise<JobJson> {
  const answer = await postExport(emu, parameters, token);
  if (answer.status !== 201) throw new Error(`POST /exports/resource -> ${answer.status} ${answer.body.toString()}`);
  return finishJob(emu, (answer.json as { data: JobJson }).data.gid, token);
}

/** Split gunzipped bytes into parsed JSON lines (an export that matched nothing is a 0-byte file, as Asana stores it). */
export function parseLines(gz: Buffer): Array<Record<string, unknown>> {
  if (gz.length === 0) return [];
  const text = gunzipSync(gz).toString("utf8");
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Run an export to the end and return the downloaded file's bytes. */
export async function exportBytes(emu: Emulator, parameters: Parameter[], token?: string): Promise<Buffer> {
  const job = await runExport(emu, parameters, token);
  const url = job.new_resource_export.download_url;
  if (job.status !== "succeeded" || url === null) throw new Error(`export ended ${job.status}`);
  const answer = await fetchUrl(url);
  if (answer.status !== 200) throw new Error(`download -> ${answer.status}`);
  return answer.body;
}

/** Run an export to the end and return its parsed lines. */
export async function exportLines(emu: Emulator, parameters: Parameter[], token?: string): Promise<Array<Record<string, unknown>>> {
  return parseLines(await exportBytes(emu, parameters, token));
}
