// The log of every request an emulator answered, for tests and the demo to inspect.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Fault } from "./fault-plan.js";

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

/** Append a record to `log` when the response is done (or its connection dropped). */
export function logWhenDone(
  log: RequestRecord[],
  req: IncomingMessage,
  res: ServerResponse,
  role: RequestRecord["role"],
  at: number,
): RequestNotes {
  const notes: RequestNotes = {};
  const path = (req.url ?? "/").split("?")[0] ?? "/";
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
    log.push(record);
  });
  return notes;
}
