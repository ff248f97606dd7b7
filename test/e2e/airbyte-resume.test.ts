// A read killed while the export runs leaves a state naming the job; the next read resumes that job
// instead of starting another (which the workspace's single export slot would refuse).
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { STREAM_NAMES } from "../../src/streams/index.js";
import { SOURCE_BIN } from "../helpers/cli.js";
import { airbyteRead, emulatorConfig, fullCatalog, scratch, type Json } from "../helpers/airbyte.js";

let em: Emulator;
let offset = 0;
const clock = { now: () => Date.now() + offset };
beforeAll(async () => {
  em = await startEmulator({ seed: 21, tasks: 120, teams: 3, messages: 30, clock, jobMsUntilDone: 3_600_000 });
});
afterAll(async () => em.close());

/** Start a read, return the first STATE of every stream (naming its pending job), then kill it with the signal. */
function readUntilFirstState(config: Json, catalog: Json, signal: NodeJS.Signals): Promise<Json> {
  const dir = scratch();
  writeFileSync(join(dir, "c.json"), JSON.stringify(config));
  writeFileSync(join(dir, "k.json"), JSON.stringify(catalog));
  const child = spawn(process.execPath, [SOURCE_BIN, "read", "--config", join(dir, "c.json"), "--catalog", join(dir, "k.json")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let buffer = "";
    const states: Json[] = [];
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const m = JSON.parse(line) as Json;
        if (m.type === "STATE") {
          states.push(m.state as Json);
          if (states.length === STREAM_NAMES.length) child.kill(signal);
        }
      }
    });
    child.on("error", reject);
    child.on("close", () => (states.length === STREAM_NAMES.length ? resolve({ states }) : reject(new Error("no pending state before exit"))));
  });
}

describe("resume a recorded export job", () => {
  it("a killed read's pending state makes the next read resume the same job, with no second POST", async () => {
    const config = emulatorConfig(em, { poll_interval_seconds: 0.2 });
    const catalog = fullCatalog();
    const { states } = (await readUntilFirstState(config, catalog, "SIGKILL")) as { states: Json[] };
    const pending = (states[0] as { stream: { stream_state: { pending_export: { job_gid: string } } } }).stream.stream_state.pending_export;
    expect(pending.job_gid).toMatch(/^\d+$/);
    const posts = () => em.requests.filter((q) => q.method === "POST").length;
    expect(posts()).toBe(1);

    offset += 3_600_000; // the export finishes while nobody watches
    const r = await airbyteRead(config, catalog, states);
    expect(r.code, r.stderr).toBe(0);
    expect(posts()).toBe(1);
    expect(r.messages.some((m) => m.type === "LOG" && String((m.log as Json).message).includes(`Resuming export job ${pending.job_gid}`))).toBe(true);
    expect((r.records.get("tasks") ?? []).length).toBe(em.workspace.count("task"));
    const tasksState = r.finalState.find((s) => (s.stream as { stream_descriptor: { name: string } }).stream_descriptor.name === "tasks") as {
      stream: { stream_state: Json };
    };
    expect(tasksState.stream.stream_state.pending_export).toBeUndefined();
    expect(tasksState.stream.stream_state.cursor).toMatch(/^\d{4}-/);
  });
});
