// Writes one export file: every slot of every parameter, visited in a keyed Feistel order so objects
// are shuffled and types interleaved, each object filtered and projected as it is read from the
// workspace snapshot taken when the job was created, gzip-compressed and streamed to a temp file.
// Memory stays flat whatever the size; the event loop is yielded between chunks.
import { createHash, type Hash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { stat, truncate, unlink } from "node:fs/promises";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { createGzip } from "node:zlib";
import type { WorkspaceView } from "../workspace.js";
import type { ExportParameter } from "./export-request.js";
import type { FileFault } from "./fault-plan.js";
import { LineFaults, type Line } from "./line-faults.js";
import { feistelPermutation } from "./permutation.js";
import { mergeProjections } from "./project-fields.js";

/** What to write and where. */
export interface ExportFileSpec {
  path: string;
  /** What to export: a snapshot taken when the job was created. */
  workspace: WorkspaceView;
  parameters: readonly ExportParameter[];
  /** Write an object that several parameters of its type match once, with their fields' union. */
  union: boolean;
  /** Key of the shuffle: same key, same workspace, same bytes. */
  key: number;
  gzipLevel: number;
  faults: readonly FileFault[];
  /** A gid for injected lines that is no real object's. */
  fakeGid: string;
  signal: AbortSignal;
}

/** A finished export file. */
export interface WrittenExportFile {
  path: string;
  size: number;
  /** Quoted md5 of the bytes, as S3 gives for single-part objects. */
  etag: string;
  lines: number;
}

const CHUNK_CHARS = 64 * 1024;

class Md5Tap extends Transform {
  readonly hash: Hash = createHash("md5");
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
}

async function md5OfFile(path: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex");
}

/** The parameters grouped by resource type, in the order the types first appear. */
function byType(parameters: readonly ExportParameter[]): ExportParameter[][] {
  const groups = new Map<string, ExportParameter[]>();
  for (const p of parameters) groups.set(p.resourceType, [...(groups.get(p.resourceType) ?? []), p]);
  return [...groups.values()];
}

/** Generate, compress and write an export file; rejects (and removes the file) when aborted. */
export async function writeExportFile(spec: ExportFileSpec): Promise<WrittenExportFile> {
  const { workspace, signal } = spec;
  // What one pass over a type's slots writes: a line per parameter, or one line for all of its type.
  const sources = spec.union ? byType(spec.parameters) : spec.parameters.map((p) => [p]);
  const sizes = sources.map((s) => workspace.slots((s[0] as ExportParameter).resourceType));
  const starts: number[] = [];
  let total = 0;
  for (const size of sizes) {
    starts.push(total);
    total += size;
  }
  const permutation = feistelPermutation(total, spec.key);
  const faults = new LineFaults(spec.faults, spec.fakeGid);
  const gzip = createGzip({ level: spec.gzipLevel });
  const tap = new Md5Tap();
  const done = pipeline(gzip, tap, createWriteStream(spec.path));
  done.catch(() => undefined); // observed below; avoid an unhandled rejection while writing

  let text: string[] = [];
  let textChars = 0;
  let lines = 0;
  const write = async (chunk: string | Buffer): Promise<void> => {
    if (!gzip.write(chunk)) await once(gzip, "drain");
  };
  const flush = async (): Promise<void> => {
    if (textChars === 0) return;
    const chunk = text.join("");
    text = [];
    textChars = 0;
    await write(chunk);
    await yieldToLoop();
    if (signal.aborted) throw signal.reason ?? new Error("export aborted");
  };
  const emit = async (line: Line): Promise<void> => {
    lines += 1;
    if (typeof line === "string") {
      text.push(line, "\n");
      textChars += line.length + 1;
      if (textChars >= CHUNK_CHARS) await flush();
    } else {
      await flush();
      await write(Buffer.concat([line, Buffer.from("\n")]));
    }
  };

  try {
    for (let position = 0; position < total; position++) {
      const slot = permutation.at(position);
      let p = sizes.length - 1;
      while ((starts[p] ?? 0) > slot) p -= 1;
      const source = sources[p];
      if (!source?.[0]) continue;
      const object = workspace.at(source[0].resourceType, slot - (starts[p] ?? 0));
      if (!object) continue;
      const matching = source.filter((parameter) => parameter.matches(object));
      if (matching.length === 0) continue;
      for (const inserted of faults.insertsAt(lines + 1)) await emit(inserted);
      await emit(faults.serialize(lines + 1, matching.map((parameter) => parameter.project(object)).reduce(mergeProjections)));
    }
    for (const inserted of faults.leftoverInserts()) await emit(inserted);
    await flush();
    gzip.end();
    await done;
  } catch (error) {
    gzip.destroy(error instanceof Error ? error : new Error(String(error)));
    await done.catch(() => undefined);
    await unlink(spec.path).catch(() => undefined);
    throw error;
  }

  let size = (await stat(spec.path)).size;
  let md5 = tap.hash.digest("hex");
  const truncation = spec.faults.find((f) => f.kind === "file-truncated");
  if (truncation) {
    size = Math.max(1, Math.min(size - 1, Math.floor(size * (truncation.keepFraction ?? 0.5))));
    await truncate(spec.path, size);
    md5 = await md5OfFile(spec.path);
  }
  return { path: spec.path, size, etag: `"${md5}"`, lines };
}
