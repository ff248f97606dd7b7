// The reader of stdout goes away early: the process exits 0 at once, without a stack trace or an
// EPIPE message (like `| head`). read: mid-stream; sync: before its summary line, after which the
// files it published and its state are still complete.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { SOURCE_BIN } from "../helpers/cli.js";
import { expectNoStackTrace, filesUnder } from "./expect.js";
import { SMALL, runArgs, type Side } from "./harness.js";

let em: Emulator;
beforeAll(async () => {
  em = await startEmulator({ seed: 121, ...SMALL });
});
afterAll(async () => em.close());

/** Run a side, destroying our end of its stdout once `closeAfter` bytes arrived (0: at once). */
function withStdoutClosed(side: Side, closeAfter: number): Promise<{ code: number | null; stderr: string; out: string | undefined; seen: number }> {
  const { args, out } = runArgs(side, em, {});
  const child = spawn(process.execPath, [SOURCE_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ASANA_SERVICE_ACCOUNT_TOKEN: "" } });
  let stderr = "";
  let seen = 0;
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  if (closeAfter === 0) child.stdout.destroy();
  else
    child.stdout.on("data", (b: Buffer) => {
      seen += b.length;
      if (seen >= closeAfter) child.stdout.destroy();
    });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr, out, seen })));
}

// Two independent runs without faults: run them at once.
describe.concurrent("stdout closed early", () => {
  it("read: the reader leaves after 10 kB; clean exit 0", async () => {
    const r = await withStdoutClosed("read", 10_000);
    expect(r.seen).toBeGreaterThanOrEqual(10_000);
    expect(r.code).toBe(0);
    expectNoStackTrace({ stderr: r.stderr, stdout: "" });
    expect(r.stderr).not.toMatch(/EPIPE|ERR_STREAM/);
  });

  it("sync: stdout closed from the start; clean exit 0, files and state published", async () => {
    const r = await withStdoutClosed("sync", 0);
    expect(r.code, r.stderr).toBe(0);
    expectNoStackTrace({ stderr: r.stderr, stdout: "" });
    expect(r.stderr).not.toMatch(/EPIPE|ERR_STREAM/);
    const out = r.out ?? "";
    expect(existsSync(join(out, "_state.json"))).toBe(true);
    expect(filesUnder(out).filter((f) => f.startsWith("_manifests/"))).toHaveLength(1);
  });
});
