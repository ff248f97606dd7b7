// An export job the bench prepares once from a plan (the request our CLI would make), and what its
// file weighs as downloaded: gzip bytes, JSON bytes, lines.
import { once } from "node:events";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import type { Emulator } from "../../src/emulator/index.js";
import { LineSplitter } from "../../src/export-file/lines.js";
import type { ExportPlan } from "../../src/sync/plan.js";

/** One prepared export job, measured as downloaded. */
export interface PreparedExport {
  jobGid: string;
  fingerprint: string;
  /** `resource_type: fields, filters` of each parameter, for the report. */
  parameters: string[];
  compressedBytes: number;
  uncompressedBytes: number;
  lines: number;
}

interface JobView {
  gid: string;
  status: string;
  new_resource_export?: { download_url?: string | null } | null;
}

/** Start a job of a plan's parameters, wait until its file is written, and measure its download. */
export async function prepareExport(emulator: Emulator, plan: ExportPlan): Promise<PreparedExport> {
  const job = await runJob(emulator, plan);
  const parameters = plan.parameters.map((p) => {
    const fields = p.fields === undefined ? "default fields" : p.fields.length > 6 ? `${p.fields.length} fields` : p.fields.join(", ");
    const filters = p.filters === undefined ? "unfiltered" : Object.entries(p.filters).map(([k, v]) => `${k} ${String(v)}`).join(", ");
    return `${p.resource_type}: ${fields}, ${filters}`;
  });
  return { jobGid: job.gid, fingerprint: plan.fingerprint, parameters, ...(await measureDownload(job.url)) };
}

/** Start a job of a plan's parameters, wait for its file, and return its download URL. */
export async function runJob(emulator: Emulator, plan: ExportPlan): Promise<{ gid: string; url: string }> {
  const headers = { authorization: `Bearer ${emulator.token}`, "content-type": "application/json" };
  const call = async (method: string, path: string, body?: unknown): Promise<JobView> => {
    const response = await fetch(`${emulator.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const json = (await response.json()) as { data?: JobView; errors?: unknown };
    if (!response.ok || json.data === undefined) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(json.errors)}`);
    return json.data;
  };
  const created = await call("POST", "/exports/resource", { data: { workspace: emulator.workspaceGid, export_request_parameters: plan.parameters } });
  await emulator.waitForExportFile(created.gid, { timeoutMs: 3_600_000 });
  const job = await call("GET", `/jobs/${created.gid}`);
  const url = job.new_resource_export?.download_url;
  if (job.status !== "succeeded" || !url) throw new Error(`export job ${job.gid} is ${job.status} once its file is written, without a download URL`);
  return { gid: created.gid, url };
}

/** Bytes as downloaded (gzip), decompressed, and lines of an export file, streamed (nothing kept). */
async function measureDownload(url: string): Promise<{ compressedBytes: number; uncompressedBytes: number; lines: number }> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) throw new Error(`downloading an export answered ${response.status}`);
  let compressedBytes = 0;
  const input = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  input.on("data", (chunk: Buffer) => {
    compressedBytes += chunk.length;
  });
  const gunzip = input.pipe(createGunzip({ chunkSize: 256 * 1024 }));
  const lines = new LineSplitter();
  gunzip.on("data", (chunk: Buffer) => lines.push(chunk, () => undefined));
  await once(gunzip, "end");
  lines.end(() => undefined);
  return { compressedBytes, uncompressedBytes: lines.bytes, lines: lines.lineCount - lines.blankLines };
}
