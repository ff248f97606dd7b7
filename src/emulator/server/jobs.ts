// Export jobs and their state machine: not_started -> in_progress -> succeeded | failed. A job's file
// is generated as soon as it is created, from a snapshot of the workspace taken then; it succeeds once the file is complete, it has been polled
// enough times and enough (emulator clock) time has passed. Faults can slow it down or fail it.
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Workspace } from "../workspace.js";
import { writeExportFile, type WrittenExportFile } from "./export-writer.js";
import type { ExportRequest } from "./export-request.js";
import type { FaultController } from "./faults.js";
import { derivedGid, hash32 } from "./prng.js";

/** The status Asana reports for a job. */
export type JobStatus = "not_started" | "in_progress" | "succeeded" | "failed";

/** When a job may succeed. */
export interface JobTiming {
  /** The job succeeds at the earliest on this GET of it (1 = the first). */
  pollsUntilDone: number;
  /** ... and no sooner than this many ms (emulator clock) after its creation. */
  msUntilDone: number;
}

/** One export job with its file. */
export interface ExportJob {
  readonly gid: string;
  readonly exportGid: string;
  readonly ownerToken: string;
  readonly workspaceGid: string;
  readonly createdAt: number;
  completedAt: number | null;
  status: JobStatus;
  polls: number;
  file: WrittenExportFile | undefined;
}

interface JobState extends ExportJob {
  writing: "pending" | "writing" | "written" | "error";
  failAtPoll: number | undefined;
  slowMs: number;
  abort: AbortController;
  finished: Promise<void>;
}

/** What the job store needs. */
export interface JobStoreDeps {
  workspace: Workspace;
  seed: number;
  tempDir: string;
  gzipLevel: number;
  timing: JobTiming;
  now: () => number;
  faults: FaultController;
}

/** Creates export jobs, runs their file generation, and answers their status. */
export class JobStore {
  private readonly jobs = new Map<string, JobState>();
  private readonly byExport = new Map<string, JobState>();
  private created = 0;

  constructor(private readonly deps: JobStoreDeps) {}

  /** Create a job for a validated request and start writing its file. */
  create(ownerToken: string, request: ExportRequest): ExportJob {
    const n = ++this.created;
    const { seed, tempDir } = this.deps;
    const faults = this.deps.faults.forNewJob();
    const exportGid = derivedGid(seed, "export", n);
    // The export shows the workspace as it is now, the job's created_at: every object is then "up to
    // date anywhere between the exports created_at and completed_at", at the earliest such moment.
    // A change made while the job runs is in the next export (it is stamped after created_at).
    const snapshot = this.deps.workspace.snapshot();
    const job: JobState = {
      gid: derivedGid(seed, "job", n),
      exportGid,
      ownerToken,
      workspaceGid: request.workspaceGid,
      createdAt: snapshot.takenAt,
      completedAt: null,
      status: "not_started",
      polls: 0,
      file: undefined,
      writing: "pending",
      failAtPoll: undefined,
      slowMs: 0,
      abort: new AbortController(),
      finished: Promise.resolve(),
    };
    for (const fault of faults.job) {
      if (fault.kind === "job-failed") job.failAtPoll = Math.min(job.failAtPoll ?? Infinity, fault.atPoll ?? 1);
      else job.slowMs += fault.ms;
    }
    job.finished = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      if (job.abort.signal.aborted) return;
      job.writing = "writing";
      try {
        job.file = await writeExportFile({
          path: join(tempDir, `${exportGid}.jsonl.gz`),
          workspace: snapshot,
          parameters: request.parameters,
          union: request.union,
          key: hash32(seed, "shuffle", n),
          gzipLevel: this.deps.gzipLevel,
          faults: faults.file,
          fakeGid: derivedGid(seed, "injected", n),
          signal: job.abort.signal,
        });
        job.writing = "written";
      } catch {
        job.writing = "error";
      }
    });
    this.jobs.set(job.gid, job);
    this.byExport.set(exportGid, job);
    return job;
  }

  /**
   * Resolves once the file of job `gid` is completely written (a job-failed fault may delete it
   * later); rejects when there is no such job, or its writing failed or was aborted.
   */
  async fileWritten(gid: string): Promise<void> {
    const job = this.jobs.get(gid);
    if (!job) throw new Error(`emulator: no export job ${gid}`);
    await job.finished;
    if (job.writing !== "written") {
      throw new Error(`emulator: the export file of job ${gid} was not written (${job.abort.signal.aborted ? "the job failed or the emulator closed" : "writing it failed"})`);
    }
  }

  /** The job with this gid, if any. */
  get(gid: string): ExportJob | undefined {
    return this.jobs.get(gid);
  }

  /** Answer a GET of the job: counts the poll and advances the state machine. */
  poll(gid: string): ExportJob | undefined {
    const job = this.jobs.get(gid);
    if (!job) return undefined;
    if (job.status !== "succeeded" && job.status !== "failed") job.polls += 1;
    this.advance(job);
    return job;
  }

  /** The unfinished job of a workspace, if one holds its export slot. */
  running(workspaceGid: string): ExportJob | undefined {
    for (const job of this.jobs.values()) {
      if (job.workspaceGid !== workspaceGid) continue;
      this.advance(job);
      if (job.status === "not_started" || job.status === "in_progress") return job;
    }
    return undefined;
  }

  /** The file of a succeeded export, by export gid, with its completion time. */
  fileOf(exportGid: string): (WrittenExportFile & { lastModified: number }) | undefined {
    const job = this.byExport.get(exportGid);
    if (job?.status !== "succeeded" || !job.file) return undefined;
    return { ...job.file, lastModified: job.completedAt ?? job.createdAt };
  }

  /** Fail every unfinished job of the instance (used on close) and wait for their writers. */
  async close(): Promise<void> {
    for (const job of this.jobs.values()) job.abort.abort(new Error("emulator closed"));
    await Promise.all([...this.jobs.values()].map((job) => job.finished));
  }

  private fail(job: JobState): void {
    job.status = "failed";
    job.abort.abort(new Error("export job failed"));
    job.finished = job.finished.then(async () => {
      if (job.file) await unlink(job.file.path).catch(() => undefined);
      job.file = undefined;
    });
  }

  private advance(job: JobState): void {
    if (job.status === "succeeded" || job.status === "failed") return;
    if ((job.failAtPoll !== undefined && job.polls >= job.failAtPoll) || job.writing === "error") {
      this.fail(job);
      return;
    }
    const { timing, now } = this.deps;
    const t = now();
    const timeUp = t - job.createdAt >= timing.msUntilDone + job.slowMs;
    // A job armed to fail never succeeds first: it stays in progress until its failing poll.
    const canSucceed = job.failAtPoll === undefined;
    if (canSucceed && job.writing === "written" && job.polls >= timing.pollsUntilDone && timeUp) {
      job.status = "succeeded";
      job.completedAt = t;
    } else {
      job.status = job.writing === "pending" ? "not_started" : "in_progress";
    }
  }
}
