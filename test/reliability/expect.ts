// What every case of the matrix asserts: complete and exact output on success; on failure the exact
// error and an untouched state; on both, no secret anywhere and no credential sent to storage.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { expect } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import { STREAM_TYPES, emittedCursors, truth, type Outcome } from "./harness.js";

/** Each stream delivered exactly the ground truth: same gids, none twice, none missing. */
export function expectTruth(o: Outcome, em: Emulator, streams: readonly string[] = [...new Set([...Object.keys(STREAM_TYPES), ...o.gids.keys()])]): void {
  expect(o.code, `${o.side} failed: ${o.stderr.slice(-1500)}`).toBe(0);
  expect(o.failure).toBeUndefined();
  for (const stream of streams) {
    const got = o.gids.get(stream) ?? [];
    expect(new Set(got).size, `${stream}: duplicates`).toBe(got.length);
    expect([...got].sort(), `${stream}: keys`).toEqual(truth(em, stream));
  }
}

/** What a failed case must report. */
export interface ExpectedFailure {
  code: string;
  failureType: "config_error" | "system_error" | "transient_error";
  /** The message, or the parts of it that say what happened and what to do. */
  message: RegExp | RegExp[];
  /** Exit code; 1 unless a signal stopped the run. */
  exit?: number;
}

/** The run failed as expected: exit code, final TRACE ERROR, and one clean line on stderr. */
export function expectFailure(o: Outcome, expected: ExpectedFailure): void {
  expect(o.code, o.stderr.slice(-1500)).toBe(expected.exit ?? 1);
  expect(o.failure, `no TRACE ERROR last; stderr: ${o.stderr.slice(-800)}`).toBeDefined();
  expect(o.failure?.code).toBe(expected.code);
  expect(o.failure?.failureType).toBe(expected.failureType);
  // stderr ends with the same message: "source-asana-export <command>: <message>".
  expect(o.stderr.trimEnd().endsWith(`\nsource-asana-export ${o.side}: ${o.failure?.message ?? ""}`) || o.stderr.trimEnd() === `source-asana-export ${o.side}: ${o.failure?.message ?? ""}`).toBe(true);
  for (const pattern of [expected.message].flat()) expect(o.failure?.message).toMatch(pattern);
  expectNoStackTrace(o);
}

/** No JavaScript stack trace reached the user. */
export function expectNoStackTrace(o: Pick<Outcome, "stderr" | "stdout">): void {
  expect(o.stderr).not.toMatch(/\n\s+at .*(\.js|\.ts):\d+/);
  expect(o.stdout).not.toMatch(/stack_trace/);
}

/** Files under a folder, recursive, relative; hidden ones (temporaries) included when asked. */
export function filesUnder(dir: string, hidden = false): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter((f) => hidden || !f.split("/").some((part) => part.startsWith(".")))
    .sort();
}

/** The secrets of an emulator: every token it knows and every signed URL's signature and session token. */
export function secrets(em: Emulator): string[] {
  return [...Object.values(em.tokens), ...em.downloadUrlSecrets];
}

/** No secret in stdout, stderr or any written file (gzip files are scanned decompressed too). */
export function expectNoLeaks(o: Outcome, em: Emulator): void {
  const texts: [string, string][] = [
    ["stdout", o.stdout],
    ["stderr", o.stderr],
  ];
  if (o.out !== undefined) {
    for (const f of filesUnder(o.out, true)) {
      const raw = readFileSync(join(o.out, f));
      texts.push([f, raw.toString("latin1")]);
      if (f.endsWith(".gz")) texts.push([`${f} (gunzipped)`, gunzipSync(raw).toString("utf8")]);
    }
  }
  const known = secrets(em);
  expect(known.length).toBeGreaterThanOrEqual(4);
  for (const [where, text] of texts) {
    for (const secret of known) expect(text.includes(secret), `${where} holds a secret`).toBe(false);
    expect(text, where).not.toMatch(/X-Amz-(Signature|Security-Token|Credential)=[^*&\s"]/i);
  }
  expect(em.downloadsWithAuthorization).toBe(0);
}

/** What a loader could see of a sync's output folder, and the state file's bytes. */
export interface OutSnapshot {
  files: string[];
  state: string | undefined;
}

/** Where `sync` records the export job it runs, beside the state file (not data a loader reads). */
export const PENDING_FILE = "._state.json.pending";

/** Snapshot a sync output folder: the state file's bytes and every published file. */
export function snapshot(out: string): OutSnapshot {
  const statePath = join(out, "_state.json");
  return { files: filesUnder(out).filter((f) => f !== PENDING_FILE), state: existsSync(statePath) ? readFileSync(statePath, "utf8") : undefined };
}

/**
 * The failed run advanced nothing. read: no STATE carries a cursor other than the ones given.
 * sync: the state file is byte-identical, no file was published and no temporary was left (unless
 * the process was killed: then the next run removes them).
 */
export function expectStateKept(o: Outcome, before: { cursors?: readonly (string | undefined)[]; snapshot?: OutSnapshot; killed?: boolean }): void {
  if (o.side === "read") {
    const allowed = new Set(before.cursors ?? [undefined]);
    for (const cursor of emittedCursors(o)) expect(allowed.has(cursor), `STATE advanced to ${cursor}`).toBe(true);
    return;
  }
  if (o.out === undefined || before.snapshot === undefined) throw new Error("sync cases need the output folder's snapshot");
  const after = snapshot(o.out);
  expect(after.state).toBe(before.snapshot.state);
  expect(after.files).toEqual(before.snapshot.files);
  if (before.killed !== true) expect(filesUnder(o.out, true).filter((f) => f.endsWith(".partial"))).toEqual([]);
}
