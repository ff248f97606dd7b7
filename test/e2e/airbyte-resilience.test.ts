// read survives what Asana and the network do (429, 5xx, resets, expired URLs) and exits cleanly
// when its reader goes away.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { SOURCE_BIN } from "../helpers/cli.js";
import { airbyteRead, emulatorConfig, fullCatalog, scratch } from "../helpers/airbyte.js";

let em: Emulator;
beforeAll(async () => {
  em = await startEmulator({ seed: 13, tasks: 2_000, teams: 4, messages: 100 });
});
afterAll(async () => em.close());

describe("read under faults", () => {
  // A 5xx on the POST is not retried (Asana may have started the export): test/reliability/report.test.ts.
  it("retries 429 on the POST, 5xx on the polls and the download, resumes a reset download, refreshes an expired URL", async () => {
    em.faults.arm({ kind: "rate-limit", target: "create-export", retryAfterSeconds: 1 });
    em.faults.arm({ kind: "status", status: 503, target: "get-job" });
    em.faults.arm({ kind: "status", status: 500, target: "get-job", times: 2 });
    em.faults.arm({ kind: "status", status: 502, target: "download" });
    em.faults.arm({ kind: "reset", target: "download", afterBytes: 200_000 });
    em.faults.arm({ kind: "expire-url" });
    const r = await airbyteRead(emulatorConfig(em), fullCatalog());
    expect(r.code, r.stderr).toBe(0);
    for (const [stream, type] of [["tasks", "task"], ["teams", "team"], ["messages", "message"]] as const) {
      const got = (r.records.get(stream) ?? []).map((x) => String(x.gid));
      expect(new Set(got).size).toBe(got.length);
      expect(got.length).toBe(em.workspace.count(type));
    }
    const logs = r.messages.filter((m) => m.type === "LOG").map((m) => String((m.log as { message: string }).message));
    expect(logs.some((l) => /retry 1 of 8/.test(l))).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(em.token);
    expect(r.stdout + r.stderr).not.toMatch(/X-Amz-Signature=[0-9a-f]/i);
    expect(em.downloadsWithAuthorization).toBe(0);
    const ranges = em.requests.filter((q) => q.role === "storage" && q.status === 206);
    expect(ranges.length).toBeGreaterThanOrEqual(1);
  });

  it("exits 0 without a stack trace when stdout is closed early", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "c.json"), JSON.stringify(emulatorConfig(em)));
    writeFileSync(join(dir, "k.json"), JSON.stringify(fullCatalog()));
    const child = spawn(process.execPath, [SOURCE_BIN, "read", "--config", join(dir, "c.json"), "--catalog", join(dir, "k.json")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    let seen = 0;
    child.stdout.on("data", (b: Buffer) => {
      seen += b.length;
      if (seen > 10_000) child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/at .*\.js:\d+/);
    expect(stderr).not.toMatch(/EPIPE/);
  });
});
