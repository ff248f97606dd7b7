// What the sync's display knows, phase by phase, and the lines it draws: a pure function of that
// state and the time, so every screen can be tested without a terminal.
import { formatBytes, formatCount, formatElapsed } from "./progress-format.js";

/** The four phases of a standalone sync, in order. */
export const PHASES = ["job", "download", "write", "publish"] as const;
export type Phase = (typeof PHASES)[number];

/** Everything the display shows. Times are clock ms. */
export interface ProgressState {
  started: number;
  job: { gid: string | undefined; status: string; polls: number; nextPollAt: number | undefined; done: number | undefined };
  download: { started: number | undefined; bytes: number; total: number | undefined; done: number | undefined };
  write: { started: number | undefined; records: Map<string, number>; done: number | undefined };
  publish: { started: number | undefined; files: number; manifest: string | undefined; state: string | undefined; done: number | undefined };
}

/** A fresh state for the streams of one sync. */
export function initialState(now: number, streams: readonly string[]): ProgressState {
  return {
    started: now,
    job: { gid: undefined, status: "starting", polls: 0, nextPollAt: undefined, done: undefined },
    download: { started: undefined, bytes: 0, total: undefined, done: undefined },
    write: { started: undefined, records: new Map(streams.map((s) => [s, 0])), done: undefined },
    publish: { started: undefined, files: 0, manifest: undefined, state: undefined, done: undefined },
  };
}

/** The phase in progress (the first not done), or undefined when all are. */
export function currentPhase(state: ProgressState): Phase | undefined {
  if (state.job.done === undefined) return "job";
  if (state.download.done === undefined) return "download";
  if (state.write.done === undefined) return "write";
  if (state.publish.done === undefined) return "publish";
  return undefined;
}

const seconds = (ms: number): number => Math.max(ms, 0) / 1000;

function perSecond(amount: number, since: number | undefined, until: number): number | undefined {
  if (since === undefined) return undefined;
  const s = seconds(until - since);
  return s < 0.2 ? undefined : amount / s;
}

function totalRecords(state: ProgressState): number {
  let n = 0;
  for (const v of state.write.records.values()) n += v;
  return n;
}

function jobLine(state: ProgressState, now: number): string {
  const { job } = state;
  const gid = job.gid === undefined ? "" : ` ${job.gid}`;
  if (job.done !== undefined) {
    const polls = job.polls === 0 ? "" : ` (${job.polls} poll${job.polls === 1 ? "" : "s"})`;
    return `Export job${gid} succeeded after ${formatElapsed(seconds(job.done - state.started))}${polls}`;
  }
  const next = job.nextPollAt === undefined ? "" : `, next poll in ${Math.ceil(seconds(job.nextPollAt - now))} s`;
  return `Waiting for export job${gid}: ${job.status.replaceAll("_", " ")}, ${formatElapsed(seconds(now - state.started))} elapsed${next}`;
}

function downloadLine(state: ProgressState, now: number): string {
  const { download } = state;
  if (download.started === undefined) return "Download";
  const until = download.done ?? now;
  const rate = perSecond(download.bytes, download.started, until);
  if (download.done !== undefined) {
    const speed = rate === undefined ? "" : ` (${formatBytes(rate)}/s)`;
    return `Downloaded ${formatBytes(download.bytes)} in ${formatElapsed(seconds(until - download.started))}${speed}`;
  }
  const { total } = download;
  const of = total === undefined ? "" : ` of ${formatBytes(total)} (${Math.min(100, Math.floor((100 * download.bytes) / Math.max(total, 1)))}%)`;
  const speed = rate === undefined ? "" : `, ${formatBytes(rate)}/s`;
  const eta = rate === undefined || total === undefined || rate <= 0 ? "" : `, ETA ${formatElapsed(Math.max(0, total - download.bytes) / rate)}`;
  return `Downloading ${formatBytes(download.bytes)}${of}${speed}${eta}`;
}

function writeLine(state: ProgressState, now: number): string {
  const { write } = state;
  if (write.started === undefined) return "Write";
  const perStream = [...write.records].map(([s, n]) => `${s} ${formatCount(n)}`).join(" · ");
  const until = write.done ?? now;
  // The totals first: with fifteen streams the per-stream list is what a narrow terminal cuts.
  if (write.done !== undefined) return `Wrote ${formatCount(totalRecords(state))} records in ${formatElapsed(seconds(until - write.started))}: ${perStream}`;
  const rate = perSecond(totalRecords(state), write.started, until);
  return `Writing ${formatCount(totalRecords(state))} records${rate === undefined ? "" : `, ${formatCount(Math.round(rate))} records/s`}: ${perStream}`;
}

function publishLine(state: ProgressState): string {
  const { publish } = state;
  if (publish.started === undefined) return "Publish";
  const files = `${publish.files} file${publish.files === 1 ? "" : "s"} renamed`;
  const parts = [files, publish.manifest === undefined ? undefined : `manifest ${publish.manifest}`, publish.state === undefined ? undefined : `state ${publish.state}`];
  const text = parts.filter((p): p is string => p !== undefined).join(", ");
  return publish.done !== undefined ? `Published: ${text}` : `Publishing: ${text}`;
}

const SPINNER = ["|", "/", "-", "\\"];

/** Fit a line into `width` columns (one character is one column in everything drawn here). */
export function fit(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
}

/**
 * The live block: one line per phase, marked done (✓), in progress (a spinner frame) or to come (·).
 * Lines never exceed `width - 1` columns, so the terminal never wraps them and a redraw that moves
 * the cursor up by the number of lines drawn lands where the block began.
 */
export function renderPhases(state: ProgressState, now: number, width: number, frame = 0): string[] {
  const current = currentPhase(state);
  const texts: Record<Phase, string> = {
    job: jobLine(state, now),
    download: downloadLine(state, now),
    write: writeLine(state, now),
    publish: publishLine(state),
  };
  return PHASES.map((phase) => {
    const index = PHASES.indexOf(phase);
    const currentIndex = current === undefined ? PHASES.length : PHASES.indexOf(current);
    // Downloading and writing overlap: the write phase runs while the download does.
    const active = phase === current || (phase === "write" && current === "download" && state.write.started !== undefined);
    const mark = index < currentIndex && !active ? "✓" : active ? (SPINNER[frame % SPINNER.length] ?? "|") : "·";
    return fit(`${mark} ${texts[phase]}`, Math.max(20, width - 1));
  });
}
