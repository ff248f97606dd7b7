// What latency and hold faults do to a request before either host answers it.
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { FaultController, RequestFaultDecision } from "./faults.js";

/** Wait out a decision's latency, then its hold; resolves false when the client went away meanwhile. */
export async function delayRequest(decision: RequestFaultDecision, faults: FaultController, res: ServerResponse): Promise<boolean> {
  let gone = false;
  const closed = new Promise<void>((resolve) => {
    res.once("close", () => {
      gone = true;
      resolve();
    });
  });
  // Unref'd: a pending latency must not keep a process alive that has nothing else to do.
  if (decision.delayMs > 0) await sleep(decision.delayMs, undefined, { ref: false });
  // A held request stops waiting when its client leaves (e.g. a killed process): nobody would release it.
  if (decision.hold) await Promise.race([faults.heldUntilRelease(), closed]);
  return !gone;
}
