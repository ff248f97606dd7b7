// Runs the built CLI as users do: a child process, stdout lines parsed as JSON messages.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * A child still running after this long is killed: a safety net so that a hung run ends, never a
 * measurement (vitest's testTimeout, a little longer, reports the failure).
 */
export const SAFETY_KILL_MS = 150_000;

export const SOURCE_BIN = fileURLToPath(new URL("../../dist/src/cli/source-main.js", import.meta.url));
export const TAP_BIN = fileURLToPath(new URL("../../dist/src/cli/tap-main.js", import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout lines parsed as JSON (every line must be JSON). */
  messages: Record<string, unknown>[];
}

/** Run a built bin with args; resolves when it exits (killed after `timeoutMs`, default SAFETY_KILL_MS). */
export function runCli(bin: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run 'npm run build' first (npm test does).`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ASANA_SERVICE_ACCOUNT_TOKEN: "", ...options.env },
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? SAFETY_KILL_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      const lines = stdout.split("\n").filter((l) => l.trim() !== "");
      let messages: Record<string, unknown>[];
      try {
        messages = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      } catch (error) {
        reject(new Error(`stdout has a line that is not JSON: ${(error as Error).message}\n${stdout.slice(0, 2000)}`));
        return;
      }
      resolve({ code, signal, stdout, stderr: Buffer.concat(err).toString("utf8"), messages });
    });
  });
}

/** Messages of one type. */
export function ofType(messages: readonly Record<string, unknown>[], type: string): Record<string, unknown>[] {
  return messages.filter((m) => m.type === type);
}
