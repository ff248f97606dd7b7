// The deletion-tracking cases (issue 12): an incremental `read` and `sync` of tasks and messages
// after a mutation round, without deletion tracking and with it (its narrow projection of every live
// gid), each resuming its own prepared job (incremental-fixture.ts). The verification run checks
// every record against the ground truth: the changed objects in their current version, and with
// tracking the deleted ones as deletion records, each once.
import { createReadStream, existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { LineSplitter } from "../../src/export-file/lines.js";
import type { BenchCase, CaseContext } from "./cases.js";
import { MEASURED, TRACKED, type Command, type IncrementalFixture, type Observed, type Tracking } from "./incremental-fixture.js";
import { measure, type Measured, type RunSpec } from "./measure.js";

type Json = Record<string, unknown>;

const node = process.execPath;

/** The case id of a measured run, e.g. `incr-read-objects`. */
export const incrementalCaseId = (command: Command, tracking: Tracking): string => `incr-${command}-${tracking}`;

/** Whether a case is one of these (the suite's main table leaves them to their own section). */
export const isIncrementalCase = (bench: BenchCase): boolean => MEASURED.some((m) => incrementalCaseId(m.command, m.tracking) === bench.id);

/** What a run's output held, per stream: changed objects (`gid|modified_at`) and deleted gids. */
class Tally {
  readonly changed = new Map<string, Set<string>>();
  readonly deleted = new Map<string, Set<string>>();
  readonly problems: string[] = [];
  private repeats = 0;
  private rows = 0;
  private deletions = 0;

  constructor(private readonly deletionColumn: string) {}

  add(stream: string, data: Json): void {
    const gid = data.gid;
    if (typeof gid !== "string") {
      if (this.problems.length < 5) this.problems.push(`a ${stream} row without a gid: ${JSON.stringify(data).slice(0, 120)}`);
      return;
    }
    const deletedAt = data[this.deletionColumn];
    const [map, key] = typeof deletedAt === "string" ? [this.deleted, gid] : [this.changed, `${gid}|${String(data.modified_at)}`];
    let set = map.get(stream);
    if (set === undefined) map.set(stream, (set = new Set()));
    if (set.has(key)) this.repeats++;
    set.add(key);
    if (typeof deletedAt === "string") this.deletions++;
    else this.rows++;
  }

  /** Differences from the ground truth; empty when the output is exactly what it must be. */
  diff(fixture: IncrementalFixture, tracking: Tracking): string[] {
    const problems = [...this.problems];
    if (this.repeats > 0) problems.push(`${this.repeats} rows came twice`);
    const none: ReadonlySet<string> = new Set();
    for (const stream of new Set([...TRACKED, ...this.changed.keys(), ...this.deleted.keys()])) {
      problems.push(...compareSets(`${stream} changed objects (gid|modified_at)`, this.changed.get(stream) ?? none, fixture.expectedChanged.get(stream) ?? none));
      const deleted = tracking === "off" ? none : (fixture.expectedDeleted.get(stream) ?? none);
      problems.push(...compareSets(`${stream} deletions`, this.deleted.get(stream) ?? none, deleted));
    }
    return problems;
  }

  observed(stateBytes: number): Observed {
    return { records: this.rows, deletions: this.deletions, stateBytes };
  }
}

function compareSets(what: string, got: ReadonlySet<string>, want: ReadonlySet<string>): string[] {
  const missing = [...want].filter((k) => !got.has(k));
  const extra = [...got].filter((k) => !want.has(k));
  if (missing.length === 0 && extra.length === 0) return [];
  return [`${what}: ${got.size} instead of ${want.size}; ${missing.length} missing (${missing.slice(0, 3).join(", ")}), ${extra.length} unexpected (${extra.slice(0, 3).join(", ")})`];
}

/** Lines of a byte stream, as UTF-8 strings (split on "\n" only). */
async function eachLine(input: AsyncIterable<Buffer>, onLine: (line: string) => void): Promise<void> {
  const splitter = new LineSplitter();
  const handler = (buf: Buffer, start: number, end: number): void => onLine(buf.toString("utf8", start, end));
  for await (const chunk of input) splitter.push(chunk, handler);
  splitter.end(handler);
}

function fixtureOf(ctx: CaseContext): IncrementalFixture {
  if (ctx.incremental === undefined) throw new Error("the incremental fixture was not prepared");
  return ctx.incremental;
}

/** A run that started an export of its own timed the emulator's generator, not the resumed job. */
function startedNoExport(fixture: IncrementalFixture): string[] {
  return fixture.exportsStarted() === fixture.exportsPrepared ? [] : ["started a new export instead of resuming the prepared job"];
}

/** With tracking, the final state of each stream keeps the key of every live object; without, none. */
function keysProblems(fixture: IncrementalFixture, tracking: Tracking, finals: ReadonlyMap<string, Json>): string[] {
  const problems: string[] = [];
  for (const stream of TRACKED) {
    const given = finals.get(stream)?.given as { count?: number } | undefined;
    const want = tracking === "off" ? undefined : fixture.liveAfter.get(stream);
    if (given?.count !== want) problems.push(`the final state of ${stream} keeps ${String(given?.count)} keys, expected ${String(want)}`);
  }
  return problems;
}

function failed(run: Measured): string[] {
  return run.exitCode === 0 ? [] : [`exited with ${run.exitCode ?? run.signal}: ${run.stderr.trim().slice(-500)}`];
}

function readCase(tracking: Tracking): BenchCase {
  const id = incrementalCaseId("read", tracking);
  const spec = (ctx: CaseContext, stdout?: (stream: Readable) => Promise<void>): RunSpec => {
    const files = fixtureOf(ctx).readFiles(tracking);
    const args = [join(ctx.dist, "src/cli/source-main.js"), "read", "--config", files.config, "--catalog", files.catalog, "--state", files.state];
    return { command: node, args, ...(stdout === undefined ? {} : { stdout }) };
  };
  return {
    id,
    label: `incremental \`read\` of tasks and messages, \`track_deletions: ${tracking}\`, to /dev/null`,
    emitsRecords: true,
    skip: (ctx) => (ctx.incremental === undefined ? "its fixture was not prepared" : undefined),
    spec: (ctx) => spec(ctx),
    check: async (ctx) => startedNoExport(fixtureOf(ctx)),
    verify: async (ctx) => {
      const fixture = fixtureOf(ctx);
      const tally = new Tally("_ab_cdc_deleted_at");
      const stateBytes = new Map<string, number>();
      const finals = new Map<string, Json>();
      const onLine = (line: string): void => {
        const message = JSON.parse(line) as { type?: string; record?: { stream: string; data: Json }; state?: { stream?: { stream_descriptor?: { name?: string }; stream_state?: Json } }; trace?: unknown };
        if (message.type === "RECORD" && message.record !== undefined) tally.add(message.record.stream, message.record.data);
        else if (message.type === "STATE") {
          const name = message.state?.stream?.stream_descriptor?.name ?? "?";
          stateBytes.set(name, Buffer.byteLength(line));
          finals.set(name, message.state?.stream?.stream_state ?? {});
        }
        else if (message.type === "TRACE" && JSON.stringify(message.trace).includes('"ERROR"')) tally.problems.push(`a TRACE ERROR: ${line.slice(0, 300)}`);
      };
      const run = await measure(spec(ctx, (stdout) => eachLine(stdout as AsyncIterable<Buffer>, onLine)));
      const bytes = TRACKED.reduce((n, s) => n + (stateBytes.get(s) ?? 0), 0);
      fixture.observed.set(id, tally.observed(bytes));
      return [...failed(run), ...tally.diff(fixture, tracking), ...keysProblems(fixture, tracking, finals), ...startedNoExport(fixture)];
    },
  };
}

function syncCase(tracking: Tracking): BenchCase {
  const id = incrementalCaseId("sync", tracking);
  const outDir = (ctx: CaseContext): string => join(ctx.out, id);
  const statePath = (ctx: CaseContext): string => join(ctx.out, `${id}.state.json`);
  // Each run starts from the state the full sync left (with the job to resume) and an empty folder.
  const spec = (ctx: CaseContext): RunSpec => {
    const files = fixtureOf(ctx).syncFiles(tracking);
    rmSync(outDir(ctx), { recursive: true, force: true });
    files.writeState(statePath(ctx));
    return {
      command: node,
      args: [join(ctx.dist, "src/cli/source-main.js"), "sync", "--config", files.config, "--out", outDir(ctx), "--format", "jsonl", "--state-file", statePath(ctx), "--streams", TRACKED.join(",")],
    };
  };
  return {
    id,
    label: `incremental \`sync --format jsonl\` of tasks and messages, \`track_deletions: ${tracking}\``,
    emitsRecords: true,
    skip: (ctx) => (ctx.incremental === undefined ? "its fixture was not prepared" : undefined),
    spec,
    check: async (ctx) => startedNoExport(fixtureOf(ctx)),
    verify: async (ctx) => {
      const fixture = fixtureOf(ctx);
      const run = await measure(spec(ctx));
      if (run.exitCode !== 0) return failed(run);
      const tally = new Tally("_deleted_at");
      for (const stream of TRACKED) {
        const folder = join(outDir(ctx), stream);
        for (const name of existsSync(folder) ? readdirSync(folder).filter((n) => n.endsWith(".jsonl.gz")) : []) {
          await eachLine(createReadStream(join(folder, name)).pipe(createGunzip()), (line) => tally.add(stream, JSON.parse(line) as Json));
        }
      }
      fixture.observed.set(id, tally.observed(statSync(statePath(ctx)).size));
      const written = JSON.parse(readFileSync(statePath(ctx), "utf8")) as { bookmarks?: Record<string, Json> };
      const finals = new Map(Object.entries(written.bookmarks ?? {}));
      return [...tally.diff(fixture, tracking), ...manifestProblems(outDir(ctx), tally), ...keysProblems(fixture, tracking, finals), ...startedNoExport(fixture)];
    },
  };
}

/** The manifest counts the tombstones it published (`deleted_rows`, within `rows`). */
function manifestProblems(outDir: string, tally: Tally): string[] {
  const folder = join(outDir, "_manifests");
  const names = existsSync(folder) ? readdirSync(folder).filter((n) => n.endsWith(".json")) : [];
  if (names.length !== 1) return [`${names.length} manifests in ${folder}, expected 1`];
  const manifest = JSON.parse(readFileSync(join(folder, names[0] as string), "utf8")) as { streams?: Record<string, { rows?: number; deleted_rows?: number }> };
  const problems: string[] = [];
  for (const stream of TRACKED) {
    const entry = manifest.streams?.[stream];
    const deleted = tally.deleted.get(stream)?.size ?? 0;
    const rows = (tally.changed.get(stream)?.size ?? 0) + deleted;
    if ((entry?.deleted_rows ?? 0) !== deleted || entry?.rows !== rows) {
      problems.push(`the manifest counts ${String(entry?.rows)} ${stream} rows, ${String(entry?.deleted_rows ?? 0)} deleted; the files hold ${rows}, ${deleted} deleted`);
    }
  }
  return problems;
}

/** The cases, in report order: `read` off, objects; `sync` off, rows. */
export const INCREMENTAL_CASES: readonly BenchCase[] = MEASURED.map((m) => (m.command === "read" ? readCase(m.tracking) : syncCase(m.tracking)));
