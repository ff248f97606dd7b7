// How fast V8's old generation may grow. A sync allocates fast (parsed records, column buffers,
// encoded pages) while keeping little alive, and by default V8 then lets the heap grow to several
// times what survived the last full collection: the Parquet sync of 50,000 tasks peaked at 275 MB
// RSS with at most ~90 MB alive. Growing by 50% at a time kept that peak at 185 MB for the same
// wall time (bench/RESULTS.md). The heap still grows as far as a large record needs: no hard limit.
// Set for the standalone sync only: `read`, which keeps little alive, ran ~15% slower with it.
import { setFlagsFromString } from "node:v8";

export const HEAP_GROWING_PERCENT = 50;

/** Set the growth factor, unless the user chose one (node flag or NODE_OPTIONS). */
export function tuneHeap(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ""): boolean {
  if ([...execArgv, nodeOptions].some((arg) => arg.includes("--heap-growing-percent"))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
