// The candidates of the suite: what each runs, whether it can run here, and how its output is checked.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { STREAM_NAMES } from "../../src/streams/index.js";
import type { Fixture } from "./fixture.js";
import { INCREMENTAL_CASES } from "./incremental-cases.js";
import type { IncrementalFixture } from "./incremental-fixture.js";
import { measure, type Measured, type RunSpec } from "./measure.js";
import { sigtermCase } from "./signal.js";
import { digestAirbyteOutput, digestMixedParquet, digestSyncOutput, type ReadCheck } from "./verify.js";
import { StreamDigests } from "./digest.js";
import { TOP_LEVEL } from "./top-level.js";

/** Paths the cases need. */
export interface CaseContext {
  fixture: Fixture;
  /** The repository root (sources, node_modules). */
  root: string;
  /** Compiled output of the repository (dist/). */
  dist: string;
  /** Scratch outputs (bench/out). */
  out: string;
  /** The deletion-tracking cases' own emulator and jobs, prepared when one of them is selected. */
  incremental?: IncrementalFixture;
}

export interface BenchCase {
  id: string;
  label: string;
  /** Whether it reports records (the floors only decompress). */
  emitsRecords: boolean;
  /** It emits the rows of all fifteen streams (its records/s counts them all). */
  allStreams?: boolean;
  /** Why it cannot run here, if it cannot. */
  skip(ctx: CaseContext): string | undefined;
  /** The command of one timed run (may prepare files first); `measure` times it from spawn to exit. */
  spec?(ctx: CaseContext): RunSpec;
  /** One timed run it measures itself (instead of `spec`), e.g. from a signal to the exit. */
  run?(ctx: CaseContext): Promise<Measured>;
  /** It times one event, not a pass over the export: the ratio and throughput columns stay empty. */
  timesAnEvent?: boolean;
  /** The exit code of a good run (default 0). */
  expectedExit?: number;
  /** Problems with a timed run's output (run after it, untimed). */
  check?(ctx: CaseContext, run: Measured): Promise<string[]>;
  /** A separate, untimed run whose output is checked record by record. */
  verify?(ctx: CaseContext): Promise<string[]>;
}

const node = process.execPath;
const cli = (ctx: CaseContext): string => join(ctx.dist, "src/cli/source-main.js");

function onPath(command: string, versionFlag = "--version"): boolean {
  const probe = spawnSync(command, [versionFlag], { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0;
}

/** The JSON object a child printed last on stderr. */
function lastJson(stderr: string): Record<string, unknown> | undefined {
  const line = stderr.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  try {
    return line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

function expectBytes(ctx: CaseContext, run: Measured): string[] {
  const bytes = lastJson(run.stderr)?.bytes;
  return bytes === ctx.fixture.uncompressedBytes ? [] : [`decompressed ${String(bytes)} bytes, expected ${ctx.fixture.uncompressedBytes}`];
}

/** Which streams a case selects: the export's own three, or all fifteen. */
type Selection = "top" | "all";

function diffProblems(got: StreamDigests, ctx: CaseContext, selection: Selection = "top"): string[] {
  return got.diff(selection === "all" ? ctx.fixture.truthAll : ctx.fixture.truth);
}

function readArgs(ctx: CaseContext, selection: Selection = "top"): string[] {
  const f = ctx.fixture;
  return [cli(ctx), "read", "--config", f.configPath, "--catalog", selection === "all" ? f.catalogAllPath : f.catalogPath, "--state", selection === "all" ? f.readStateAllPath : f.readStatePath];
}

/** `read` with a catalog of some streams, its verification run checking every record's key and the STATE counts. */
function readCase(selection: Selection): BenchCase {
  return {
    id: selection === "all" ? "read-all" : "read",
    label:
      selection === "all"
        ? "our `read` (all 15 streams: the 3 and the 12 derived from the same lines), to /dev/null"
        : "our `read` (3 streams, whole CLI incl. the export job), to /dev/null",
    emitsRecords: true,
    ...(selection === "all" ? { allStreams: true } : {}),
    skip: () => undefined,
    spec: (ctx) => ({ command: node, args: readArgs(ctx, selection) }),
    verify: async (ctx) => {
      const check: ReadCheck = { digests: new StreamDigests(), stateCounts: new Map(), problems: [] };
      const run = await measure({ command: node, args: readArgs(ctx, selection), stdout: (stdout) => digestAirbyteOutput(stdout, check) });
      const problems = [...check.problems];
      if (run.exitCode !== 0) problems.push(`exited with ${run.exitCode ?? run.signal}: ${run.stderr.slice(-500)}`);
      problems.push(...diffProblems(check.digests, ctx, selection));
      for (const [stream, digest] of (selection === "all" ? ctx.fixture.truthAll : ctx.fixture.truth).byStream) {
        const counted = check.stateCounts.get(stream);
        if (counted !== digest.count) problems.push(`STATE recordCount of ${stream} is ${String(counted)}, expected ${digest.count}`);
      }
      return problems;
    },
  };
}

function syncCase(format: "parquet" | "jsonl", selection: Selection = "top"): BenchCase {
  const id = `sync-${format}${selection === "all" ? "-all" : ""}`;
  const dir = (ctx: CaseContext): string => join(ctx.out, id);
  const statePath = (ctx: CaseContext): string => join(ctx.out, `${id}.state.json`);
  const streams = selection === "all" ? STREAM_NAMES : TOP_LEVEL.map((t) => t.definition.name);
  return {
    id,
    label: `our \`sync --format ${format}\` (${selection === "all" ? "all 15 streams" : "3 streams"}${format === "jsonl" ? ", gzip files" : ", zstd"})`,
    emitsRecords: true,
    ...(selection === "all" ? { allStreams: true } : {}),
    skip: (ctx) => (existsSync(join(ctx.dist, "src/cli/sync.js")) ? undefined : "the sync command is not built yet"),
    spec: (ctx) => {
      rmSync(dir(ctx), { recursive: true, force: true });
      ctx.fixture.writeSyncState(statePath(ctx), selection);
      return {
        command: node,
        args: [cli(ctx), "sync", "--config", ctx.fixture.configPath, "--out", dir(ctx), "--format", format, "--state-file", statePath(ctx), "--streams", streams.join(",")],
      };
    },
    check: async (ctx) => diffProblems(await digestSyncOutput(dir(ctx), STREAM_NAMES), ctx, selection),
  };
}

/** `read` of another build of this repository (`--compare-dist`), e.g. before a change, in the same interleaved run. */
export function compareReadCase(otherDist: string, name: string): BenchCase {
  return {
    id: "read-compare",
    label: `\`read\` of ${name}`,
    emitsRecords: true,
    skip: () => (existsSync(join(otherDist, "src/cli/source-main.js")) ? undefined : `${otherDist}/src/cli/source-main.js does not exist`),
    spec: (ctx) => {
      const f = ctx.fixture;
      return { command: node, args: [join(otherDist, "src/cli/source-main.js"), "read", "--config", f.configPath, "--catalog", f.catalogPath, "--state", f.readStatePath] };
    },
  };
}

function duckdbMissing(ctx: CaseContext): string | undefined {
  return existsSync(join(ctx.root, "node_modules/@duckdb/node-api/package.json")) ? undefined : "@duckdb/node-api is not installed";
}

/** One timed run of a case: its own measurement, or its command measured from spawn to exit. */
export function timedRun(bench: BenchCase, ctx: CaseContext): Promise<Measured> {
  if (bench.run !== undefined) return bench.run(ctx);
  if (bench.spec === undefined) throw new Error(`bench case ${bench.id} has neither run nor spec`);
  return measure(bench.spec(ctx));
}

/** `npm run demo` as users run it (emulator, full and incremental sync, DuckDB query), in a scratch folder. */
const demoCase: BenchCase = {
  id: "demo",
  label: "`npm run demo` end to end (its own emulator of 3,000 tasks, two syncs, the DuckDB query)",
  emitsRecords: false,
  timesAnEvent: true,
  skip: (ctx) => (existsSync(join(ctx.dist, "src/cli/demo-main.js")) ? undefined : "the demo is not built"),
  spec: (ctx) => {
    const cwd = join(ctx.out, "demo");
    rmSync(cwd, { recursive: true, force: true });
    mkdirSync(cwd, { recursive: true });
    return { command: node, args: [join(ctx.dist, "src/cli/demo-main.js")], cwd };
  },
  check: async (ctx) => {
    const manifests = join(ctx.out, "demo", "demo-output", "_manifests");
    const count = existsSync(manifests) ? readdirSync(manifests).length : 0;
    rmSync(join(ctx.out, "demo"), { recursive: true, force: true });
    return count === 2 ? [] : [`wrote ${count} manifests, expected 2 (a full and an incremental sync)`];
  },
};

/** Every candidate, in report order. */
export const CASES: readonly BenchCase[] = [
  {
    id: "node-gunzip",
    label: "Node `zlib.createGunzip` only (defaults: 16 KB chunks)",
    emitsRecords: false,
    skip: () => undefined,
    spec: (ctx) => ({ command: node, args: [join(ctx.dist, "bench/suite/gunzip-child.js"), ctx.fixture.file] }),
    check: async (ctx, run) => expectBytes(ctx, run),
  },
  {
    id: "node-gunzip-256k",
    label: "Node `zlib.createGunzip({chunkSize: 256 KB})` only: the floor",
    emitsRecords: false,
    skip: () => undefined,
    spec: (ctx) => ({ command: node, args: [join(ctx.dist, "bench/suite/gunzip-child.js"), ctx.fixture.file, String(256 * 1024)] }),
    check: async (ctx, run) => expectBytes(ctx, run),
  },
  {
    id: "gzip-dc",
    label: "`gzip -dc > /dev/null`",
    emitsRecords: false,
    skip: () => (onPath("gzip") ? undefined : "gzip is not installed"),
    spec: (ctx) => ({ command: "gzip", args: ["-dc", ctx.fixture.file] }),
  },
  {
    id: "python",
    label: "Python stdlib: `gzip` + `json.loads` + `json.dumps` RECORD, to /dev/null",
    emitsRecords: true,
    skip: () => (onPath("python3") ? undefined : "python3 is not installed"),
    spec: (ctx) => ({ command: "python3", args: [join(ctx.root, "bench/suite/python_pipeline.py"), ctx.fixture.file] }),
    check: async (ctx, run) => {
      const records = lastJson(run.stderr)?.records;
      return records === ctx.fixture.truth.total ? [] : [`printed ${String(records)} records, expected ${ctx.fixture.truth.total}`];
    },
  },
  {
    id: "jq",
    label: "`zcat | jq -c` wrapping each line as a RECORD",
    emitsRecords: true,
    skip: () => (onPath("jq") ? (onPath("zcat") ? undefined : "zcat is not installed") : "jq is not installed (apt-get install jq)"),
    spec: (ctx) => ({
      command: "bash",
      args: [
        "-c",
        'set -o pipefail; zcat "$1" | jq -c --argjson t "$2" \'{type: "RECORD", record: {stream: ({task: "tasks", team: "teams", message: "messages"}[.resource_type]), emitted_at: $t, data: .}}\'',
        "jq-baseline",
        ctx.fixture.file,
        String(Date.now()),
      ],
    }),
  },
  readCase("top"),
  readCase("all"),
  {
    // V8's young generation capped at 1 MB: scavenges come sooner, and with them the release of the
    // decompressed chunks (ArrayBuffers outside the JS heap), which otherwise pile up to ~45 MB.
    id: "read-semi1",
    label: "our `read` under `node --max-semi-space-size=1` (on Node 22.15+ `read` restarts itself with it; on Node 20 it cannot)",
    emitsRecords: true,
    skip: () => undefined,
    spec: (ctx) => ({ command: node, args: ["--max-semi-space-size=1", ...readArgs(ctx)] }),
  },
  syncCase("parquet"),
  syncCase("parquet", "all"),
  syncCase("jsonl"),
  {
    // The anchor of the Parquet sync: the same typed columns, zstd, as a warehouse engineer would convert with DuckDB.
    id: "duckdb-typed",
    label: "DuckDB, one `COPY` per stream with its typed columns (`read_json(..., columns = {...})`, zstd): the anchor",
    emitsRecords: true,
    skip: duckdbMissing,
    spec: (ctx) => {
      const output = join(ctx.out, "duckdb-typed");
      rmSync(output, { recursive: true, force: true });
      return { command: node, args: [join(ctx.dist, "bench/suite/duckdb-child.js"), "typed", ctx.fixture.file, output] };
    },
    check: async (ctx) => diffProblems(await digestSyncOutput(join(ctx.out, "duckdb-typed"), STREAM_NAMES), ctx),
  },
  {
    id: "duckdb",
    label: "DuckDB `COPY (SELECT * FROM read_json(...)) TO ... (FORMAT parquet, COMPRESSION zstd)`, schema auto-detected, one file",
    emitsRecords: true,
    skip: duckdbMissing,
    spec: (ctx) => {
      const output = join(ctx.out, "duckdb.parquet");
      rmSync(output, { force: true });
      return { command: node, args: [join(ctx.dist, "bench/suite/duckdb-child.js"), "auto", ctx.fixture.file, output] };
    },
    check: async (ctx) => diffProblems(await digestMixedParquet(join(ctx.out, "duckdb.parquet")), ctx),
  },
  sigtermCase("waiting"),
  sigtermCase("downloading"),
  demoCase,
  // Issue 12: what deletion tracking's narrow projection costs an incremental sync.
  ...INCREMENTAL_CASES,
];
