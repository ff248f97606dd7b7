// The declarative fault plan: what can go wrong, on which requests or exports, how often.
import { z } from "zod";

/**
 * Which requests a request fault watches. `api` = every API path, `any` = API and storage.
 * `download` counts only download attempts that reach the file (validly signed, file ready).
 */
export type FaultTarget = "create-export" | "get-job" | "download" | "users-me" | "workspaces" | "api" | "any";

/** When a fault fires among the requests (or export jobs) it watches. */
export interface FaultSchedule {
  /** Let this many watched requests (or jobs) pass first; `skip: k - 1` hits the k-th. Default 0. */
  skip?: number;
  /** How many times it fires before it is spent. Default 1, or unlimited when `rate` is set. */
  times?: number;
  /** Fire on each watched request with this seeded probability instead of on every one. */
  rate?: number;
}

/**
 * Faults on HTTP requests: an error status (500 carries a phrase; on storage, S3 XML), a 429 burst
 * (503 SlowDown on storage), added latency, a request held unanswered until `faults.release()` (or
 * until its client goes away or the emulator closes; then answered as usual), a dropped connection
 * (on downloads after `afterBytes` bytes of the body), expiry of every download URL handed out so
 * far (403 "Request has expired"), a reply lost after the request was acted on (the job of a POST is
 * created, then the connection drops before any answer), an answer padded to `bytes` bytes (API
 * only), a body that trickles in: `afterBytes` at full speed, then one byte every `everyMs` ms
 * (default 100) until the body ends or the client leaves, or (storage only) a 302 to the same
 * signed URL with the scheme `scheme` (default http: a downgrade when the emulator serves https),
 * or a 403 with Asana's error body and `message` (Asana documents the status of a busy export slot,
 * not its wording: this is how other wordings are tried).
 */
export type RequestFault =
  | ({ kind: "status"; status: 500 | 502 | 503 | 504; target: FaultTarget } & FaultSchedule)
  | ({ kind: "rate-limit"; target: FaultTarget; retryAfterSeconds?: number } & FaultSchedule)
  | ({ kind: "latency"; target: FaultTarget; ms: number } & FaultSchedule)
  | ({ kind: "hold"; target: FaultTarget } & FaultSchedule)
  | ({ kind: "reset"; target: FaultTarget; afterBytes?: number } & FaultSchedule)
  | ({ kind: "expire-url" } & FaultSchedule)
  | ({ kind: "lost-reply"; target: FaultTarget } & FaultSchedule)
  | ({ kind: "huge-answer"; target: FaultTarget; bytes: number } & FaultSchedule)
  | ({ kind: "trickle"; target: FaultTarget; afterBytes?: number; everyMs?: number } & FaultSchedule)
  | ({ kind: "redirect"; target: FaultTarget; scheme?: "http" | "https" } & FaultSchedule)
  | ({ kind: "forbidden"; target: FaultTarget; message: string } & FaultSchedule);

/**
 * Faults on the next export jobs: fail on poll `atPoll` (default 1; never succeeds before), stay in
 * progress `ms` longer, report an undocumented `status` on its first `polls` polls (default 1), or
 * report succeeded with a null download_url on its first `polls` polls after succeeding (default 1).
 */
export type JobFault =
  | ({ kind: "job-failed"; atPoll?: number } & FaultSchedule)
  | ({ kind: "job-slow"; ms: number } & FaultSchedule)
  | ({ kind: "job-status"; status: string; polls?: number } & FaultSchedule)
  | ({ kind: "job-no-url"; polls?: number } & FaultSchedule);

/**
 * Faults in the next export files; `line` is 1-based. Malformed and unknown-type lines are inserted
 * at that line; missing modified_at (task or message), missing gid (any object), huge notes (task,
 * default 10 MB), invalid UTF-8 and a duplicated key (a task's `name` written twice: valid JSON,
 * last one wins) rewrite the first eligible object at or after it; truncation keeps
 * `keepFraction` (0.5); `file-not-gzip` stores the JSON Lines uncompressed.
 */
export type FileFault =
  | ({ kind: "file-truncated"; keepFraction?: number } & FaultSchedule)
  | ({ kind: "file-malformed-line"; line: number } & FaultSchedule)
  | ({ kind: "file-unknown-type"; line: number; resourceType?: string } & FaultSchedule)
  | ({ kind: "file-missing-modified-at"; line: number } & FaultSchedule)
  | ({ kind: "file-missing-gid"; line: number } & FaultSchedule)
  | ({ kind: "file-huge-line"; line: number; bytes?: number } & FaultSchedule)
  | ({ kind: "file-invalid-utf8"; line: number } & FaultSchedule)
  | ({ kind: "file-duplicate-key"; line: number } & FaultSchedule)
  | ({ kind: "file-not-gzip" } & FaultSchedule);

/** One fault of a plan. */
export type Fault = RequestFault | JobFault | FileFault;

/** A list of faults, armed at start or at runtime. */
export type FaultPlan = readonly Fault[];

const count = z.number().int().nonnegative();
const positive = z.number().int().positive();
const schedule = {
  skip: count.optional(),
  times: z.union([positive, z.literal(Number.POSITIVE_INFINITY)]).optional(),
  rate: z.number().gt(0).max(1).optional(),
};
const target = z.enum(["create-export", "get-job", "download", "users-me", "workspaces", "api", "any"]);

/** Runtime validation of one fault (for `arm` and the CLI's `--fault` JSON). */
export const faultSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("status"), status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]), target, ...schedule }),
  z.strictObject({ kind: z.literal("rate-limit"), target, retryAfterSeconds: count.optional(), ...schedule }),
  z.strictObject({ kind: z.literal("latency"), target, ms: count, ...schedule }),
  z.strictObject({ kind: z.literal("hold"), target, ...schedule }),
  z.strictObject({ kind: z.literal("reset"), target, afterBytes: count.optional(), ...schedule }),
  z.strictObject({ kind: z.literal("expire-url"), ...schedule }),
  z.strictObject({ kind: z.literal("lost-reply"), target, ...schedule }),
  z.strictObject({
    kind: z.literal("huge-answer"),
    target: target.exclude(["download", "any"], { error: "huge-answer pads API answers: target an API endpoint or api" }),
    bytes: positive,
    ...schedule,
  }),
  z.strictObject({ kind: z.literal("trickle"), target, afterBytes: count.optional(), everyMs: positive.optional(), ...schedule }),
  z.strictObject({ kind: z.literal("forbidden"), target, message: z.string().min(1).max(1000), ...schedule }),
  z.strictObject({
    kind: z.literal("redirect"),
    target: z.literal("download", { error: "redirect is a storage fault: its target is download" }),
    scheme: z.enum(["http", "https"]).optional(),
    ...schedule,
  }),
  z.strictObject({ kind: z.literal("job-failed"), atPoll: positive.optional(), ...schedule }),
  z.strictObject({ kind: z.literal("job-slow"), ms: count, ...schedule }),
  z.strictObject({ kind: z.literal("job-status"), status: z.string().min(1).max(100), polls: positive.optional(), ...schedule }),
  z.strictObject({ kind: z.literal("job-no-url"), polls: positive.optional(), ...schedule }),
  z.strictObject({ kind: z.literal("file-truncated"), keepFraction: z.number().gt(0).lt(1).optional(), ...schedule }),
  z.strictObject({ kind: z.literal("file-malformed-line"), line: positive, ...schedule }),
  z.strictObject({ kind: z.literal("file-unknown-type"), line: positive, resourceType: z.string().min(1).optional(), ...schedule }),
  z.strictObject({ kind: z.literal("file-missing-modified-at"), line: positive, ...schedule }),
  z.strictObject({ kind: z.literal("file-missing-gid"), line: positive, ...schedule }),
  z.strictObject({ kind: z.literal("file-huge-line"), line: positive, bytes: positive.optional(), ...schedule }),
  z.strictObject({ kind: z.literal("file-invalid-utf8"), line: positive, ...schedule }),
  z.strictObject({ kind: z.literal("file-duplicate-key"), line: positive, ...schedule }),
  z.strictObject({ kind: z.literal("file-not-gzip"), ...schedule }),
]);

/** Validate an unknown value as a fault, with a readable error. */
export function parseFault(value: unknown): Fault {
  const result = faultSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(fault)"}: ${i.message}`).join("; ");
    throw new TypeError(`invalid fault ${JSON.stringify(value)}: ${issues}`);
  }
  return result.data as Fault;
}

/** Whether a fault is about HTTP requests (rather than jobs or files). */
export function isRequestFault(fault: Fault): fault is RequestFault {
  return ["status", "rate-limit", "latency", "hold", "reset", "expire-url", "lost-reply", "huge-answer", "trickle", "redirect", "forbidden"].includes(fault.kind);
}

/** Whether a fault is about an export job's life. */
export function isJobFault(fault: Fault): fault is JobFault {
  return fault.kind === "job-failed" || fault.kind === "job-slow" || fault.kind === "job-status" || fault.kind === "job-no-url";
}

/** Whether a fault is about an export file's bytes. */
export function isFileFault(fault: Fault): fault is FileFault {
  return fault.kind.startsWith("file-");
}
