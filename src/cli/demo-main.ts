#!/usr/bin/env node
// `npm run demo`: the whole standalone path offline. Starts the emulator in this process with a
// seeded workspace, syncs it in full to ./demo-output as Parquet, changes the workspace, syncs
// incrementally, then shows the files, rows per stream, the cursor and a DuckDB query over the files.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { Redactor } from "../core/redact.js";
import { startEmulator } from "../emulator/index.js";
import { LineWriter } from "../sinks/output.js";
import { manifestSchema, type Manifest } from "../sinks/standalone-manifest.js";
import type { SyncResult } from "../sinks/standalone.js";
import { processRuntime, type Runtime } from "./context.js";
import { isMainModule } from "./entry.js";
import { runDemoQuery } from "./demo-query.js";
import { summaryTable } from "./progress-format.js";
import { syncCommand } from "./sync.js";

/** Demo settings: small enough for well under a minute on 2 cores. */
export interface DemoOptions {
  outDir: string;
  seed: number;
  tasks: number;
  teams: number;
  messages: number;
}

const DEFAULTS: DemoOptions = { outDir: "demo-output", seed: 2024, tasks: 3_000, teams: 8, messages: 400 };

function heading(out: NodeJS.WritableStream, text: string): void {
  out.write(`\n== ${text} ${"=".repeat(Math.max(0, 70 - text.length))}\n`);
}

async function sync(configPath: string, runtime: Runtime): Promise<SyncResult> {
  // The JSON summary line goes to a throwaway writer: the demo prints its own account.
  const quiet = new LineWriter(new PassThrough().resume());
  return syncCommand(["--config", configPath], runtime, quiet, new Redactor());
}

async function manifest(result: SyncResult): Promise<Manifest> {
  return manifestSchema.parse(JSON.parse(await readFile(result.manifestPath, "utf8")));
}

/** Run the demo; returns the exit code. */
export async function runDemo(options: DemoOptions = DEFAULTS, runtime: Runtime = processRuntime()): Promise<number> {
  // The account goes to stdout; each sync's progress display and summary to stderr.
  const out = runtime.stdout;
  const started = Date.now();
  const outDir = resolve(options.outDir);
  await rm(outDir, { recursive: true, force: true });
  const emulator = await startEmulator({ seed: options.seed, tasks: options.tasks, teams: options.teams, messages: options.messages });
  const scratch = await mkdtemp(join(tmpdir(), "asana-export-demo-"));
  try {
    const configPath = join(scratch, "config.json");
    const config = {
      workspace: emulator.workspaceGid,
      service_account_token: emulator.token,
      base_url: emulator.baseUrl,
      poll_interval_seconds: 0.2,
      // The emulator's changes happen right after the first export: no overlap is needed to catch them.
      lookback_window_seconds: 0,
      output: { path: outDir, format: "parquet", compression: "zstd" },
    };
    await writeFile(configPath, JSON.stringify(config, null, 2));
    out.write(
      `Asana export emulator at ${emulator.baseUrl}: workspace ${emulator.workspaceGid} (seed ${options.seed}) with ` +
        `${emulator.workspace.count("task")} tasks, ${emulator.workspace.count("team")} teams, ${emulator.workspace.count("message")} messages.\n`,
    );

    heading(out, "1. Full sync to Parquet");
    out.write(`$ source-asana-export sync --config config.json   (output.path = ${outDir})\n\n`);
    const first = await sync(configPath, runtime);

    heading(out, "2. The workspace changes");
    const changes = emulator.workspace.mutate({ creates: 25, modifies: 60, deletes: 5 });
    out.write(`Created ${changes.created.length}, modified ${changes.modified.length}, deleted ${changes.deleted.length} tasks and messages.\n`);

    heading(out, "3. Incremental sync (only what changed since the cursor)");
    out.write(`$ source-asana-export sync --config config.json   (state: ${first.statePath})\n\n`);
    const second = await sync(configPath, runtime);

    heading(out, "4. What is on disk");
    for (const result of [first, second]) {
      const m = await manifest(result);
      out.write(`manifest _manifests/${m.export_gid}.json (export created ${m.export_created_at}):\n`);
      for (const [stream, entry] of Object.entries(m.streams)) {
        for (const f of entry.files) out.write(`  ${f.path.padEnd(48)} ${String(f.rows).padStart(6)} rows ${String(f.bytes).padStart(9)} bytes\n`);
        if (entry.files.length === 0) out.write(`  ${`${stream}/ (no changes)`.padEnd(48)}\n`);
      }
    }
    out.write(`\nRows per stream, second sync:\n${summaryTable(second)}`);
    out.write(`Cursor now: ${second.streams.find((s) => s.stream === "tasks")?.cursor ?? "(none)"} (the second export's created_at)\n`);
    out.write(`State file ${second.statePath}:\n${await readFile(second.statePath, "utf8")}`);

    heading(out, "5. DuckDB over the files");
    await runDemoQuery(outDir, out);
    out.write(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Files are in ${outDir}.\n`);
    return 0;
  } finally {
    await emulator.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

if (isMainModule(import.meta.url)) {
  try {
    process.exitCode = await runDemo();
  } catch (error) {
    process.stderr.write(`demo failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
