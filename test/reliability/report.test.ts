// Faults a sync must report: a clear error saying what to do, a non-zero exit, the previous state
// kept. Both `read` and `sync`; see failure-matrix.ts for what every case asserts.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { selectedStreams } from "../../src/cli/selection.js";
import type { Emulator } from "../../src/emulator/index.js";
import { STREAMS, parseConfiguredCatalog } from "../../src/streams/index.js";
import { planSync } from "../../src/sync/plan.js";
import { EMPTY_STATE } from "../../src/sync/state.js";
import { fullCatalog, scratch } from "../helpers/airbyte.js";
import { PENDING_FILE, expectTruth } from "./expect.js";
import { failureMatrix, type FailureCase, type FailureContext } from "./failure-matrix.js";
import { exportPosts, lastStates, run, type RunInput, type Side } from "./harness.js";

/**
 * A state recording an export job started 5 minutes ago that is still running (for an hour more):
 * the same job a run of this side would start, so the run resumes it.
 */
async function staleJobState({ side, em }: { side: Side; em: Emulator }): Promise<Partial<RunInput>> {
  const choices =
    side === "read"
      ? parseConfiguredCatalog(fullCatalog()).map((c) => ({ stream: c.stream, incremental: c.syncMode === "incremental", selectedFields: c.selectedFields }))
      : STREAMS.map((stream) => ({ stream, incremental: true, selectedFields: undefined }));
  const streams = selectedStreams(choices);
  const plan = planSync(streams, EMPTY_STATE, { workspace: em.workspaceGid, startDate: undefined, lookbackSeconds: 0, filters: {} }).single;
  em.faults.arm({ kind: "job-slow", ms: 3_600_000 });
  const res = await fetch(`${em.baseUrl}/exports/resource`, {
    method: "POST",
    headers: { authorization: `Bearer ${em.token}`, "content-type": "application/json" },
    body: JSON.stringify({ data: { workspace: em.workspaceGid, export_request_parameters: plan.parameters } }),
  });
  const job = ((await res.json()) as { data: { gid: string } }).data;
  const pending = { job_gid: job.gid, workspace: em.workspaceGid, fingerprint: plan.fingerprint, started_at: new Date(Date.now() - 5 * 60_000).toISOString() };
  const blobs = Object.fromEntries(plan.streams.map((name) => [name, { version: 1, pending_export: pending }]));
  if (side === "read") {
    return { state: Object.entries(blobs).map(([name, blob]) => ({ type: "STREAM", stream: { stream_descriptor: { name }, stream_state: blob } })) };
  }
  const out = join(scratch(), "out");
  mkdirSync(out);
  writeFileSync(join(out, "_state.json"), JSON.stringify({ bookmarks: blobs }));
  return { out };
}

/** The job of the failed run is recorded for the rerun: read's last states, sync's side file. */
function jobRecorded(c: FailureContext): void {
  if (c.side === "read") expect(JSON.stringify(lastStates(c.o))).toContain("pending_export");
  else expect(existsSync(join(c.o.out ?? "", PENDING_FILE))).toBe(true);
}

/** Run again with what the failed run left (read: its last states); resolves with the outcome. */
function rerun(c: FailureContext) {
  return run(c.side, c.em, { ...c.input, ...(c.side === "read" ? { state: lastStates(c.o) } : {}) });
}

/** The job was kept, and the rerun resumes it (no POST) and delivers every record, saying so. */
async function rerunResumesTheJob(c: FailureContext): Promise<void> {
  jobRecorded(c);
  const posts = exportPosts(c.em.requests).length;
  const again = await rerun(c);
  expectTruth(again, c.em);
  expect(exportPosts(c.em.requests).length).toBe(posts);
  expect(again.logs.some((l) => /Resuming export job \d+/.test(l))).toBe(true);
}

const UNCONFIRMED = [
  /^Starting the export got no usable answer \(last: .*\): Asana may have started it anyway\. A POST is not repeated blindly/,
  /Run the sync again: if the export did start, the next run finds the slot busy and waits for it \(up to 30 minutes\) before starting its own; if it did not, the next run starts it at once\.$/,
];

const REPORT_CASES: FailureCase[] = [
  {
    name: "HTTP 502 on the POST: not sent again (Asana may have started the export); the next run starts it",
    faults: [{ kind: "status", status: 502, target: "create-export" }],
    expected: { code: "EXPORT_START_UNCONFIRMED", failureType: "transient_error", message: [/\(last: HTTP 502 \(Bad Gateway\)\)/, ...UNCONFIRMED] },
    check: async (c) => {
      expect(exportPosts(c.requests)).toEqual([502]);
      // The 502 was an answer before any job existed: the rerun meets a free slot.
      const from = c.em.requests.length;
      const again = await rerun(c);
      expectTruth(again, c.em);
      expect(exportPosts(c.em.requests.slice(from))).toEqual([201]);
    },
  },
  {
    name: "a POST whose reply is lost after Asana created the job: the run ends at once; the next run waits for that export's slot, then exports",
    // The orphan job runs an hour (emulator clock), like a real export.
    faults: [{ kind: "lost-reply", target: "create-export" }, { kind: "job-slow", ms: 3_600_000 }],
    expected: { code: "EXPORT_START_UNCONFIRMED", failureType: "transient_error", message: [/\(last: network error (ECONNRESET|UND_ERR_SOCKET)\)/, ...UNCONFIRMED] },
    check: async (c) => {
      expect(c.requests.filter((q) => q.method === "POST").map((q) => [q.status, q.fault ?? ""])).toEqual([[0, "lost-reply"]]);
      const from = c.em.requests.length;
      // The orphan finishes once the rerun has been refused by it (and said so) twice.
      const released = c.em.waitForRequest((q) => q.method === "POST" && q.status === 403, { since: from, count: 2 }).then(() => c.advance(3_600_000));
      const again = await rerun(c);
      await released;
      expectTruth(again, c.em);
      const posts = exportPosts(c.em.requests.slice(from));
      expect(posts.at(-1)).toBe(201);
      expect(posts.slice(0, -1).every((s) => s === 403)).toBe(true);
      expect(again.logs.filter((l) => /one an earlier run started whose answer was lost/.test(l)).length).toBe(posts.length - 1);
    },
  },
  {
    name: "a 403 on the POST that says permission, though its wording has 'limit': a config error at once, no wait",
    faults: [{ kind: "forbidden", target: "create-export", message: "You do not have permission to export: this organization's export limit allows admins only" }],
    expected: {
      code: "ASANA_FORBIDDEN",
      failureType: "config_error",
      message: [/^Starting the export \(POST \/exports\/resource\) was forbidden \(403\)\. Asana said: "You do not have permission to export/, /The token must belong to a service account/],
    },
    check: ({ requests }) => expect(exportPosts(requests)).toEqual([403]),
  },
  {
    name: "a job that reports succeeded without a download_url in every answer: EXPORT_URL_MISSING, the job kept; the rerun resumes it",
    faults: [{ kind: "job-no-url", polls: 6 }],
    expected: {
      code: "EXPORT_URL_MISSING",
      failureType: "system_error",
      message: [/^Export job \d+ reports succeeded but gave no download_url and created_at in 5 answers in a row\./, /The state keeps the job: the next run asks Asana for its file again instead of starting another export\.$/],
    },
    check: rerunResumesTheJob,
  },
  {
    name: "an API answer far over the size cap (64 MiB on a poll): refused after 4 MiB; the rerun resumes the job",
    faults: [{ kind: "huge-answer", target: "get-job", bytes: 64 * 1024 * 1024 }],
    expected: {
      code: "ASANA_ANSWER_TOO_LARGE",
      failureType: "system_error",
      message: [/^Polling export job \d+: Asana's answer was larger than 4 MiB, far beyond any answer of this API, so it was not read\./, /The next run asks again \(an export job in the state is kept\)\.$/],
    },
    check: rerunResumesTheJob,
  },
  {
    name: "the export job failed",
    faults: [{ kind: "job-failed" }],
    expected: {
      code: "EXPORT_JOB_FAILED",
      failureType: "transient_error",
      message: [/^Asana reported export job \d+ as failed \(it gives no reason\)\./, /Run the sync again; it starts a new export\.$/],
    },
  },
  {
    name: "the job still runs after export_timeout_minutes",
    prepare: staleJobState,
    config: { export_timeout_minutes: 1 },
    expected: {
      code: "EXPORT_TIMEOUT",
      failureType: "transient_error",
      message: [/^Export job \d+ was still running after 1 minute \(config\.export_timeout_minutes\)\./, /run the sync again later to pick it up once it has finished, or raise config\.export_timeout_minutes/],
    },
    check: async ({ side, em, o, advance, input }) => {
      expect(exportPosts(em.requests).filter((s) => s === 201).length).toBeGreaterThan(0);
      // The job finishes; the next run picks it up instead of starting another export.
      advance(3_600_000);
      const posts = exportPosts(em.requests).length;
      const again = await run(side, em, input);
      expectTruth(again, em);
      expect(exportPosts(em.requests).length).toBe(posts);
      expect(again.logs.some((l) => /Resuming export job \d+/.test(l))).toBe(true);
      expect(o.logs.some((l) => /Resuming export job \d+/.test(l))).toBe(true);
    },
  },
  {
    name: "retries exhausted on the polls (max_retries 1)",
    config: { max_retries: 1 },
    faults: [{ kind: "status", status: 503, target: "get-job", times: 2 }],
    expected: {
      code: "ASANA_RETRIES_EXHAUSTED",
      failureType: "transient_error",
      message: [
        /^Polling export job \d+ failed after 2 attempts \(last: HTTP 503 \(Service Unavailable\)\)\./,
        /run the sync again later, or raise config\.max_retries\. The state keeps job \d+: the next run polls it again instead of starting another export\.$/,
      ],
    },
  },
  {
    name: "retries exhausted on the download (max_retries 1)",
    config: { max_retries: 1 },
    faults: [{ kind: "reset", target: "download", afterBytes: 0, times: 2 }],
    expected: {
      code: "DOWNLOAD_FAILED",
      failureType: "transient_error",
      message: [
        /^Downloading the export file from http:\/\/127\.0\.0\.1:\d+\/exports\/\d+\/\d+\.jsonl\.gz\?\*\*\* failed 2 times in a row/,
        /run the sync again later\. The state keeps the export job: the next run resumes it and downloads its file again from the start\.$/,
      ],
    },
  },
  {
    name: "401: the token is refused",
    concurrent: true,
    config: { service_account_token: "0/1234567890:not-a-real-token" },
    expected: {
      code: "ASANA_UNAUTHORIZED",
      failureType: "config_error",
      message: [/^The service account token was refused \(401 Not Authorized\)\./, /Set config\.service_account_token \(or ASANA_SERVICE_ACCOUNT_TOKEN\) to a valid token of an Asana service account\. No export was started; the next run starts it\.$/],
    },
    check: ({ o }) => expect(o.stdout + o.stderr).not.toContain("not-a-real-token"),
  },
  {
    name: "402: the workspace's plan lacks exports",
    concurrent: true,
    prepare: async ({ em }) => ({ config: { service_account_token: em.tokens.unpaidServiceAccount, workspace: em.unpaidWorkspaceGid } }),
    expected: {
      code: "ASANA_PLAN_LACKS_EXPORTS",
      failureType: "config_error",
      message: [/^The workspace's plan does not include resource exports \(402 Payment Required\)\./, /Resource exports need Asana Enterprise\+ or the Compliance Management add-on\. No export was started; the next run starts it\.$/],
    },
  },
  {
    name: "403: the token is not a service account",
    concurrent: true,
    prepare: async ({ em }) => ({ config: { service_account_token: em.tokens.regularUser } }),
    expected: {
      code: "ASANA_FORBIDDEN",
      failureType: "config_error",
      message: [/^Starting the export \(POST \/exports\/resource\) was forbidden \(403\)\. Asana said: "Only service accounts may create resource exports/, /The token must belong to a service account of an Enterprise\+ organisation with access to config\.workspace\. No export was started; the next run starts it\.$/],
    },
  },
  {
    name: "403: the service account cannot see the workspace",
    concurrent: true,
    prepare: async ({ em }) => ({ config: { service_account_token: em.tokens.unpaidServiceAccount } }),
    expected: {
      code: "ASANA_FORBIDDEN",
      failureType: "config_error",
      message: [/was forbidden \(403\)\. Asana said: "You do not have access to workspace \d+/, /with access to config\.workspace\. No export was started; the next run starts it\.$/],
    },
  },
];

failureMatrix("reports", 71, REPORT_CASES);
