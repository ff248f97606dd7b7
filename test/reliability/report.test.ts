// Faults a sync must report: a clear error saying what to do, a non-zero exit, the previous state
// kept. Both `read` and `sync`; see failure-matrix.ts for what every case asserts.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { selectedStreams } from "../../src/cli/selection.js";
import type { Emulator } from "../../src/emulator/index.js";
import { STREAMS, parseConfiguredCatalog } from "../../src/streams/index.js";
import { planSync } from "../../src/sync/plan.js";
import { EMPTY_STATE } from "../../src/sync/state.js";
import { fullCatalog, scratch } from "../helpers/airbyte.js";
import { expectTruth } from "./expect.js";
import { failureMatrix, type FailureCase } from "./failure-matrix.js";
import { exportPosts, run, type RunInput, type Side } from "./harness.js";

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

const REPORT_CASES: FailureCase[] = [
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
      message: [/^Polling export job \d+ failed after 2 attempts \(last: HTTP 503 \(Service Unavailable\)\)\./, /run the sync again later, or raise config\.max_retries\.$/],
    },
  },
  {
    name: "retries exhausted on the download (max_retries 1)",
    config: { max_retries: 1 },
    faults: [{ kind: "reset", target: "download", afterBytes: 0, times: 2 }],
    expected: {
      code: "DOWNLOAD_FAILED",
      failureType: "transient_error",
      message: [/^Downloading the export file from http:\/\/127\.0\.0\.1:\d+\/exports\/\d+\/\d+\.jsonl\.gz\?\*\*\* failed 2 times in a row/, /run the sync again later/],
    },
  },
  {
    name: "401: the token is refused",
    concurrent: true,
    config: { service_account_token: "0/1234567890:not-a-real-token" },
    expected: {
      code: "ASANA_UNAUTHORIZED",
      failureType: "config_error",
      message: [/^The service account token was refused \(401 Not Authorized\)\./, /Set config\.service_account_token \(or ASANA_SERVICE_ACCOUNT_TOKEN\) to a valid token of an Asana service account\.$/],
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
      message: [/^The workspace's plan does not include resource exports \(402 Payment Required\)\./, /Resource exports need Asana Enterprise\+ or the Compliance Management add-on\.$/],
    },
  },
  {
    name: "403: the token is not a service account",
    concurrent: true,
    prepare: async ({ em }) => ({ config: { service_account_token: em.tokens.regularUser } }),
    expected: {
      code: "ASANA_FORBIDDEN",
      failureType: "config_error",
      message: [/^Starting the export \(POST \/exports\/resource\) was forbidden \(403\)\. Asana said: "Only service accounts may create resource exports/, /The token must belong to a service account of an Enterprise\+ organisation with access to config\.workspace\.$/],
    },
  },
  {
    name: "403: the service account cannot see the workspace",
    concurrent: true,
    prepare: async ({ em }) => ({ config: { service_account_token: em.tokens.unpaidServiceAccount } }),
    expected: {
      code: "ASANA_FORBIDDEN",
      failureType: "config_error",
      message: [/was forbidden \(403\)\. Asana said: "You do not have access to workspace \d+/, /with access to config\.workspace\.$/],
    },
  },
];

failureMatrix("reports", 71, REPORT_CASES);
