// `npm run demo` end to end (the built demo, as `npm run demo` runs it after building): emulator,
// full sync, changes, incremental sync, and the DuckDB query. Its wall time is measured by the bench
// (`npm run bench -- --only demo`), not here.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { scratch } from "../helpers/airbyte.js";
import { SAFETY_KILL_MS } from "../helpers/cli.js";
import { listFiles, manifests } from "./sync-helpers.js";

const DEMO_BIN = fileURLToPath(new URL("../../dist/src/cli/demo-main.js", import.meta.url));

/** Run a built program that prints prose; resolves with its exit code and output. */
function runProgram(bin: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), SAFETY_KILL_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("npm run demo", () => {
  it("syncs the emulator twice into ./demo-output and queries the files with DuckDB", async () => {
    const cwd = scratch();
    const r = await runProgram(DEMO_BIN, cwd);
    expect(r.code, r.stderr).toBe(0);
    const out = join(cwd, "demo-output");
    const written = manifests(out);
    expect(written).toHaveLength(2);
    const [full, incremental] = [...written].sort((a, b) => a.export_created_at.localeCompare(b.export_created_at));
    expect(full?.streams.tasks?.rows).toBeGreaterThan(1000);
    expect(incremental?.streams.tasks?.rows).toBeGreaterThan(0);
    expect(incremental?.streams.tasks?.rows).toBeLessThan(full?.streams.tasks?.rows ?? 0);
    expect(existsSync(join(out, "_state.json"))).toBe(true);
    // Every stream has a file in the full sync; the incremental one writes only the streams with rows.
    const listed = written.flatMap((m) => Object.values(m.streams).flatMap((s) => s.files.map((f) => f.path)));
    expect(listFiles(out).filter((f) => f.endsWith(".parquet")).sort()).toEqual(listed.sort());
    expect(Object.values(full?.streams ?? {}).every((s) => s.files.length === 1)).toBe(true);
    expect(r.stdout).toMatch(/project\s+section\s+tasks/);
    expect(r.stdout).toContain("Full sync to Parquet");
    expect(r.stdout).toContain("Incremental sync");
    expect(r.stdout).toMatch(/Cursor now: \d{4}-\d{2}-\d{2}T/);
    expect(r.stdout).toMatch(/priority\s+tasks\s+completed/);
    expect(r.stdout).toContain("Critical 🔥");
  });
});
