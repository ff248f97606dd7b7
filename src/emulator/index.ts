// The Asana resource export emulator: an API host and an object-storage host on loopback, serving a
// seeded workspace through POST /exports/resource, GET /jobs/{gid} and presigned downloads.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWorkspace } from "./data/index.js";
import { apiRouter } from "./server/api-router.js";
import { buildDirectory, type EmulatorTokens } from "./server/directory.js";
import type { TypeParameters } from "./server/export-request.js";
import type { FaultPlan } from "./server/fault-plan.js";
import { FaultController } from "./server/faults.js";
import { JobStore } from "./server/jobs.js";
import { digestHex, hash32, seededRandom } from "./server/prng.js";
import { RateLimiter } from "./server/rate-limit.js";
import { RequestLog, type RequestRecord, type RequestWaitOptions } from "./server/request-log.js";
import { UrlSigner } from "./server/signing.js";
import { storagePath, storageRouter } from "./server/storage.js";
import { withDeadline, type WaitOptions } from "./server/waiting.js";
import type { EmulatorClock, Workspace } from "./workspace.js";

export type {
  AsanaObject,
  DeletedObject,
  DeletionCause,
  EmulatorClock,
  MutationResult,
  MutationSummary,
  ObjectChange,
  ObjectRef,
  ResourceType,
  Workspace,
  WorkspaceSnapshot,
  WorkspaceView,
} from "./workspace.js";
export { GROUPS, KIND_NAMES, MUTATION_KINDS, type Mutation, type MutationKind, type MutationRound } from "./mutation-kinds.js";
export { MutationError, type MutationErrorReason } from "./mutation-error.js";
export type { EmulatorTokens } from "./server/directory.js";
export type { Fault, FaultPlan, FaultSchedule, FaultTarget, FileFault, JobFault, RequestFault } from "./server/fault-plan.js";
export type { FaultController, FiredFault, FiredWaitOptions } from "./server/faults.js";
export type { RequestRecord, RequestWaitOptions } from "./server/request-log.js";
export type { TypeParameters } from "./server/export-request.js";
export type { WaitOptions } from "./server/waiting.js";

/** How to start an emulator; every field has a default. */
export interface EmulatorOptions {
  /** API port; 0 (default) picks a free one. */
  port?: number;
  /** Object-storage port (a separate origin); 0 (default) picks a free one. */
  storagePort?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Seed of the workspace, tokens, gids, shuffles and fault rolls; default 1. */
  seed?: number;
  /** Workspace size; defaults 500 tasks, 10 teams, 200 messages. */
  tasks?: number;
  teams?: number;
  messages?: number;
  /** The service account token; default derived from the seed. */
  token?: string;
  /** The token of the control endpoint (/_emulator/..., loopback only); default derived from the seed. */
  adminToken?: string;
  /** Time source for timestamps, job timing, URL expiry and rate windows; default real time. */
  clock?: EmulatorClock;
  /** A job succeeds at the earliest on this GET of it; default 2 (the first GET says in_progress). */
  jobPollsUntilDone?: number;
  /** ... and no sooner than this many ms after its creation; default 0. */
  jobMsUntilDone?: number;
  /** Lifetime of presigned download URLs; default 300 s (0 = expired on arrival). */
  downloadUrlTtlSeconds?: number;
  /** Per-token requests per minute (sliding window); default 1500. */
  requestsPerMinute?: number;
  /** Per-token requests in flight; default 50. */
  maxInFlight?: number;
  /** gzip level of export files (1 fastest, 9 smallest); default 6. */
  gzipLevel?: number;
  /** Faults armed from the start. */
  faults?: FaultPlan;
  /**
   * Two export parameters of one resource type (OR-ed): an object matching both comes once per
   * parameter (`duplicate`, the default), once with the union of their fields (`union`), or the
   * request is refused with a 400 (`reject`). Asana documents only that they may yield an object twice.
   */
  typeParameters?: TypeParameters;
  /** Refuse `fields` paths of more dotted segments than this with a 400 naming the field; default: any depth. */
  maxFieldDepth?: number;
}

/** A running emulator. */
export interface Emulator {
  /** API root, e.g. http://127.0.0.1:PORT/api/1.0 */
  readonly baseUrl: string;
  /** Origin of the object-storage host that serves download URLs. */
  readonly storageUrl: string;
  /** The service account token (may export). */
  readonly token: string;
  /** Every token by role: service accounts, a regular user (403), an unpaid org's account (402). */
  readonly tokens: EmulatorTokens;
  /** Gid of the seeded workspace. */
  readonly workspaceGid: string;
  /** Gid of the workspace whose plan lacks exports (for `tokens.unpaidServiceAccount`). */
  readonly unpaidWorkspaceGid: string;
  /** The ground truth, with its mutation API. */
  readonly workspace: Workspace;
  /** Root of the control endpoint, e.g. http://127.0.0.1:PORT/_emulator (see server/control.ts). */
  readonly controlUrl: string;
  /** The bearer token the control endpoint requires. */
  readonly adminToken: string;
  /**
   * Every request answered so far, oldest first. An entry is written when its response is done, so a
   * client holding its answer can be ahead of it: see `waitForRequest` and `settled`.
   */
  readonly requests: readonly RequestRecord[];
  /** The first (or `count`-th) logged request from index `since` on matching `predicate`, once logged. */
  waitForRequest(predicate: (record: RequestRecord) => boolean, options?: RequestWaitOptions): Promise<RequestRecord>;
  /** Resolves once no request is in progress: every request received so far is answered and in `requests`. */
  settled(options?: WaitOptions): Promise<void>;
  /** Resolves once job `jobGid`'s export file is completely written; rejects if writing failed or was aborted. */
  waitForExportFile(jobGid: string, options?: WaitOptions): Promise<void>;
  /** How many storage requests carried an Authorization header (each refused). */
  readonly downloadsWithAuthorization: number;
  /** X-Amz-Signature and X-Amz-Security-Token values of every download URL handed out (must never leak). */
  readonly downloadUrlSecrets: readonly string[];
  /** Arm and inspect faults at runtime. */
  readonly faults: FaultController;
  /** Folder of the export files (removed on close). */
  readonly tempDir: string;
  /** Expire every download URL handed out so far (new GETs of a job give fresh ones). */
  expireDownloadUrls(): void;
  /** Stop both hosts, abort running exports and delete their files. */
  close(): Promise<void>;
}

const realClock: EmulatorClock = { now: () => Date.now() };

async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

async function stop(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/** Start an emulator on loopback (see EmulatorOptions for the defaults). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const seed = options.seed ?? 1;
  const clock = options.clock ?? realClock;
  const now = (): number => clock.now();
  const host = options.host ?? "127.0.0.1";
  const ttl = options.downloadUrlTtlSeconds ?? 300;
  const workspace = createWorkspace({
    seed,
    tasks: options.tasks ?? 500,
    teams: options.teams ?? 10,
    messages: options.messages ?? 200,
    clock,
  });
  const directory = buildDirectory(seed, workspace, options.token);
  const adminToken = options.adminToken ?? `emu-admin-${digestHex(seed, "admin-token").slice(0, 32)}`;
  const tempDir = await mkdtemp(join(tmpdir(), "asana-export-emulator-"));
  const faults = new FaultController(seed, now, options.faults ?? []);
  const jobs = new JobStore({
    workspace,
    seed,
    tempDir,
    gzipLevel: options.gzipLevel ?? 6,
    timing: { pollsUntilDone: options.jobPollsUntilDone ?? 2, msUntilDone: options.jobMsUntilDone ?? 0 },
    now,
    faults,
  });
  const signer = new UrlSigner(digestHex(seed, "storage-secret"), `AKIAEMU${digestHex(seed, "access-key").slice(0, 13).toUpperCase()}`);
  const log = new RequestLog();
  let downloadsWithAuthorization = 0;
  let storageOrigin = "";

  const apiServer = createServer(
    apiRouter({
      directory,
      jobs,
      requestRules: { typeParameters: options.typeParameters ?? "duplicate", maxFieldDepth: options.maxFieldDepth ?? Number.POSITIVE_INFINITY },
      downloadUrl: (job) => {
        const path = storagePath(job.workspaceGid, job.exportGid);
        return `${storageOrigin}${path}?${signer.sign(path, now(), ttl)}`;
      },
      control: { workspace, adminToken },
      limiter: new RateLimiter({ requestsPerMinute: options.requestsPerMinute ?? 1500, maxInFlight: options.maxInFlight ?? 50 }, now),
      faults,
      log,
      now,
      random: seededRandom(hash32(seed, "phrases")),
    }),
  );
  const storageServer = createServer(
    storageRouter({
      jobs,
      signer,
      faults,
      log,
      now,
      seed,
      onAuthorizationHeader: () => {
        downloadsWithAuthorization += 1;
      },
    }),
  );
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Held requests are let go (their connections close with the servers); then pending waits fail.
      faults.close();
      await Promise.all([stop(apiServer), stop(storageServer)]);
      log.close();
      await jobs.close();
      await rm(tempDir, { recursive: true, force: true });
    })();
    return closing;
  };
  try {
    const apiOrigin = await listen(apiServer, options.port ?? 0, host);
    storageOrigin = await listen(storageServer, options.storagePort ?? 0, host);
    return {
      baseUrl: `${apiOrigin}/api/1.0`,
      storageUrl: storageOrigin,
      token: directory.tokens.serviceAccount,
      tokens: directory.tokens,
      workspaceGid: workspace.gid,
      unpaidWorkspaceGid: directory.unpaidWorkspaceGid,
      workspace,
      controlUrl: `${apiOrigin}/_emulator`,
      adminToken,
      requests: log.records,
      waitForRequest: (predicate, waitOptions) => log.waitFor(predicate, waitOptions),
      settled: (waitOptions) => log.settled(waitOptions),
      waitForExportFile: (jobGid, waitOptions) => withDeadline(jobs.fileWritten(jobGid), `the export file of job ${jobGid}`, waitOptions),
      get downloadsWithAuthorization() {
        return downloadsWithAuthorization;
      },
      downloadUrlSecrets: signer.secrets,
      faults,
      tempDir,
      expireDownloadUrls: () => signer.revokeIssued(),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
