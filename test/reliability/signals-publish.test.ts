// SIGTERM while `sync` publishes its output (renames its files, writes its manifest, then its state):
// publishing is completed, never cut in half, so the exit code agrees with the state: 0 and the state
// advanced, saying the signal came while publishing. A signal before publishing began ends the run
// with 143 and the state untouched (signals.test.ts, "SIGTERM while downloading").
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/source-main.js";
import { InterruptedError } from "../../src/cli/signals.js";
import { systemClock } from "../../src/core/clock.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { manifestSchema } from "../../src/sinks/standalone-manifest.js";
import { emulatorConfig, scratch } from "../helpers/airbyte.js";
import { SOURCE_BIN } from "../helpers/cli.js";
import { filesUnder } from "./expect.js";
import { SMALL } from "./harness.js";

let em: Emulator;
beforeAll(async () => {
  em = await startEmulator({ seed: 181, ...SMALL });
});
afterAll(async () => em.close());

/** Text written to a stream, as it arrives. */
function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (b: Buffer) => (text += b.toString()));
  return { stream, text: () => text };
}

describe("SIGTERM while publishing", () => {
  it("the signal arrives as publishing begins: publishing completes, exit 0, the state advanced and every published file listed; the run says so", async () => {
    const out = join(scratch(), "out");
    const config = join(scratch(), "config.json");
    writeFileSync(config, JSON.stringify(emulatorConfig(em)));
    const stop = new AbortController();
    const stdout = sink();
    const stderr = sink();
    let shielded = 0;
    const code = await main(["sync", "--config", config, "--out", out, "--format", "jsonl"], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: { ...process.env, ASANA_SERVICE_ACCOUNT_TOKEN: "" },
      clock: systemClock,
      isTTY: false,
      signal: stop.signal,
      // What the process's signal handler does, at the moment the sink starts publishing.
      shield: async (work) => {
        shielded++;
        stop.abort(new InterruptedError("SIGTERM"));
        return work();
      },
    });
    expect(shielded).toBe(1);
    expect(code, stderr.text().slice(-1500)).toBe(0);
    expect(stderr.text()).toContain("SIGTERM arrived while the sync was publishing its output; publishing was completed first, so the state advanced and the sync succeeded.");
    // The state advanced: it names this export's created_at, as the manifest does.
    const summary = JSON.parse(stdout.text().trim().split("\n").at(-1) ?? "{}") as { manifest: string; export_created_at: string };
    const state = JSON.parse(readFileSync(join(out, "_state.json"), "utf8")) as { bookmarks: { tasks: { cursor: string; pending_export?: unknown } } };
    expect(state.bookmarks.tasks.cursor).toBe(summary.export_created_at);
    expect(state.bookmarks.tasks.pending_export).toBeUndefined();
    const manifest = manifestSchema.parse(JSON.parse(readFileSync(summary.manifest, "utf8")));
    const listed = Object.values(manifest.streams).flatMap((s) => s.files.map((f) => f.path));
    expect(filesUnder(out).filter((f) => !f.startsWith("_manifests/") && f !== "_state.json").sort()).toEqual(listed.sort());
    expect(filesUnder(out, true).filter((f) => f.endsWith(".partial") || f.endsWith(".pending"))).toEqual([]);
  });

  it("the forced exit that follows a signal waits for publishing: work that outlasts the grace period completes, and the process exits 0", async () => {
    const dir = scratch();
    const marker = join(dir, "published");
    const script = join(dir, "publish.mjs");
    const signals = pathToFileURL(join(SOURCE_BIN, "..", "signals.js")).href;
    // The shielded work is a stand-in for a slow publish: it takes six grace periods.
    writeFileSync(
      script,
      `import { writeFileSync } from "node:fs";\n` +
        `import { stopOnSignals } from ${JSON.stringify(signals)};\n` +
        `const stop = stopOnSignals(100);\n` +
        `await stop.shield(async () => {\n` +
        `  process.kill(process.pid, "SIGTERM");\n` +
        `  await new Promise((resolve) => setTimeout(resolve, 600));\n` +
        `  writeFileSync(${JSON.stringify(marker)}, "published");\n` +
        `});\n` +
        `stop.dispose();\n` +
        `process.stdout.write(stop.signal.aborted ? "stopped after publishing\\n" : "never stopped\\n");\n`,
    );
    const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(existsSync(marker)).toBe(true);
    expect(stdout).toBe("stopped after publishing\n");
    expect(code).toBe(0);
  });
});
