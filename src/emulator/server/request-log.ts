// The log of every request an emulator answered, for tests and the demo to inspect, and waits on it:
// a request's entry is written when its response is done (or its connection dropped), so a client
// that has its answer may still be ahead of the log; `waitFor` and `settled` close that gap.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Fault } from "./fault-plan.js";
import { Changes, nthMatch, type ListWaitOptions, type WaitOptions } from "./waiting.js";

/** One answered (or dropped) request. */
export interface RequestRecord {
  method: string;
  /** Path without the query (so no presigned secrets). */
  path: string;
  /** Status sent, or 0 when the connection was dropped before any. */
  status: number;
  /** Whether an Authorization header was present. */
  authorization: boolean;
  /** Which host answered: the API or the object storage. */
  role: "api" | "storage";
  /** The injected fault that answered, if any. */
  fault?: Fault["kind"];
  /** Emulator clock time when it arrived. */
  at: number;
}

/** Mutable notes a handler leaves for the log entry of its request. */
export interface RequestNotes {
  fault?: Fault["kind"];
}

/** Which logged requests a wait looks at: `since` is an index of the log (take `requests.length` before acting). */
export type RequestWaitOptions = ListWaitOptions;

/** The request log of one emulator (both hosts). */
export class RequestLog {
  /** Every request answered so far, oldest first. */
  readonly records: RequestRecord[] = [];
  private inProgress = 0;
  private readonly changes = new Changes();

  /** Note a request that just arrived; its record is appended when the response is done. */
  begin(req: IncomingMessage, res: ServerResponse, role: RequestRecord["role"], at: number): RequestNotes {
    const notes: RequestNotes = {};
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    this.inProgress += 1;
    res.once("close", () => {
      const record: RequestRecord = {
        method: req.method ?? "GET",
        path,
        status: res.headersSent ? res.statusCode : 0,
        authorization: req.headers.authorization !== undefined,
        role,
        at,
      };
      if (notes.fault !== undefined) record.fault = notes.fault;
      this.records.push(record);
      this.inProgress -= 1;
      this.changes.notify();
    });
    return notes;
  }

  /** The first (or count-th) entry from `since` on that matches, once it is logged. */
  waitFor(predicate: (record: RequestRecord) => boolean, options: RequestWaitOptions = {}): Promise<RequestRecord> {
    return nthMatch(this.changes, "request", this.records, predicate, options);
  }

  /** Resolve once no request is in progress: every request received so far is answered and logged. */
  settled(options: WaitOptions = {}): Promise<void> {
    return this.changes.until(`every request in progress to be answered and logged`, () => (this.inProgress === 0 ? true : undefined), options).then(() => undefined);
  }

  /** Fail the waits still pending (the emulator closed). */
  close(): void {
    this.changes.close("the emulator closed");
  }
}
