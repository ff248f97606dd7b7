// BATCH messages through the built CLI: with batch_config, records go to gzip JSON Lines files under
// storage.root, announced by BATCH messages (file:// manifests) before each stream's final STATE.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { messageProblems, finalStateProblems } from "../helpers/singer-conformance.js";
import { emulatorConfig, scratch, tapSync, type Json } from "../helpers/singer.js";

let em: Emulator;
beforeAll(async () => {
  em = await startEmulator({ seed: 44, tasks: 230, teams: 3, messages: 40 });
});
afterAll(async () => em.close());

const TYPES = { tasks: "task", teams: "team", messages: "message" } as const;

describe("tap-asana-export BATCH", () => {
  it("writes every record of each stream to jsonl.gz files, announced before the stream's final STATE", async () => {
    const root = join(scratch(), "batches");
    const batchConfig = { encoding: { format: "jsonl", compression: "gzip" }, storage: { root: `file://${root}`, prefix: "asana-" }, batch_size: 100 };
    const run = await tapSync({ configs: [emulatorConfig(em), { batch_config: batchConfig }] });
    expect(run.code, run.stderr).toBe(0);
    expect(messageProblems(run)).toEqual([]);
    expect(finalStateProblems(run)).toEqual([]);
    expect(run.messages.some((m) => m.type === "RECORD" || m.type === "ACTIVATE_VERSION")).toBe(false);

    for (const [stream, type] of Object.entries(TYPES)) {
      const batches = run.messages.filter((m) => m.type === "BATCH" && m.stream === stream);
      for (const b of batches) expect(b.encoding).toEqual({ format: "jsonl", compression: "gzip" });
      const files = batches.flatMap((b) => b.manifest as string[]);
      // batch_size 100 rotates files.
      expect(files.length).toBe(Math.ceil(em.workspace.count(type) / 100));
      const records: Json[] = [];
      for (const url of files) {
        const path = fileURLToPath(url);
        expect(path.startsWith(join(root, "asana-"))).toBe(true);
        expect(path).toMatch(/\.jsonl\.gz$/);
        const lines = gunzipSync(readFileSync(path)).toString("utf8").split("\n").filter((l) => l !== "");
        records.push(...lines.map((l) => JSON.parse(l) as Json));
      }
      const gids = records.map((r) => String(r.gid));
      expect(new Set(gids).size).toBe(gids.length);
      expect(gids.sort()).toEqual([...em.workspace.objects(type)].map((o) => o.gid).sort());
      // Raw records, not RECORD messages.
      expect(records.every((r) => r.resource_type === type && !("type" in r && r.type === "RECORD"))).toBe(true);
      // The stream's final STATE (no pending export) follows its last BATCH.
      const lastBatch = run.messages.findLastIndex((m) => m.type === "BATCH" && m.stream === stream);
      const final = run.messages.findIndex((m) => {
        const mark = m.type === "STATE" ? (m.value as { bookmarks: Record<string, Json> }).bookmarks[stream] : undefined;
        return mark !== undefined && mark.pending_export === undefined;
      });
      expect(final).toBeGreaterThan(lastBatch);
    }
    expect(readdirSync(root).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });

  it("writes typed Parquet files when encoding.format is parquet, every record once", async () => {
    const root = scratch();
    const batchConfig = { encoding: { format: "parquet", compression: "gzip" }, storage: { root } };
    const run = await tapSync({ configs: [emulatorConfig(em, { batch_config: batchConfig })] });
    expect(run.code, run.stderr).toBe(0);
    expect(messageProblems(run)).toEqual([]);
    const gunzip = (input: Uint8Array): Uint8Array => gunzipSync(input);
    for (const [stream, type] of Object.entries(TYPES)) {
      const batches = run.messages.filter((m) => m.type === "BATCH" && m.stream === stream);
      expect(batches.map((b) => b.encoding)).toEqual([{ format: "parquet", compression: "gzip" }]);
      const files = batches.flatMap((b) => b.manifest as string[]);
      const rows: Json[] = [];
      for (const url of files) {
        expect(url).toMatch(/\.parquet$/);
        const file = await asyncBufferFromFile(fileURLToPath(url));
        rows.push(...((await parquetReadObjects({ file, columns: ["gid", "resource_type"], compressors: { GZIP: gunzip } })) as Json[]));
      }
      expect(rows.map((r) => String(r.gid)).sort()).toEqual([...em.workspace.objects(type)].map((o) => o.gid).sort());
      expect(rows.every((r) => r.resource_type === type)).toBe(true);
    }
  });

  it("refuses storage other than a local directory, before any export starts", async () => {
    const jobs = em.requests.filter((r) => r.method === "POST").length;
    const batchConfig = { encoding: { format: "jsonl" }, storage: { root: "s3://bucket/prefix" } };
    const run = await tapSync({ configs: [emulatorConfig(em, { batch_config: batchConfig })] });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("config.batch_config.storage.root must be a local directory");
    expect(em.requests.filter((r) => r.method === "POST").length).toBe(jobs);
    expect(existsSync("s3:")).toBe(false);
  });
});
