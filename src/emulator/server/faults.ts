// The mutable, per-instance fault controller: faults are armed (at start or between calls), watch
// the requests or jobs they target, fire on schedule with seeded randomness, and are spent. Tests
// wait for a fault to fire, and release the requests a `hold` fault keeps waiting.
import { hash32, seededRandom } from "./prng.js";
import { type Fault, type FaultPlan, type FaultTarget, type FileFault, type JobFault, type RequestFault, isFileFault, isJobFault, isRequestFault, parseFault } from "./fault-plan.js";
import { Changes, nthMatch, type ListWaitOptions } from "./waiting.js";

/** The endpoint a request was routed to, as faults see it. */
export type Endpoint = "create-export" | "get-job" | "download" | "users-me" | "workspaces" | "other-api";

/** A record of one fault firing. */
export interface FiredFault {
  kind: Fault["kind"];
  /** The endpoint hit, or "job" for job and file faults. */
  on: Endpoint | "job";
  /** Emulator clock time of the firing. */
  at: number;
}

/** What the request faults decided for one request. */
export interface RequestFaultDecision {
  /** Total delay to add before answering. */
  delayMs: number;
  /** Keep the request waiting until `release()` (a `hold` fault fired). */
  hold: boolean;
  /** The fault that answers instead of the endpoint, if any. */
  fault?: RequestFault;
}

interface Armed {
  fault: Fault;
  seen: number;
  hits: number;
  random: () => number;
}

const watches = (target: FaultTarget, endpoint: Endpoint): boolean =>
  target === "any" || target === endpoint || (target === "api" && endpoint !== "download");

const targetOf = (fault: RequestFault): FaultTarget => (fault.kind === "expire-url" ? "download" : fault.target);

/** Latency and holds only delay a request; the other request faults answer it. */
const delaysOnly = (fault: RequestFault): boolean => fault.kind === "latency" || fault.kind === "hold";

/** Which fault firings a wait looks at: `since` is an index of `fired` (take `fired.length` before acting). */
export type FiredWaitOptions = ListWaitOptions;

/** A promise and the function that resolves it. */
function gate(): { passed: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const passed = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { passed, open };
}

/** Arms, schedules and records injected faults of one emulator. */
export class FaultController {
  /** Every firing so far, oldest first. */
  readonly fired: FiredFault[] = [];
  private armedFaults: Armed[] = [];
  private armedCount = 0;
  private readonly changes = new Changes();
  private hold = gate();

  constructor(
    private readonly seed: number,
    private readonly now: () => number,
    plan: FaultPlan = [],
  ) {
    this.arm(...plan);
  }

  /** Arm faults (validated; throws TypeError on a bad one). */
  arm(...faults: Fault[]): void {
    for (const raw of faults) {
      const fault = parseFault(raw);
      const id = this.armedCount++;
      this.armedFaults.push({ fault, seen: 0, hits: 0, random: seededRandom(hash32(this.seed, "fault", id)) });
    }
  }

  /** Disarm every fault not yet spent. */
  clear(): void {
    this.armedFaults = [];
  }

  /** The faults still armed. */
  get pending(): readonly Fault[] {
    return this.armedFaults.map((a) => a.fault);
  }

  /** Count a watched event for one armed fault and say whether it fires now. */
  private fires(armed: Armed): boolean {
    armed.seen += 1;
    const { skip = 0, rate } = armed.fault;
    if (armed.seen <= skip) return false;
    if (rate !== undefined && armed.random() >= rate) return false;
    return true;
  }

  private spend(armed: Armed, on: FiredFault["on"]): void {
    armed.hits += 1;
    this.fired.push({ kind: armed.fault.kind, on, at: this.now() });
    const limit = armed.fault.times ?? (armed.fault.rate === undefined ? 1 : Number.POSITIVE_INFINITY);
    if (armed.hits >= limit) this.armedFaults = this.armedFaults.filter((a) => a !== armed);
    this.changes.notify();
  }

  /** Resolves when the requests held so far are released (for the hosts, on a `hold` decision). */
  heldUntilRelease(): Promise<void> {
    return this.hold.passed;
  }

  /** Let every request a `hold` fault keeps waiting go on (later holds wait for the next release). */
  release(): void {
    this.hold.open();
    this.hold = gate();
  }

  /** The first (or count-th) firing from `since` on that matches, once it has fired. */
  waitForFired(predicate: (fired: FiredFault) => boolean, options: FiredWaitOptions = {}): Promise<FiredFault> {
    return nthMatch(this.changes, "fault firing", this.fired, predicate, options);
  }

  /** Release every held request and fail pending waits (the emulator closed). */
  close(): void {
    this.release();
    this.changes.close("the emulator closed");
  }

  /** Decide the faults of one request to `endpoint`: added latency and at most one answering fault. */
  forRequest(endpoint: Endpoint): RequestFaultDecision {
    const decision: RequestFaultDecision = { delayMs: 0, hold: false };
    for (const armed of [...this.armedFaults]) {
      const fault = armed.fault;
      if (!isRequestFault(fault) || !watches(targetOf(fault), endpoint)) continue;
      if (!delaysOnly(fault) && decision.fault !== undefined) {
        armed.seen += 1; // watched but another fault answers this one
        continue;
      }
      if (!this.fires(armed)) continue;
      if (fault.kind === "latency") decision.delayMs += fault.ms;
      else if (fault.kind === "hold") decision.hold = true;
      else decision.fault = fault;
      this.spend(armed, endpoint);
    }
    return decision;
  }

  /** Take the job and file faults that apply to a newly created export job. */
  forNewJob(): { job: JobFault[]; file: FileFault[] } {
    const job: JobFault[] = [];
    const file: FileFault[] = [];
    for (const armed of [...this.armedFaults]) {
      const fault = armed.fault;
      if (!isJobFault(fault) && !isFileFault(fault)) continue;
      if (!this.fires(armed)) continue;
      if (isJobFault(fault)) job.push(fault);
      else if (isFileFault(fault)) file.push(fault);
      this.spend(armed, "job");
    }
    return { job, file };
  }
}
