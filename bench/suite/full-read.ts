// The sync before the measured incremental ones: `read` of the full export, checked, its final state kept.
import { LineSplitter } from "../../src/export-file/lines.js";
import type { StreamState } from "../../src/sync/state.js";
import { measure } from "./measure.js";

const node = process.execPath;

/**
 * `read` of the full export (the sync before): exit 0, every live object of each stream of `live`
 * emitted once, and with tracking every one of them in the state's keys. Returns the final state of each stream.
 */
export async function fullRead(
  cli: string,
  files: { config: string; catalog: string; state: string },
  /** Per stream, the gids it must emit. */
  live: ReadonlyMap<string, ReadonlySet<string>>,
  tracking: "off" | "objects" | "rows",
): Promise<Map<string, StreamState>> {
  const finals = new Map<string, StreamState>();
  const counts = new Map<string, number>();
  const splitter = new LineSplitter();
  // Records are counted by their stream (the sink writes it first); only STATE lines are parsed.
  const recordHead = /^\{"type":"RECORD","record":\{"stream":"([a-z_]+)"/;
  const onLine = (buf: Buffer, start: number, end: number): void => {
    const head = buf.toString("utf8", start, Math.min(end, start + 64));
    const record = recordHead.exec(head);
    if (record?.[1] !== undefined) counts.set(record[1], (counts.get(record[1]) ?? 0) + 1);
    else if (head.startsWith('{"type":"STATE"')) {
      const state = (JSON.parse(buf.toString("utf8", start, end)) as { state: { stream: { stream_descriptor: { name: string }; stream_state: StreamState } } }).state.stream;
      finals.set(state.stream_descriptor.name, state.stream_state);
    }
  };
  const run = await measure({
    command: node,
    args: [cli, "read", "--config", files.config, "--catalog", files.catalog, "--state", files.state],
    stdout: async (stdout) => {
      for await (const chunk of stdout) splitter.push(chunk as Buffer, onLine);
      splitter.end(onLine);
    },
  });
  if (run.exitCode !== 0) throw new Error(`the full read (track_deletions ${tracking}) exited with ${run.exitCode ?? run.signal}: ${run.stderr.slice(-500)}`);
  for (const name of live.keys()) {
    const want = live.get(name)?.size ?? 0;
    if (counts.get(name) !== want) throw new Error(`the full read (track_deletions ${tracking}) emitted ${String(counts.get(name))} ${name} records, expected ${want}`);
    const final = finals.get(name);
    if (final?.cursor === undefined || final.pending_export !== undefined) throw new Error(`the full read (track_deletions ${tracking}) left no cursor for ${name}`);
    const given = final.given?.count;
    if (tracking !== "off" && given !== want) throw new Error(`the full read (track_deletions ${tracking}) keeps ${String(given)} ${name} keys, expected ${want}`);
    if (tracking === "off" && final.given !== undefined) throw new Error(`the full read (track_deletions off) keeps ${name} keys`);
  }
  return finals;
}
