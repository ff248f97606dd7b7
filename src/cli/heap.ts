// V8 heap settings. The standalone sync allocates fast (parsed records, column buffers, encoded
// pages) while keeping little alive; `read` (and the tap) keep almost nothing alive.
// - Old generation growth: by default V8 lets the heap grow to several times what survived the
//   last full collection: the Parquet sync of 50,000 tasks peaked at 275 MB RSS with at most ~90 MB
//   alive. Growing by 50% at a time kept that peak at 185 MB for the same wall time
//   (bench/RESULTS.md). The heap still grows as far as a large record needs: no hard limit. For
//   the sync only: `read` ran ~15% slower with it.
// - Young generation: Node 24's V8 lets the semi-spaces grow well past Node 20's 16 MB on a machine
//   with memory to spare. The 20,000-task Parquet sync peaked at 312-350 MB on Node 24 against
//   206 MB on Node 20; capped at 16 MB, 230 MB (at 1 MB, 176-181 MB but 35-55% more CPU). `read` of
//   the 200,000-task bench export on Node 24: 188 MB and 2.7-3.0 s by default, 117 MB and 2.2-2.5 s
//   (less CPU too) at 1 MB, its young objects then staying in cache. The cap only takes effect when
//   the isolate starts (set later through v8.setFlagsFromString it changed nothing, measured), so
//   these commands re-execute themselves with it. Keeping the young generation from growing at all
//   instead (--semi-space-growth-factor=1, which does work at run time) cost the sync 37% more CPU.
// - The sync's semi-space, once the Parquet writer stopped making garbage on its own (pages built in
//   pooled buffers, batches in one buffer, no object per row): the 200,000-task sync of all fifteen
//   streams on Node 24 peaked at 290-298 MB with 16 MB, 269 MB with 8 MB and 258 MB with 4 MB, at
//   the same CPU (45.7, 46.9 and 45.7 s user; interleaved runs). The flag is process-wide: the
//   Parquet encoding thread sets its own young generation (parquet-channel.ts). Node 20 (no
//   `process.execve`) keeps its default, 16 MB.
import { setFlagsFromString } from "node:v8";

/** Old generation growth of the sync, in percent. */
export const HEAP_GROWING_PERCENT = 50;
/** The sync's semi-space size, in MB. */
export const SYNC_SEMI_SPACE_MB = 4;
/** The semi-space size of `read` and the tap, in MB. */
export const READ_SEMI_SPACE_MB = 1;

function chosen(flag: string, execArgv: readonly string[], nodeOptions: string): boolean {
  return [...execArgv, nodeOptions].some((arg) => arg.includes(`--${flag}`));
}

/** Set the growth factor, unless the user chose one (node flag or NODE_OPTIONS). */
export function tuneHeap(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ""): boolean {
  if (chosen("heap-growing-percent", execArgv, nodeOptions)) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}

type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => never;

/**
 * The arguments to restart this process with the semi-space cap, or undefined when that is not
 * needed (the user chose a size) or not possible (`process.execve`, Node >= 22.15; Node 20 has
 * the small default anyway).
 */
export function youngGenerationRestart(
  semiSpaceMb: number,
  argv: readonly string[] = process.argv,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? "",
  execve: unknown = (process as { execve?: unknown }).execve,
): string[] | undefined {
  if (typeof execve !== "function" || chosen("max-semi-space-size", execArgv, nodeOptions)) return undefined;
  return [argv[0] ?? process.execPath, `--max-semi-space-size=${semiSpaceMb}`, ...execArgv, ...argv.slice(1)];
}

/** Replace this process by itself with the semi-space cap (same pid, stdio and terminal), when needed. */
export function capYoungGeneration(semiSpaceMb: number): void {
  const args = youngGenerationRestart(semiSpaceMb);
  if (args === undefined) return;
  const execve = (process as unknown as { execve: Execve }).execve;
  execve(process.execPath, args, process.env);
}
