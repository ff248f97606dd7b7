#!/usr/bin/env node
// Two incremental Airbyte reads against the emulator, with the workspace changed in between, so you
// see exactly the changes arrive in the second read. Run from a checkout (after `npm ci && npm run
// build`) or from the installed package's folder:
//
//   node examples/incremental-read.mjs
//
// It starts the emulator in this process, runs `source-asana-export read` with
// examples/airbyte/configured_catalog.json and examples/airbyte/state.json (cursors at 2024-06-01),
// creates, modifies and deletes some tasks and messages, and reads again with the state the first
// read ended with.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../dist/src/emulator/index.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const bin = join(here, "..", "dist", "src", "cli", "source-main.js");
const catalog = join(here, "airbyte", "configured_catalog.json");
const initialState = join(here, "airbyte", "state.json");

/** Run `read`; returns its records and its last STATE message per stream. */
function read(configPath, statePath) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "read", "--config", configPath, "--catalog", catalog, "--state", statePath], { stdio: ["ignore", "pipe", "inherit"] });
    let buffered = "";
    const records = [];
    const states = new Map();
    child.stdout.setEncoding("utf8").on("data", (text) => {
      buffered += text;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "") continue;
        const message = JSON.parse(line);
        if (message.type === "RECORD") records.push(message.record);
        if (message.type === "STATE") states.set(message.state.stream.stream_descriptor.name, message.state);
      }
    });
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve({ records, states: [...states.values()] }) : reject(new Error(`read exited with ${code}`))));
  });
}

function perStream(records) {
  const counts = {};
  for (const r of records) counts[r.stream] = (counts[r.stream] ?? 0) + 1;
  const order = ["tasks", "messages", "teams"];
  return Object.entries(counts)
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([stream, n]) => `${stream} ${n}`)
    .join(", ");
}

const emulator = await startEmulator({ seed: 7, tasks: 400, teams: 3, messages: 40 });
const scratch = await mkdtemp(join(tmpdir(), "asana-export-example-"));
try {
  const configPath = join(scratch, "config.json");
  await writeFile(configPath, JSON.stringify({ workspace: emulator.workspaceGid, service_account_token: emulator.token, base_url: emulator.baseUrl, poll_interval_seconds: 0.2 }));
  console.log(`Emulator at ${emulator.baseUrl}: workspace ${emulator.workspaceGid}, ${emulator.workspace.count("task")} tasks, ${emulator.workspace.count("message")} messages.\n`);

  console.log("1. read with examples/airbyte/state.json (cursors at 2024-06-01)");
  const first = await read(configPath, initialState);
  console.log(`   ${first.records.length} records: ${perStream(first.records)}`);
  for (const s of first.states) console.log(`   state of ${s.stream.stream_descriptor.name}: ${JSON.stringify(s.stream.stream_state)}`);
  const statePath = join(scratch, "state.json");
  await writeFile(statePath, JSON.stringify(first.states, null, 2));

  console.log("\n2. the workspace changes");
  const tasks = [...emulator.workspace.objects("task")];
  const created = [emulator.workspace.create("task"), emulator.workspace.create("task"), emulator.workspace.create("message")];
  const modified = tasks.slice(0, 3).map((t) => emulator.workspace.modify("task", t.gid));
  const deleted = tasks.slice(3, 5).map((t) => t.gid);
  for (const gid of deleted) emulator.workspace.remove("task", gid);
  for (const o of created) console.log(`   created  ${o.resource_type} ${o.gid}`);
  for (const o of modified) console.log(`   modified ${o.resource_type} ${o.gid} (modified_at ${o.modified_at})`);
  for (const gid of deleted) console.log(`   deleted  task ${gid}`);

  console.log("\n3. read again with the state the first read ended with");
  const second = await read(configPath, statePath);
  console.log(`   ${second.records.length} records: ${perStream(second.records)}`);
  const changed = new Set([...created, ...modified].map((o) => o.gid));
  for (const r of second.records.filter((r) => r.stream !== "teams")) {
    const what = r.data._ab_cdc_deleted_at !== undefined ? `(deleted at ${r.data._ab_cdc_deleted_at})` : changed.has(r.data.gid) ? "(changed)" : "";
    console.log(`   ${r.stream.padEnd(8)} ${r.data.gid} ${what}`);
  }
  console.log("   teams are full refresh: every team again. A deleted task comes once, as a record with _ab_cdc_deleted_at.");
} finally {
  await emulator.close();
  await rm(scratch, { recursive: true, force: true });
}
