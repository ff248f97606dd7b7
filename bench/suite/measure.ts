// Runs one command as its own process and measures its wall time and peak RSS. Peak RSS comes from
// GNU time's %M (the largest process of the tree: the kernel folds waited-for children into it),
// or, without /usr/bin/time, from polling VmHWM of the process and its descendants in /proc.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";

const GNU_TIME = "/usr/bin/time";

/** What one run of a command did. */
export interface Measured {
  wallMs: number;
  /** Peak resident set size in MB, when it could be measured. */
  peakRssMb: number | undefined;
  /** User + system CPU seconds of the command (GNU time), when it could be measured. */
  cpuSeconds?: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines of stderr (all of it up to 64 KB). */
  stderr: string;
}

export interface RunSpec {
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where stdout goes: /dev/null (default), or a consumer that reads it while the command runs. */
  stdout?: "null" | ((stream: Readable) => Promise<void>);
}

/** How peak RSS is measured on this machine. */
export function rssMethod(): string {
  return existsSync(GNU_TIME) ? "GNU time %M" : "/proc VmHWM polling";
}

/** Run a command to completion (never rejects for a non-zero exit: see `exitCode`). */
export async function measure(spec: RunSpec): Promise<Measured> {
  const useTime = existsSync(GNU_TIME);
  const scratch = mkdtempSync(join(tmpdir(), "asana-bench-time-"));
  const timeFile = join(scratch, "time.txt");
  const devNull = spec.stdout === undefined || spec.stdout === "null" ? openSync("/dev/null", "w") : undefined;
  const [command, args] = useTime
    ? [GNU_TIME, ["-f", "%M %U %S", "-o", timeFile, spec.command, ...spec.args]]
    : [spec.command, [...spec.args]];
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    stdio: ["ignore", devNull ?? "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    stderr = (stderr + text).slice(-65536);
  });
  const poller = useTime ? undefined : pollPeakRss(child.pid);
  const consumer = typeof spec.stdout === "function" && child.stdout ? spec.stdout(child.stdout) : Promise.resolve();
  const consumed = consumer.then(
    () => undefined,
    (error: unknown) => error,
  );
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, sig) => resolve([code, sig]));
  });
  const wallMs = performance.now() - started;
  if (devNull !== undefined) closeSync(devNull);
  const consumerError = await consumed;
  if (consumerError !== undefined) throw consumerError;
  let peakRssMb: number | undefined;
  let cpuSeconds: number | undefined;
  if (useTime) {
    // On a non-zero exit GNU time writes a "Command exited with non-zero status" line first.
    const last = readFileSync(timeFile, "utf8").trim().split("\n").at(-1) ?? "";
    const [kb, user, system] = last.split(" ").map(Number);
    peakRssMb = kb !== undefined && Number.isFinite(kb) && last !== "" ? kb / 1024 : undefined;
    cpuSeconds = user !== undefined && system !== undefined && Number.isFinite(user + system) ? user + system : undefined;
  } else {
    peakRssMb = poller?.stop();
  }
  rmSync(scratch, { recursive: true, force: true });
  return { wallMs, peakRssMb, ...(cpuSeconds === undefined ? {} : { cpuSeconds }), exitCode, signal, stderr };
}

/** Poll VmHWM (peak RSS, kB) of a process tree every 50 ms; `stop` returns the largest in MB. */
function pollPeakRss(pid: number | undefined): { stop(): number | undefined } {
  let peakKb = 0;
  const sample = (): void => {
    if (pid === undefined) return;
    for (const p of tree(pid)) {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
        if (match?.[1] !== undefined) peakKb = Math.max(peakKb, Number(match[1]));
      } catch {
        // The process ended between listing and reading.
      }
    }
  };
  const timer = setInterval(sample, 50);
  sample();
  return {
    stop: () => {
      clearInterval(timer);
      return peakKb === 0 ? undefined : peakKb / 1024;
    },
  };
}

function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const p = out[i];
    try {
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim();
        if (children !== "") out.push(...children.split(" ").map(Number));
      }
    } catch {
      // Gone already.
    }
  }
  return out;
}
