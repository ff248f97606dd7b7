// The table of faults a sync must survive, finishing with complete, exact output (run by
// survive.test.ts for `read` and `sync`, each case one run of the built CLI per side).
import { expect } from "vitest";
import type { Emulator, Fault, RequestRecord } from "../../src/emulator/index.js";
import { fullCatalog } from "../helpers/airbyte.js";
import { downloadedLines, objectOf } from "./export-file.js";
import { STREAM_TYPES, exportPosts, truth, type Json, type Outcome, type Side, type StreamName } from "./harness.js";

export interface Context {
  o: Outcome;
  em: Emulator;
  /** Requests of this case only. */
  requests: RequestRecord[];
}

export interface SurviveCase {
  name: string;
  sides?: readonly Side[];
  faults?: Fault[];
  config?: Json;
  catalog?: Json;
  /** Before the run, e.g. start another export; `advance` moves the emulator's clock. */
  setup?: (em: Emulator, advance: (ms: number) => void) => Promise<void>;
  /** Output other than the ground truth (lines the file damaged on purpose). */
  expectOutput?: (c: Context) => void;
  check?: (c: Context) => void;
}

const statuses = (requests: readonly RequestRecord[], match: (q: RequestRecord) => boolean): number[] => requests.filter(match).map((q) => q.status);
const isPost = (q: RequestRecord): boolean => q.method === "POST";
const isPoll = (q: RequestRecord): boolean => q.path.includes("/jobs/");
const isDownload = (q: RequestRecord): boolean => q.role === "storage";

type Status5xx = 500 | 502 | 503;

/**
 * 500, 502 and 503 on a poll and on the download, rotated over three cases so that each of those
 * endpoints gets each status once; `then` adds a case's own faults after them (fewer runs). The POST
 * is not among them: a 5xx there is not retried (Asana may have started the export), see report.test.ts.
 */
function serverErrors(poll: Status5xx, download: Status5xx, then?: SurviveCase): SurviveCase {
  return {
    ...then,
    name: `${then === undefined ? "" : `${then.name}; `}HTTP ${poll} on a poll, ${download} on the download`,
    faults: [
      { kind: "status", status: poll, target: "get-job" },
      { kind: "status", status: download, target: "download" },
      ...(then?.faults ?? []),
    ],
    check: (c) => {
      expect(statuses(c.requests, isPost)).toEqual([201]);
      expect(statuses(c.requests, isPoll)[0]).toBe(poll);
      expect(statuses(c.requests, isDownload)[0]).toBe(download);
      then?.check?.({ ...c, requests: c.requests.filter((q) => !(isDownload(q) && q.status === download && q.fault === "status")) });
    },
  };
}

/**
 * Start an export with another service account, holding the workspace's only export slot until the
 * run has been refused twice; then that export finishes (the emulator's clock jumps an hour).
 */
async function foreignExport(em: Emulator, advance: (ms: number) => void): Promise<void> {
  em.faults.arm({ kind: "job-slow", ms: 3_600_000 });
  const res = await fetch(`${em.baseUrl}/exports/resource`, {
    method: "POST",
    headers: { authorization: `Bearer ${em.tokens.otherServiceAccount}`, "content-type": "application/json" },
    body: JSON.stringify({ data: { workspace: em.workspaceGid, export_request_parameters: [{ resource_type: "team" }] } }),
  });
  expect(res.status).toBe(201);
  const from = em.requests.length;
  // A run that never retries twice fails the case's own checks; this wait then just gives up.
  void em.waitForRequest((q) => isPost(q) && q.status === 403, { since: from, count: 2, timeoutMs: 120_000 }).then(
    () => advance(3_600_000),
    () => undefined,
  );
}

/** Log lines matching a pattern (read: LOG messages; sync: stderr lines, which start with `WARN: `). */
const warnings = (o: Outcome, pattern: RegExp): string[] => o.logs.filter((l) => pattern.test(l));

export const SURVIVE_CASES: SurviveCase[] = [
  {
    name: "429 bursts with Retry-After on the POST, the polls and the download",
    faults: [
      { kind: "rate-limit", target: "create-export", retryAfterSeconds: 1 },
      { kind: "rate-limit", target: "create-export", retryAfterSeconds: 0 },
      { kind: "rate-limit", target: "get-job", retryAfterSeconds: 0, times: 2 },
      { kind: "rate-limit", target: "download", retryAfterSeconds: 0, times: 2 },
    ],
    check: ({ requests, o }) => {
      const posts = requests.filter(isPost);
      expect(posts.map((q) => q.status)).toEqual([429, 429, 201]);
      // Retry-After: 1 was honoured before the retry.
      expect((posts[1]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
      expect(statuses(requests, isPoll).slice(0, 2)).toEqual([429, 429]);
      // Object storage says 503 SlowDown (with Retry-After) where the API says 429.
      expect(statuses(requests, isDownload)).toEqual([503, 503, 200]);
      expect(warnings(o, /HTTP 429.*retry 1 of 8/).length).toBeGreaterThan(0);
    },
  },
  serverErrors(500, 502),
  serverErrors(502, 503, {
    name: "connection reset mid-download: resumed with Range, no gap, no duplicate, no second export",
    faults: [{ kind: "reset", target: "download", afterBytes: 40_000 }],
    check: ({ requests }) => {
      expect(exportPosts(requests).filter((s) => s === 201)).toEqual([201]);
      expect(requests.filter(isDownload).map((q) => [q.status, q.fault ?? ""])).toEqual([
        [200, "reset"],
        [206, ""],
      ]);
    },
  }),
  serverErrors(503, 500, {
    name: "expired download URL: a fresh URL from the job, then the download goes on",
    faults: [{ kind: "expire-url" }],
    check: ({ requests, o }) => {
      expect(statuses(requests, isDownload)).toEqual([403, 200]);
      const expiredAt = requests.find((q) => isDownload(q) && q.status === 403)?.at ?? 0;
      expect(requests.filter((q) => isPoll(q) && q.at >= expiredAt).length).toBeGreaterThanOrEqual(1);
      expect(warnings(o, /download URL refused \(403, signature expired\); asking Asana for a fresh one/)).toHaveLength(1);
      expect(exportPosts(requests).filter((s) => s === 201)).toEqual([201]);
    },
  }),
  {
    name: "export slot busy (403, another export runs): waits, says so, then exports",
    setup: foreignExport,
    check: ({ requests, o, em }) => {
      const posts = statuses(requests, isPost);
      expect(posts.at(-1)).toBe(201);
      expect(posts.slice(0, -1).every((s) => s === 403)).toBe(true);
      expect(posts.length).toBeGreaterThan(2);
      const waits = warnings(
        o,
        new RegExp(`Another export is running in workspace ${em.workspaceGid} \\(403; Asana allows one at a time\\): another tool's, or one an earlier run started whose answer was lost .*\\. Trying again in \\d+\\.\\d s \\(waiting at most 30 min\\)\\.$`),
      );
      expect(waits.length).toBe(posts.length - 1);
    },
  },
  {
    name: "a 403 on the POST whose reason says neither busy nor not permitted (twice): a short wait naming both, then exports",
    faults: [{ kind: "forbidden", target: "create-export", message: "Export limit reached for this workspace", times: 2 }],
    check: ({ requests, o }) => {
      expect(statuses(requests, isPost)).toEqual([403, 403, 201]);
      const waits = warnings(o, /Starting the export was refused \(403\) without saying whether the export slot is busy or the token may not export\. Trying again in \d+\.\d s \(waiting at most 3 min\)\.$/);
      expect(waits).toHaveLength(2);
    },
  },
  {
    name: "a job status Asana does not document ('queued', two polls): polled on, warned once",
    faults: [{ kind: "job-status", status: "queued", polls: 2 }],
    check: ({ requests, o }) => {
      expect(statuses(requests, isPost)).toEqual([201]);
      expect(warnings(o, /status 'queued'/)).toEqual([expect.stringMatching(/Export job \d+ reports the status 'queued', which Asana does not document; waiting as if it were in progress$/)]);
    },
  },
  {
    name: "a job that succeeded without its download_url for two polls: asked again, then downloaded",
    faults: [{ kind: "job-no-url", polls: 2 }],
    check: ({ o }) => {
      expect(warnings(o, /without its download_url yet/)).toEqual([
        expect.stringMatching(/Export job \d+ reports succeeded without its download_url yet; asking again \(1 of 4\)$/),
        expect.stringMatching(/asking again \(2 of 4\)$/),
      ]);
    },
  },
  {
    name: "answers that trickle in (a poll: a byte every 500 ms; the download after 20 kB: a byte every 100 ms): cut at the request timeout or under the minimum rate, asked again, the download resumed with Range",
    config: { request_timeout_seconds: 2 },
    faults: [
      { kind: "trickle", target: "get-job", everyMs: 500 },
      { kind: "trickle", target: "download", afterBytes: 20_000, everyMs: 100 },
    ],
    check: ({ requests, o }) => {
      expect(requests.filter(isPoll).map((q) => q.fault ?? "")[0]).toBe("trickle");
      expect(requests.filter(isDownload).map((q) => [q.status, q.fault ?? ""])).toEqual([
        [200, "trickle"],
        [206, ""],
      ]);
      expect(warnings(o, /Polling export job \d+: network error ERR_SLOW_ANSWER; retry 1 of 8/)).toHaveLength(1);
      expect(warnings(o, /export download from .* failed \(ERR_SLOW_ANSWER: \d+ bytes in \d+\.\d s, under the minimum of 1024 bytes\/s\); retry 1\/8/)).toHaveLength(1);
      expect(exportPosts(requests)).toEqual([201]);
    },
  },
  {
    name: "a 10 MB line, and lines of an unknown resource_type (ignored, counted, warned once)",
    faults: [
      { kind: "file-unknown-type", line: 3, resourceType: "portfolio" },
      { kind: "file-huge-line", line: 5, bytes: 10 * 1024 * 1024 },
      { kind: "file-unknown-type", line: 40, resourceType: "portfolio" },
    ],
    check: ({ o }) => {
      const huge = (o.rows.get("tasks") ?? []).filter((r) => typeof r.notes === "string" && r.notes.length === 10 * 1024 * 1024);
      expect(huge).toHaveLength(1);
      expect(warnings(o, /Ignored .* resource_type/)).toEqual([expect.stringMatching(/Ignored 2 line\(s\) of resource_type 'portfolio', which no selected stream reads$/)]);
    },
  },
  {
    name: "on_invalid_record skip: malformed, non-UTF-8, gid-less and cursor-less lines skipped, counted and reported",
    config: { on_invalid_record: "skip" },
    faults: [
      { kind: "file-malformed-line", line: 5 },
      { kind: "file-invalid-utf8", line: 9 },
      { kind: "file-missing-gid", line: 13 },
      { kind: "file-missing-modified-at", line: 17 },
    ],
    expectOutput: ({ o, em, requests }) => {
      expect(o.code, o.stderr.slice(-1000)).toBe(0);
      // What a correct decoder keeps: valid objects of the file, minus incremental ones without their cursor.
      const kept = new Map<string, string[]>();
      for (const line of downloadedLines(em, requests)) {
        const object = objectOf(line);
        if (object === undefined || (object.resource_type !== "team" && typeof object.modified_at !== "string")) continue;
        const stream = Object.entries(STREAM_TYPES).find(([, t]) => t === object.resource_type)?.[0] ?? "?";
        kept.set(stream, [...(kept.get(stream) ?? []), String(object.gid)]);
      }
      let total = 0;
      for (const stream of Object.keys(STREAM_TYPES) as StreamName[]) {
        expect([...(o.gids.get(stream) ?? [])].sort()).toEqual((kept.get(stream) ?? []).sort());
        total += truth(em, stream).length - (o.gids.get(stream)?.length ?? 0);
      }
      // Three real objects were damaged (UTF-8, gid, modified_at); the malformed line was an extra one.
      expect(total).toBe(3);
    },
    check: ({ o }) =>
      expect(warnings(o, /Skipped invalid lines/)).toEqual([
        expect.stringMatching(/Skipped invalid lines \(on_invalid_record = skip\): 1 not utf8, 1 malformed json, 1 missing gid, 1 without their cursor$/),
      ]),
  },
  {
    name: "an object without modified_at on a full_refresh stream is kept",
    sides: ["read"],
    catalog: fullCatalog("full_refresh"),
    faults: [{ kind: "file-missing-modified-at", line: 5 }],
    check: ({ o }) => expect((o.rows.get("tasks") ?? []).concat(o.rows.get("messages") ?? []).filter((r) => r.modified_at === undefined)).toHaveLength(1),
  },
];
