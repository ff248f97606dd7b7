// Benchmark of the export-file hot path against Node's plain gunzip (the floor).
//   npx tsc -p tsconfig.json && node dist/bench/export-file-decode.js [--lines 200000] [--runs 3]
// Each measurement runs in its own process (fresh heap and JIT), interleaved across runs, because
// this kind of VM drifts by tens of percent: compare the ratios of one run, not absolute times.
import { execFileSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, renameSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createGunzip, createGzip } from "node:zlib";
import { decodeExport } from "../src/export-file/decode.js";
import { GidSet } from "../src/export-file/gid-set.js";
import { LineSplitter } from "../src/export-file/lines.js";

// gunzip is the floor (zlib defaults); gunzip-256k is the same with the chunk size decode uses.
// parse-isutf8 / parse-fatal price UTF-8 validation per line (decode validates per chunk instead).
const MODES = ["gunzip", "gunzip-256k", "split", "parse", "parse-isutf8", "parse-fatal", "decode"] as const;
type Mode = (typeof MODES)[number];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

// A small deterministic PRNG so every run benchmarks the same bytes.
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const WORDS = ["review", "launch", "budget", "Überprüfung", "计划", "roadmap", "café", "naïve", "🚀", "Q3", "spec", "ship"];

function task(rand: () => number, gid: number): string {
  const ref = (type: string): { gid: string; resource_type: string; name: string } => ({
    gid: String(1200000000000000 + Math.floor(rand() * 1e9)),
    resource_type: type,
    name: `${WORDS[Math.floor(rand() * WORDS.length)]} ${Math.floor(rand() * 1000)}`,
  });
  const text = (n: number): string => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ");
  const date = (): string => new Date(1.6e12 + Math.floor(rand() * 1e11)).toISOString();
  return JSON.stringify({
    gid: String(gid),
    resource_type: "task",
    name: text(6),
    resource_subtype: "default_task",
    approval_status: null,
    assignee_status: "upcoming",
    completed: rand() < 0.5,
    completed_at: rand() < 0.5 ? date() : null,
    completed_by: rand() < 0.5 ? ref("user") : null,
    created_at: date(),
    modified_at: date(),
    due_on: "2025-03-01",
    due_at: null,
    liked: false,
    likes: [{ gid: String(gid + 1), user: ref("user") }],
    memberships: [{ project: ref("project"), section: ref("section") }],
    notes: text(40),
    num_likes: 1,
    assignee: ref("user"),
    custom_fields: [
      { gid: "1201", name: "Priority", type: "enum", display_value: "High", enum_value: { gid: "1202", name: "High", color: "red", enabled: true } },
      { gid: "1203", name: "Estimate", type: "number", display_value: "3", number_value: 3 },
    ],
    followers: [ref("user"), ref("user")],
    parent: null,
    projects: [ref("project")],
    tags: [ref("tag")],
    workspace: ref("workspace"),
    permalink_url: `https://app.asana.com/0/0/${gid}`,
    attachments: [],
    stories: [{ gid: String(gid + 2), created_at: date(), text: text(12), type: "comment" }],
  });
}

async function generate(file: string, lines: number): Promise<void> {
  const rand = prng(42);
  const gzip = createGzip({ level: 6 });
  const out = createWriteStream(`${file}.part`);
  gzip.pipe(out);
  for (let i = 0; i < lines; i++) {
    if (!gzip.write(`${task(rand, 1200000000000000 + i * 7)}\n`)) await once(gzip, "drain");
  }
  gzip.end();
  await once(out, "close");
  renameSync(`${file}.part`, file);
}

// 64 KB reads, about what a download hands over; every mode reads the file the same way.
function source(file: string): AsyncIterable<Buffer> & NodeJS.ReadableStream {
  return createReadStream(file, { highWaterMark: 64 * 1024 });
}

async function runOne(mode: Mode, file: string): Promise<number> {
  if (mode === "decode") {
    let records = 0;
    for await (const batch of decodeExport(source(file))) records += batch.length;
    return records;
  }
  const splitter = new LineSplitter();
  const fatal = new TextDecoder("utf-8", { fatal: true });
  const { isUtf8 } = await import("node:buffer");
  let count = 0;
  const onLine = (buf: Buffer, start: number, end: number): void => {
    if (mode === "split") count++;
    else if (mode === "parse-fatal") count += JSON.parse(fatal.decode(buf.subarray(start, end))) === null ? 0 : 1;
    else {
      if (mode === "parse-isutf8" && !isUtf8(buf.subarray(start, end))) throw new Error("not utf-8");
      count += JSON.parse(buf.toString("utf8", start, end)) === null ? 0 : 1;
    }
  };
  const gunzip = createGunzip(mode === "gunzip-256k" ? { chunkSize: 256 * 1024 } : {});
  for await (const chunk of source(file).pipe(gunzip)) {
    const buf = chunk as Buffer;
    if (mode === "gunzip" || mode === "gunzip-256k") count += buf.length;
    else splitter.push(buf, onLine);
  }
  splitter.end(onLine);
  return count;
}

const GID_SETS = ["GidSet", "Set<number>", "Set<string>"] as const;

/** MB held by one million 16-digit gids in one structure (run alone, with --expose-gc). */
function gidMemory(kind: string): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  const gids = Array.from({ length: 1_000_000 }, (_, i) => String(1200000000000000 + i * 7919));
  gc();
  gc();
  const before = process.memoryUsage();
  let kept: unknown;
  if (kind === "GidSet") kept = gids.reduce((s, g) => (s.add(g), s), new GidSet());
  else if (kind === "Set<number>") kept = gids.reduce((s, g) => s.add(Number(g)), new Set<number>());
  // Fresh copies, as the strings of parsed lines would be: the array's own strings are shared.
  else kept = gids.reduce((s, g) => s.add(JSON.parse(`"${g}"`) as string), new Set<string>());
  gc();
  gc();
  const after = process.memoryUsage();
  const bytes = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
  return kept === undefined ? 0 : Math.round(bytes / 1e4) / 100;
}

async function child(): Promise<void> {
  const mode = process.argv[3] as Mode | "gids";
  if (mode === "gids") {
    process.stdout.write(JSON.stringify(gidMemory(process.argv[4] ?? "")));
    return;
  }
  const started = performance.now();
  const cpu = process.cpuUsage();
  const count = await runOne(mode, process.argv[4] ?? "");
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  process.stdout.write(JSON.stringify({ ms, cpuMs, count, rssMb: process.resourceUsage().maxRSS / 1024 }));
}

async function main(): Promise<void> {
  const lines = arg("--lines", 200_000);
  const runs = arg("--runs", 3);
  const file = join(tmpdir(), `asana-export-bench-${lines}.jsonl.gz`);
  if (!existsSync(file)) await generate(file, lines);
  console.log(`${file}: ${lines} lines, ${(statSync(file).size / 1e6).toFixed(1)} MB gzip`);
  const self = fileURLToPath(import.meta.url);
  const times = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
  const cpus = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
  const rss = new Map<Mode, number>();
  for (let r = 0; r < runs; r++) {
    for (const mode of MODES) {
      const out = JSON.parse(execFileSync(process.execPath, [self, "--child", mode, file], { encoding: "utf8" })) as {
        ms: number;
        cpuMs: number;
        rssMb: number;
      };
      times.get(mode)?.push(out.ms);
      cpus.get(mode)?.push(out.cpuMs);
      rss.set(mode, Math.max(rss.get(mode) ?? 0, out.rssMb));
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const floor = median(times.get("gunzip") ?? []);
  const cpuFloor = median(cpus.get("gunzip") ?? []);
  const cell = (n: number, width: number, digits = 0): string => n.toFixed(digits).padStart(width);
  console.log("mode            wall ms  x gunzip   cpu ms  x gunzip  peak RSS MB");
  for (const mode of MODES) {
    const ms = median(times.get(mode) ?? []);
    const cpu = median(cpus.get(mode) ?? []);
    console.log(
      `${mode.padEnd(15)}${cell(ms, 8)}${cell(ms / floor, 10, 2)}${cell(cpu, 9)}${cell(cpu / cpuFloor, 10, 2)}` +
        `${cell(rss.get(mode) ?? 0, 13)}`,
    );
  }
  for (const kind of GID_SETS) {
    const mb = execFileSync(process.execPath, ["--expose-gc", self, "--child", "gids", kind], { encoding: "utf8" });
    console.log(`1,000,000 gids in ${kind}: ${mb} MB`);
  }
}

await (process.argv[2] === "--child" ? child() : main());
