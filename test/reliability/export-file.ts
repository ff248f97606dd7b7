// The export file a run downloaded, read straight from the emulator's storage folder: the ground
// truth of what a correct decoder must make of a damaged file (which lines, at which byte offsets).
import { isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Emulator, RequestRecord } from "../../src/emulator/index.js";

/** One line of the uncompressed export file. */
export interface FileLine {
  /** 1-based. */
  number: number;
  /** Byte offset of its first byte. */
  offset: number;
  bytes: Buffer;
}

/** The lines of the export file the given requests downloaded (the last one named). */
export function downloadedLines(em: Emulator, requests: readonly RequestRecord[]): FileLine[] {
  const path = requests.filter((q) => q.role === "storage").at(-1)?.path;
  const exportGid = path === undefined ? undefined : /\/(\d+)\.jsonl\.gz$/.exec(path)?.[1];
  if (exportGid === undefined) throw new Error("no download of an export file among the requests");
  const text = gunzipSync(readFileSync(join(em.tempDir, `${exportGid}.jsonl.gz`)));
  const lines: FileLine[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf(10, start);
    const end = nl === -1 ? text.length : nl;
    lines.push({ number: lines.length + 1, offset: start, bytes: text.subarray(start, end) });
    start = end + 1;
  }
  return lines;
}

/** A line as an object when it is valid UTF-8 JSON with a string gid, else undefined. */
export function objectOf(line: FileLine): Record<string, unknown> | undefined {
  if (!isUtf8(line.bytes)) return undefined;
  try {
    const value: unknown = JSON.parse(line.bytes.toString("utf8"));
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const object = value as Record<string, unknown>;
    return typeof object.gid === "string" && typeof object.resource_type === "string" ? object : undefined;
  } catch {
    return undefined;
  }
}

/** The first line a predicate picks, or a test failure. */
export function lineWhere(lines: readonly FileLine[], pick: (line: FileLine) => boolean, what: string): FileLine {
  const line = lines.find(pick);
  if (line === undefined) throw new Error(`the export file has no ${what}`);
  return line;
}
