// What a person sees on stderr during `sync`. On a terminal: a live block redrawn in place, one line
// per phase (waiting for the export job, downloading, writing, publishing), with warnings and
// milestones printed above it as permanent lines. Otherwise: plain timestamped log lines. Both end
// with a summary table. It watches the sync's events on their way to the real sink.
import { isAbsolute, relative } from "node:path";
import type { Clock } from "../core/clock.js";
import type { Logger, LogLevel } from "../core/logger.js";
import type { Redactor } from "../core/redact.js";
import type { Sink, SyncEvent } from "../core/events.js";
import type { PublishStep, SyncResult } from "../sinks/standalone.js";
import { formatBytes, formatElapsed, summaryTable } from "./progress-format.js";
import { initialState, renderPhases, type ProgressState } from "./progress-view.js";

/** Redraws at most this often when events arrive, and at least this often for countdowns. */
const REDRAW_MS = 100;
const TICK_MS = 250;

// Info lines the live block already shows, as numbers that keep moving: printing them as well
// would leave lagging copies on the screen.
const SHOWN_LIVE = [/^Downloaded [\d.]+ MB/, /^Export job \S+ (in_progress|not_started|succeeded)$/, /^Export job \d+ is .*; still waiting$/];

/** Where the display writes: a stream, and on a terminal its width. */
export interface ProgressOutput {
  write(text: string): unknown;
  columns?: number;
}

/** Live progress of one sync on stderr. */
export class SyncProgress {
  private readonly state: ProgressState;
  private drawnLines = 0;
  private lastDraw = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly live: boolean,
    private readonly clock: Clock,
    private readonly redactor: Redactor,
    streams: readonly string[],
    /** Published paths inside it are shown relative to it. */
    private readonly outDir?: string,
  ) {
    this.state = initialState(clock.now(), streams);
    if (live) {
      this.timer = setInterval(() => this.draw(true), TICK_MS);
      this.timer.unref();
    }
  }

  /** A logger for the sync's retries and waits. */
  readonly logger: Logger = (level, message) => this.log(level, message);

  /** Publishing steps of the sink (StandaloneOptions.onPublish). */
  readonly onPublish = (step: PublishStep): void => {
    const p = this.state.publish;
    p.started ??= this.clock.now();
    const path = this.shown(step.path);
    if (step.kind === "file") p.files++;
    else if (step.kind === "manifest") p.manifest = path;
    else p.state = path;
    if (!this.live) this.line(`Published ${step.kind} ${path}`);
    this.draw(false);
  };

  /** Wrap a sink: every event updates the display, then goes on to the sink. */
  wrap(sink: Sink): Sink {
    return {
      handle: (event) => {
        this.observe(event);
        return sink.handle(event);
      },
      finish: async () => {
        const now = this.clock.now();
        this.state.download.done ??= now;
        this.state.write.started ??= now;
        this.state.write.done = now;
        this.state.publish.started ??= now;
        this.draw(true);
        await sink.finish?.();
        this.state.publish.done = this.clock.now();
        this.draw(true);
      },
      abort: async (error) => {
        this.stop();
        await sink.abort?.(error);
      },
    };
  }

  private observe(event: SyncEvent): void {
    const now = this.clock.now();
    const { job, download, write } = this.state;
    switch (event.kind) {
      case "log":
        this.log(event.level, event.message);
        return;
      case "progress":
        if (event.jobGid !== undefined) job.gid = event.jobGid;
        if (event.job !== undefined) {
          if (event.nextPollAt !== undefined) job.polls++;
          job.status = event.job;
          job.nextPollAt = event.nextPollAt;
          // The poll that saw it succeed yields no update of its own.
          if (event.job === "succeeded" && job.done === undefined) {
            job.done = now;
            if (job.polls > 0) job.polls++;
          }
        }
        if (event.totalBytes !== undefined) download.total = event.totalBytes;
        if (event.downloadedBytes !== undefined) {
          download.started ??= now;
          download.bytes = event.downloadedBytes;
        }
        break;
      case "estimate":
        download.total = event.bytes;
        download.started ??= now;
        if (!this.live) this.line(`Downloading ${formatBytes(event.bytes)} (compressed)`);
        break;
      case "records":
        job.done ??= now;
        download.started ??= now;
        write.started ??= now;
        write.records.set(event.stream, (write.records.get(event.stream) ?? 0) + event.records.length);
        break;
      default:
        return;
    }
    this.draw(false);
  }

  private log(level: LogLevel, message: string): void {
    if (level === "debug") return;
    const text = this.redactor.redact(message);
    if (!this.live) {
      this.line(`${level === "info" ? "" : `${level.toUpperCase()}: `}${text}`);
      return;
    }
    if (level === "info" && SHOWN_LIVE.some((re) => re.test(text))) return;
    // A permanent line above the block: erase the block, print, draw the block again below.
    this.clear();
    this.out.write(`${level === "info" ? "" : `${level.toUpperCase()}: `}${text}\n`);
    this.draw(true);
  }

  private shown(path: string): string {
    if (this.outDir === undefined) return path;
    const inside = relative(this.outDir, path);
    return inside.startsWith("..") || isAbsolute(inside) ? path : inside.split("\\").join("/");
  }

  private line(text: string): void {
    const seconds = ((this.clock.now() - this.state.started) / 1000).toFixed(1).padStart(6);
    this.out.write(`[${seconds}s] ${text}\n`);
  }

  private clear(): void {
    // Cursor up to the block's first line, then erase to the end of the screen.
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}F\x1b[0J`);
    this.drawnLines = 0;
  }

  private draw(force: boolean): void {
    if (!this.live || this.stopped) return;
    const now = this.clock.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const lines = renderPhases(this.state, now, this.out.columns ?? 80, this.frame++);
    this.clear();
    this.out.write(`${lines.join("\n")}\n`);
    this.drawnLines = lines.length;
  }

  /** Stop redrawing; the last frame stays on screen, drawn once more so it is current. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.draw(true);
    this.stopped = true;
  }

  /** Stop and print the summary table of a finished sync. */
  done(result: SyncResult): void {
    this.stop();
    const elapsed = (this.clock.now() - this.state.started) / 1000;
    this.out.write(`\nSynced export ${result.exportGid} (created ${result.exportCreatedAt}) in ${formatElapsed(elapsed)}\n`);
    this.out.write(summaryTable(result));
    this.out.write(`Manifest: ${result.manifestPath}\nState:    ${result.statePath}\n`);
  }
}
