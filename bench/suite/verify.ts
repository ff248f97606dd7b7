// Checks of what a run produced against the ground truth: Airbyte messages read from a pipe, the
// files of a standalone sync, DuckDB's Parquet file. Untimed: they run outside the measured runs.
import { createReadStream, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { decompress as zstdDecompress, init as zstdInit } from "@bokuweb/zstd-wasm";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { STREAMS } from "../../src/streams/index.js";
import { StreamDigests } from "./digest.js";

const STREAM_OF_TYPE: Record<string, string> = { task: "tasks", team: "teams", message: "messages" };
const PRIMARY_KEY = new Map<string, readonly string[]>(STREAMS.map((s) => [s.name, s.primaryKey]));

/** A record's primary key as the oracle writes it (test/helpers/truth.ts `rowKey`); undefined when a key column is missing. */
function keyOf(stream: string, data: Record<string, unknown>): string | undefined {
  const columns = PRIMARY_KEY.get(stream) ?? ["gid"];
  const values = columns.map((c) => data[c]);
  return values.every((v) => typeof v === "string") ? values.join("|") : undefined;
}

/** What `read` printed, digested: records per stream, the final STATE record counts, problems. */
export interface ReadCheck {
  digests: StreamDigests;
  stateCounts: Map<string, number>;
  problems: string[];
}

/**
 * The lines of a byte stream, split on "\n" only. Not node:readline: since Node 22 it also breaks
 * lines at U+2028 and U+2029, which JSON strings (Asana notes) may hold unescaped.
 */
async function* jsonLines(input: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let rest = Buffer.alloc(0);
  for await (const chunk of input) {
    let data = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    let nl = data.indexOf(10);
    while (nl !== -1) {
      yield data.toString("utf8", 0, nl);
      data = data.subarray(nl + 1);
      nl = data.indexOf(10);
    }
    rest = Buffer.from(data);
  }
  if (rest.length > 0) yield rest.toString("utf8");
}

/** Consume `read`'s stdout: every line must be a JSON Airbyte message; RECORDs are digested. */
export async function digestAirbyteOutput(stdout: Readable, into: ReadCheck): Promise<void> {
  const lines = jsonLines(stdout);
  let n = 0;
  for await (const line of lines) {
    n++;
    let message: { type?: string; record?: { stream?: string; emitted_at?: unknown; data?: Record<string, unknown> }; state?: unknown; trace?: unknown };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      if (into.problems.length < 5) into.problems.push(`line ${n} is not JSON: ${line.slice(0, 120)}`);
      continue;
    }
    if (message.type === "RECORD") {
      const r = message.record;
      const key = typeof r?.stream === "string" && r.data !== undefined ? keyOf(r.stream, r.data) : undefined;
      if (r?.stream === undefined || key === undefined || typeof r.emitted_at !== "number") {
        if (into.problems.length < 5) into.problems.push(`line ${n}: a RECORD without stream, emitted_at or its primary key`);
        continue;
      }
      into.digests.add(r.stream, key);
    } else if (message.type === "STATE") {
      const s = message.state as { stream?: { stream_descriptor?: { name?: string } }; sourceStats?: { recordCount?: number } };
      const name = s.stream?.stream_descriptor?.name;
      if (name !== undefined) into.stateCounts.set(name, (into.stateCounts.get(name) ?? 0) + (s.sourceStats?.recordCount ?? 0));
    } else if (message.type === "TRACE" && JSON.stringify(message.trace).includes('"ERROR"')) {
      into.problems.push(`a TRACE ERROR: ${line.slice(0, 300)}`);
    }
  }
}

/** Digests of every record's primary key in a sync's output folder (Parquet or JSONL files of each stream). */
export async function digestSyncOutput(outDir: string, streams: readonly string[]): Promise<StreamDigests> {
  const digests = new StreamDigests();
  for (const stream of streams) {
    let names: string[];
    try {
      names = readdirSync(join(outDir, stream)).filter((n) => !n.startsWith("."));
    } catch {
      continue;
    }
    const key = (row: Record<string, unknown>): string => keyOf(stream, row) ?? `(no key: ${JSON.stringify(row).slice(0, 80)})`;
    for (const name of names) {
      const path = join(outDir, stream, name);
      if (name.endsWith(".parquet")) {
        for (const row of await parquetColumns(path, [...(PRIMARY_KEY.get(stream) ?? ["gid"])])) digests.add(stream, key(row));
      } else if (name.endsWith(".jsonl.gz") || name.endsWith(".jsonl")) {
        const input = name.endsWith(".gz") ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
        for await (const line of jsonLines(input)) {
          if (line !== "") digests.add(stream, key(JSON.parse(line) as Record<string, unknown>));
        }
      }
    }
  }
  return digests;
}

/** Digests of a Parquet file holding every resource type (DuckDB's conversion). */
export async function digestMixedParquet(path: string): Promise<StreamDigests> {
  const digests = new StreamDigests();
  for (const row of await parquetColumns(path, ["gid", "resource_type"])) {
    digests.add(STREAM_OF_TYPE[String(row.resource_type)] ?? String(row.resource_type), String(row.gid));
  }
  return digests;
}

let zstdReady: Promise<void> | undefined;

async function parquetColumns(path: string, columns: string[]): Promise<Record<string, unknown>[]> {
  zstdReady ??= zstdInit();
  await zstdReady;
  const file = await asyncBufferFromFile(path);
  return (await parquetReadObjects({ file, columns, compressors: { ZSTD: (input: Uint8Array) => zstdDecompress(input) } })) as Record<string, unknown>[];
}
