// A damaged export file is refused clearly (the line number and byte offset of the bad line), the
// state is kept, and the job is forgotten so that the next run starts a new export rather than
// failing on the same file forever. Both `read` and `sync`; see failure-matrix.ts.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { downloadedLines, lineWhere, objectOf } from "./export-file.js";
import { PENDING_FILE, expectTruth } from "./expect.js";
import { failureMatrix, type FailureCase, type FailureContext } from "./failure-matrix.js";
import { exportPosts, lastStates, run, type RunInput } from "./harness.js";
import { fullCatalog } from "../helpers/airbyte.js";

const TOP_LEVEL = ["tasks", "teams", "messages"];

/** The message names this line and its byte offset in the uncompressed file. */
function namesLine(line: number, extra: (c: FailureContext, offset: number) => void = () => undefined) {
  return (c: FailureContext): void => {
    const target = lineWhere(downloadedLines(c.em, c.requests), (l) => l.number === line, `line ${line}`);
    expect(c.o.failure?.message).toContain(`Export file line ${line} (byte offset ${target.offset} of the uncompressed file)`);
    extra(c, target.offset);
    forgetsTheJob(c);
  };
}

/** The job whose file is bad is no longer recorded: read's last state, sync's side file. */
function forgetsTheJob(c: FailureContext): void {
  const said = `The export cannot be resumed (${c.o.failure?.code ?? ""}); the state no longer records its job, so the next run starts a new export`;
  expect(c.o.logs.some((l) => l.endsWith(said))).toBe(true);
  if (c.side === "sync") {
    expect(existsSync(join(c.o.out ?? "", PENDING_FILE))).toBe(false);
    return;
  }
  const states = lastStates(c.o);
  // One per stream of the catalog.
  expect(states.length).toBe(((c.input.catalog ?? fullCatalog()) as { streams: unknown[] }).streams.length);
  expect(JSON.stringify(states)).not.toContain("pending_export");
}

const BAD_FILE_CASES: FailureCase[] = [
  {
    name: "a truncated gzip; the next run starts a new export and completes",
    faults: [{ kind: "file-truncated", keepFraction: 0.6 }],
    expected: {
      code: "EXPORT_FILE_TRUNCATED",
      failureType: "transient_error",
      message: [/^The export file ended early: its gzip data stops/, /The state no longer records this export job, so the next run starts a new export\.$/],
    },
    check: async (c) => {
      forgetsTheJob(c);
      const posts = exportPosts(c.em.requests).length;
      const again = await run(c.side, c.em, { ...c.input, ...(c.side === "read" ? { state: lastStates(c.o) } : {}) });
      expectTruth(again, c.em);
      expect(exportPosts(c.em.requests).length).toBe(posts + 1);
    },
  },
  {
    name: "a malformed JSON line",
    faults: [{ kind: "file-malformed-line", line: 7 }],
    expected: {
      code: "EXPORT_LINE_MALFORMED",
      failureType: "system_error",
      message: [/^Export file line 7 \(byte offset \d+ of the uncompressed file\) is not valid JSON \(/, /the next run starts a new export; or set on_invalid_record to "skip" to skip such lines\.$/],
    },
    check: namesLine(7),
  },
  {
    name: "bytes that are not UTF-8",
    faults: [{ kind: "file-invalid-utf8", line: 7 }],
    expected: {
      code: "EXPORT_LINE_NOT_UTF8",
      failureType: "system_error",
      message: [/^Export file line 7 \(byte offset \d+ of the uncompressed file\) contains bytes that are not valid UTF-8 \(the first bad byte is at offset \d+\)/, /on_invalid_record/],
    },
    check: namesLine(7, (c, offset) => {
      const line = lineWhere(downloadedLines(c.em, c.requests), (l) => l.number === 7, "line 7");
      const bad = line.bytes.indexOf(Buffer.from([0xc3, 0x28, 0xff])); // C3 then 28: C3 is the first bad byte
      expect(c.o.failure?.message).toContain(`the first bad byte is at offset ${offset + bad}`);
    }),
  },
  {
    name: "an object without gid",
    faults: [{ kind: "file-missing-gid", line: 7 }],
    expected: {
      code: "EXPORT_LINE_INVALID",
      failureType: "system_error",
      message: [/^Export file line 7 \(byte offset \d+ of the uncompressed file\) has no "gid"\./, /on_invalid_record/],
    },
    check: namesLine(7),
  },
  {
    name: "an object without modified_at on an incremental stream",
    // The export's own streams only, and no deletion tracking: with join streams or deletions, line 7
    // may be a line of the narrow export of every task, which serves no incremental stream.
    prepare: async ({ side }): Promise<Partial<RunInput>> => ({
      config: { track_deletions: "off" },
      ...(side === "read" ? { catalog: fullCatalog("auto", TOP_LEVEL) } : { flags: ["--streams", TOP_LEVEL.join(",")] }),
    }),
    faults: [{ kind: "file-missing-modified-at", line: 7 }],
    expected: {
      code: "RECORD_MISSING_CURSOR",
      failureType: "system_error",
      message: [/^The export's (tasks|messages) object \d+ \(line \d+\) has no 'modified_at', so an incremental sync cannot place it\./, /the next run starts a new export\./, /Set config\.on_invalid_record to "skip"/],
    },
    check: (c) => {
      const lines = downloadedLines(c.em, c.requests);
      const victim = lineWhere(lines, (l) => l.number >= 7 && objectOf(l) !== undefined && objectOf(l)?.resource_type !== "team" && objectOf(l)?.modified_at === undefined, "object without modified_at");
      const object = objectOf(victim);
      expect(c.o.failure?.message).toContain(`object ${String(object?.gid)} (line ${victim.number})`);
      forgetsTheJob(c);
    },
  },
  {
    name: "a file that is not gzip at all (the JSON Lines stored uncompressed)",
    faults: [{ kind: "file-not-gzip" }],
    expected: {
      code: "EXPORT_FILE_NOT_GZIP",
      failureType: "system_error",
      message: [/^The export file is not gzip: it starts with the bytes 7b 22 [0-9a-f]{2} [0-9a-f]{2} \(it looks like uncompressed JSON\), where a gzip file starts with 1f 8b\./, /the next run starts a new export\.$/],
    },
    check: forgetsTheJob,
  },
  {
    name: "a line longer than the 32 MiB line limit (40 MiB of notes)",
    faults: [{ kind: "file-huge-line", line: 5, bytes: 40 * 1024 * 1024 }],
    expected: {
      code: "EXPORT_LINE_TOO_LONG",
      failureType: "system_error",
      message: [/^Export file line \d+ \(byte offset \d+ of the uncompressed file\) is longer than the 33554432-byte line limit, which bounds the memory a line may take\./, /the next run starts a new export\.$/],
    },
    check: forgetsTheJob,
  },
];

failureMatrix("refuses a damaged file", 81, BAD_FILE_CASES);
