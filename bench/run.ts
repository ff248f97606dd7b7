// `npm run bench`: our read and sync side by side with what users would run instead, in one run.
//
//   npm run bench                      200,000 tasks, 3 interleaved runs, median (12-17 min on this VM)
//   npm run bench -- --tasks 1000000   the large run
//   npm run bench -- --runs 5 --only read,node-gunzip,python
//   npm run bench -- --tasks 1000 --only sigterm-waiting,sigterm-downloading,demo
//                                      SIGTERM-to-exit latency and the demo's wall time only (they
//                                      bring their own emulators; the small fixture is just generated)
//   npm run bench -- --only incr-read-off,incr-read-objects,incr-sync-off,incr-sync-rows
//                                      issue 12: an incremental sync after a mutation round (--changed-percent,
//                                      default 2) without and with deletion tracking, on an emulator of its own
//   npm run bench -- --memory-check    peak RSS of read and sync at 100k and 1M tasks (~15 min: the
//                                      emulator takes ~3 min to generate 1M tasks, the runs the rest;
//                                      --sizes 1000000 --only read,sync-parquet for some of them: without
//                                      the all-stream cases there is no second export and no oracle of
//                                      the derived rows, which at 1M tasks holds more than 4 GB)
// `npm run bench` gives this process a 16 GB heap: at 1M tasks the emulator's workspace, the export
// it generates and the oracle's digests hold more than Node's default 4 GB (the bench died there).
// Other flags: --compare-dist DIST [--compare-name NAME] adds `read` of another build (e.g. before a
// change); --keep leaves the export and the outputs in bench/out; --seed, --messages, --teams, --gzip-level.
// After the runs, the last outputs of our Parquet sync and of typed DuckDB are compared: file sizes,
// row groups, and two DuckDB queries over each (an aggregate over a nested leaf, a gid filter).
//
// One emulator serves one export for the whole run; every candidate is its own process, all of them
// interleaved run by run (this shared 2-core VM drifts by +-25%: compare the ratios of one run).
// Outputs are checked against the emulator's ground truth (record count and gid checksum per stream).
// Writes bench/RESULTS.md; exits non-zero if any run fails or any output is wrong.
import { mkdirSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CASES, compareReadCase, timedRun, type BenchCase, type CaseContext } from "./suite/cases.js";
import { prepareFixture, type Fixture } from "./suite/fixture.js";
import { isIncrementalCase } from "./suite/incremental-cases.js";
import { prepareIncremental, type IncrementalFixture } from "./suite/incremental-fixture.js";
import { rssMethod } from "./suite/measure.js";
import { compareLayouts, layoutSection, type LayoutComparison } from "./suite/layout.js";
import { incrementalSection, machineSection, peakRss, resultsTable, targetsTable, wallSeconds, writeSection, type CaseResult } from "./suite/report.js";

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, "..");
const root = resolve(dist, "..");
const out = join(root, "bench", "out");
const resultsPath = join(root, "bench", "RESULTS.md");

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function numberFlag(name: string, fallback: number): number {
  const text = flag(name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${text}'`);
  return n;
}

const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

/** Remove a run's bulky files (the export, sync outputs) unless `--keep` asks to look at them. */
function cleanUp(fixture: Fixture | undefined): void {
  if (process.argv.includes("--keep")) return;
  for (const path of [...(fixture === undefined ? [] : [dirname(fixture.file)]), join(out, "incremental"), join(out, "incr-sync-off"), join(out, "incr-sync-rows"), join(out, "sync-parquet"), join(out, "sync-parquet-all"), join(out, "sync-jsonl"), join(out, "duckdb.parquet"), join(out, "duckdb-typed")]) {
    rmSync(path, { recursive: true, force: true });
  }
}

/** The fixture of `tasks` tasks for these cases: without a case of all streams, only what the three top-level streams need (no second export, no oracle of the derived rows). */
async function fixtureFor(tasks: number, cases: readonly BenchCase[]): Promise<Fixture> {
  return prepareFixture({
    allStreams: cases.some((c) => c.allStreams === true),
    tasks,
    messages: numberFlag("--messages", Math.max(1, Math.round(tasks / 20))),
    teams: numberFlag("--teams", 50),
    gzipLevel: numberFlag("--gzip-level", 6),
    seed: numberFlag("--seed", 1),
    dir: join(out, `fixture-${tasks}`),
    log,
  });
}

/** POST /exports/resource requests the emulator has answered so far. */
function exportsStarted(fixture: Fixture | undefined): number {
  if (fixture === undefined) return 0;
  return fixture.emulator.requests.filter((q) => q.method === "POST" && q.path.endsWith("/exports/resource")).length;
}

/** Run the cases `runs` times, interleaved (each run visits every case once), checking outputs. */
async function runCases(fixture: Fixture | undefined, cases: readonly BenchCase[], runs: number, incremental?: IncrementalFixture): Promise<CaseResult[]> {
  const extra = incremental === undefined ? {} : { incremental };
  // Without the suite's fixture (only deletion-tracking cases, which bring their own), a case reaching for it fails loudly.
  const ctx: CaseContext =
    fixture !== undefined
      ? { fixture, root, dist, out, ...extra }
      : {
          get fixture(): Fixture {
            throw new Error("the suite's fixture was not prepared: only deletion-tracking cases were selected");
          },
          root,
          dist,
          out,
          ...extra,
        };
  const results: CaseResult[] = cases.map((bench) => {
    const skipped = bench.skip(ctx);
    return { bench, runs: [], problems: [], ...(skipped === undefined ? {} : { skipped }) };
  });
  const active = results.filter((r) => r.skipped === undefined);
  for (const r of results) if (r.skipped !== undefined) log(`${r.bench.id}: skipped (${r.skipped})`);
  for (const r of active) {
    if (r.bench.verify === undefined) continue;
    log(`${r.bench.id}: verification run (output checked record by record, untimed)`);
    const exportsBefore = exportsStarted(fixture);
    r.problems.push(...(await r.bench.verify(ctx)));
    if (exportsStarted(fixture) !== exportsBefore) r.problems.push("started a new export instead of resuming the prepared job");
    if (r.problems.length > 0) log(`${r.bench.id}: ${r.problems.join("; ")}`);
  }
  for (let run = 1; run <= runs; run++) {
    for (const r of active) {
      const exportsBefore = exportsStarted(fixture);
      const measured = await timedRun(r.bench, ctx);
      const expectedExit = r.bench.expectedExit ?? 0;
      const failed = measured.exitCode !== expectedExit ? [`run ${run} exited with ${measured.exitCode ?? measured.signal} (expected ${expectedExit}): ${measured.stderr.trim().slice(-400)}`] : [];
      const problems = failed.length > 0 ? failed : ((await r.bench.check?.(ctx, measured)) ?? []);
      // Every run must resume the prepared job: a new export would time the emulator's generator.
      if (exportsStarted(fixture) !== exportsBefore) problems.push("started a new export instead of resuming the prepared job");
      r.runs.push(measured);
      r.problems.push(...problems.map((p) => (p.startsWith("run ") ? p : `run ${run}: ${p}`)));
      log(
        `run ${run}/${runs} ${r.bench.id.padEnd(17)} ${(measured.wallMs / 1000).toFixed(2).padStart(7)} s  ` +
          `${(measured.peakRssMb === undefined ? "n/a" : measured.peakRssMb.toFixed(0)).padStart(5)} MB${problems.length > 0 ? `  PROBLEM: ${problems.join("; ")}` : ""}`,
      );
    }
  }
  return results;
}

async function suite(): Promise<boolean> {
  const tasks = numberFlag("--tasks", 200_000);
  const runs = numberFlag("--runs", 3);
  const only = flag("--only")?.split(",");
  const compare = flag("--compare-dist");
  const all = compare === undefined ? CASES : [...CASES.slice(0, CASES.findIndex((c) => c.id === "read") + 1), compareReadCase(resolve(compare), flag("--compare-name") ?? compare), ...CASES.slice(CASES.findIndex((c) => c.id === "read") + 1)];
  const cases = all.filter((c) => only === undefined || only.includes(c.id));
  const began = performance.now();
  const loadAtStart = loadavg();
  log(`load average ${loadAtStart.map((l) => l.toFixed(2)).join(", ")} (2 cores: above 2, other work competes with the bench)`);
  // The deletion-tracking cases bring their own emulator: alone, they need no export of the suite's.
  const fixture = cases.length > 0 && cases.every(isIncrementalCase) ? undefined : await fixtureFor(tasks, cases);
  let incremental: IncrementalFixture | undefined;
  try {
    if (cases.some(isIncrementalCase)) {
      incremental = await prepareIncremental(
        {
          tasks,
          messages: numberFlag("--messages", Math.max(1, Math.round(tasks / 20))),
          teams: numberFlag("--teams", 50),
          gzipLevel: numberFlag("--gzip-level", 6),
          seed: numberFlag("--seed", 1),
          changedPercent: numberFlag("--changed-percent", 2),
          dir: join(out, "incremental"),
          log,
        },
        dist,
      );
    }
    const results = await runCases(fixture, cases, runs, incremental);
    // The deletion-tracking cases are no pass over the suite's export: they get a section of their own.
    const suiteResults = results.filter((r) => !isIncrementalCase(r.bench));
    const byId = new Map(results.map((r) => [r.bench.id, r]));
    const ran = (id: string): boolean => (byId.get(id)?.runs.length ?? 0) > 0 && byId.get(id)?.problems.length === 0;
    let layout: LayoutComparison | undefined;
    if (fixture !== undefined && ran("sync-parquet") && ran("duckdb-typed")) {
      log("comparing the Parquet files of our sync and of typed DuckDB: sizes, row groups, queries");
      layout = await compareLayouts({ dist, ours: join(out, "sync-parquet"), duckdb: join(out, "duckdb-typed"), gid: fixture.sampleGid("task") });
    }
    const body = [
      `## Suite: ${tasks.toLocaleString("en-US")} tasks, Node ${process.version} (${new Date().toISOString().slice(0, 16)}Z)`,
      "",
      ...(fixture === undefined
        ? []
        : [
            `Input: the emulator's export of ${fixture.truth.toString()} (${fixture.lines} lines; all fifteen streams: ${fixture.truthAll.total.toLocaleString("en-US")} rows), ` +
              `${(fixture.uncompressedBytes / 1e6).toFixed(0)} MB of JSON, ${(fixture.compressedBytes / 1e6).toFixed(1)} MB gzip (level ${numberFlag("--gzip-level", 6)}), ` +
              `generated in ${fixture.generateSeconds.toFixed(0)} s. Median of ${runs} interleaved runs, each its own process; ` +
              "`read` and `sync` download the file from the emulator over loopback, the others read the downloaded file. " +
              "x floor = wall time / the fastest gunzip of the same file (Node zlib, 256 KB chunks), as PERFORMANCE.md defines the floor. " +
              "CPU s = user + system seconds: above wall s, the command used both cores." +
              (fixture.allExport === undefined
                ? ""
                : ` The cases of all fifteen streams resume a second job, the export they ask for (the \`users\` stream's narrow parents add who created and who assigned each task and who wrote each story): ${(fixture.allExport.uncompressedBytes / 1e6).toFixed(0)} MB of JSON, ${(fixture.allExport.compressedBytes / 1e6).toFixed(1)} MB gzip, ${fixture.allExport.lines} lines.`),
            "",
            ...(suiteResults.length === 0 ? [] : [resultsTable({ results: suiteResults, records: fixture.truth.total, recordsAll: fixture.truthAll.total, uncompressedBytes: fixture.uncompressedBytes, uncompressedBytesAll: fixture.allExport?.uncompressedBytes ?? fixture.uncompressedBytes }), ""]),
          ]),
      ...(layout === undefined ? [] : ["### Files: ours against typed DuckDB's", "", layoutSection(layout), ""]),
      ...(incremental === undefined ? [] : ["### Deletion tracking: the cost of the narrow projection (issue 12)", "", incrementalSection(results, incremental, runs), ""]),
      ...(suiteResults.length === 0 ? [] : ["### Targets (PERFORMANCE.md)", "", targetsTable(results, layout), ""]),
      "### Machine",
      "",
      machineSection(root, rssMethod(), loadAtStart),
      "",
      `Whole bench run: ${((performance.now() - began) / 60000).toFixed(1)} min.`,
    ].join("\n");
    // One section per Node major: the suite runs on Node 20 and on Node 24.
    const node = `node${process.versions.node.split(".")[0] ?? ""}`;
    writeSection(resultsPath, only === undefined ? `suite-${tasks}-${node}` : `suite-${tasks}-${node}-partial`, body);
    process.stdout.write(`${body}\n`);
    return results.every((r) => r.problems.length === 0);
  } finally {
    await incremental?.close();
    await fixture?.close();
    cleanUp(fixture);
  }
}

async function memoryCheck(): Promise<boolean> {
  const sizes = (flag("--sizes") ?? "100000,1000000").split(",").map(Number);
  const runs = numberFlag("--runs", 1);
  const only = flag("--only")?.split(",");
  const cases = CASES.filter((c) => ["read", "read-all", "read-semi1", "sync-parquet", "sync-parquet-all", "sync-jsonl"].includes(c.id) && (only === undefined || only.includes(c.id)));
  const began = performance.now();
  const rows = ["| tasks | JSON MB | candidate | wall s | peak RSS MB | output check |", "| ---: | ---: | --- | ---: | ---: | --- |"];
  let ok = true;
  let generating = 0;
  for (const tasks of sizes) {
    const fixture = await fixtureFor(tasks, cases);
    generating += fixture.generateSeconds;
    try {
      for (const r of await runCases(fixture, cases, runs)) {
        ok &&= r.problems.length === 0;
        const check = r.skipped ?? (r.problems.length > 0 ? `FAILED: ${r.problems.slice(0, 2).join("; ")}` : "ok");
        rows.push(
          `| ${tasks.toLocaleString("en-US")} | ${(fixture.uncompressedBytes / 1e6).toFixed(0)} | ${r.bench.id} | ` +
            `${wallSeconds(r).toFixed(2)} | ${peakRss(r).toFixed(0)} | ${check} |`,
        );
      }
    } finally {
      await fixture.close();
      cleanUp(fixture);
    }
  }
  const body = [
    `## Memory check: Node ${process.version} (${new Date().toISOString().slice(0, 16)}Z)`,
    "",
    `Peak RSS of each candidate at each size (${runs === 1 ? "one run" : `largest of ${runs} runs`}); flat means streaming. ` +
      `The whole check took ${((performance.now() - began) / 60000).toFixed(1)} min, of which ${(generating / 60).toFixed(1)} min the emulator ` +
      "generating the exports and the rest the runs and their output checks.",
    "",
    rows.join("\n"),
  ].join("\n");
  writeSection(resultsPath, `memory-node${process.versions.node.split(".")[0] ?? ""}`, body);
  process.stdout.write(`${body}\n`);
  return ok;
}

mkdirSync(out, { recursive: true });
const ok = process.argv.includes("--memory-check") ? await memoryCheck() : await suite();
if (!ok) log("some runs failed or produced wrong output: see the table");
process.exit(ok ? 0 : 1);
