// The candidates of the suite: what each runs, whether it can run here, and how its output is checked.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { STREAM_NAMES } from "../../src/streams/index.js";
import type { Fixture } from "./fixture.js";
import { measure, type Measured, type RunSpec } from "./measure.js";
import { digestAirbyteOutput, digestMixedParquet, digestSyncOutput, type ReadCheck } from "./verify.js";
import { StreamDigests } from "./digest.js";

/** Paths the cases need. */
export interface CaseContext {
  fixture: Fixture;
  /** The repository root (sources, node_modules). */
  root: string;
  /** Compiled output of the repository (dist/). */
  dist: string;
  /** Scratch outputs (bench/out). */
  out: string;
}

export interface BenchCase {
  id: string;
  label: string;
  /** Whether it reports records (the floors only decompress). */
  emitsRecords: boolean;
  /** Why it cannot run here, if it cannot. */
  skip(ctx: CaseContext): string | undefined;
  /** The command of one timed run (may prepare files first). */
  spec(ctx: CaseContext): RunSpec;
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

function diffProblems(got: StreamDigests, ctx: CaseContext): string[] {
  return got.diff(ctx.fixture.truth);
}

function readArgs(ctx: CaseContext): string[] {
  const f = ctx.fixture;
  return [cli(ctx), "read", "--config", f.configPath, "--catalog", f.catalogPath, "--state", f.readStatePath];
}

function syncCase(format: "parquet" | "jsonl"): BenchCase {
  const dir = (ctx: CaseContext): string => join(ctx.out, `sync-${format}`);
  const statePath = (ctx: CaseContext): string => join(ctx.out, `sync-${format}.state.json`);
  return {
    id: `sync-${format}`,
    label: `our \`sync --format ${format}\` (3 streams${format === "jsonl" ? ", gzip files" : ", zstd"})`,
    emitsRecords: true,
    skip: (ctx) => (existsSync(join(ctx.dist, "src/cli/sync.js")) ? undefined : "the sync command is not built yet"),
    spec: (ctx) => {
      rmSync(dir(ctx), { recursive: true, force: true });
      ctx.fixture.writeSyncState(statePath(ctx));
      return {
        command: node,
        args: [cli(ctx), "sync", "--config", ctx.fixture.configPath, "--out", dir(ctx), "--format", format, "--state-file", statePath(ctx)],
      };
    },
    check: async (ctx) => diffProblems(await digestSyncOutput(dir(ctx), STREAM_NAMES), ctx),
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
  {
    id: "read",
    label: "our `read` (3 streams, whole CLI incl. the export job), to /dev/null",
    emitsRecords: true,
    skip: () => undefined,
    spec: (ctx) => ({ command: node, args: readArgs(ctx) }),
    verify: async (ctx) => {
      const check: ReadCheck = { digests: new StreamDigests(), stateCounts: new Map(), problems: [] };
      const run = await measure({ command: node, args: readArgs(ctx), stdout: (stdout) => digestAirbyteOutput(stdout, check) });
      const problems = [...check.problems];
      if (run.exitCode !== 0) problems.push(`exited with ${run.exitCode ?? run.signal}: ${run.stderr.slice(-500)}`);
      problems.push(...diffProblems(check.digests, ctx));
      for (const [stream, digest] of ctx.fixture.truth.byStream) {
        const counted = check.stateCounts.get(stream);
        if (counted !== digest.count) problems.push(`STATE recordCount of ${stream} is ${String(counted)}, expected ${digest.count}`);
      }
      return problems;
    },
  },
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
  syncCase("jsonl"),
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
  {
    id: "duckdb-typed",
    label: "DuckDB, one `COPY` per stream with its typed columns (`read_json(..., columns = {...})`), as our sync writes",
    emitsRecords: true,
    // Opt-in: three passes over the file (one per stream) took 60-120 s and 2.7 GB here.
    skip: (ctx) => (process.argv.includes("--duckdb-typed") ? duckdbMissing(ctx) : "opt-in: --duckdb-typed (three passes, slow)"),
    spec: (ctx) => {
      const output = join(ctx.out, "duckdb-typed");
      rmSync(output, { recursive: true, force: true });
      return { command: node, args: [join(ctx.dist, "bench/suite/duckdb-child.js"), "typed", ctx.fixture.file, output] };
    },
    check: async (ctx) => diffProblems(await digestSyncOutput(join(ctx.out, "duckdb-typed"), STREAM_NAMES), ctx),
  },
];
