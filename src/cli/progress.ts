// What a person sees on stderr during `sync`: on a terminal, a live display redrawn in place (job
// status while waiting, bytes downloaded of the total, records per stream, rate, elapsed); otherwise
// plain log lines. Both end with a summary table. It watches the sync's events on their way to the
// real sink.
import type { Clock } from "../core/clock.js";
import type { Logger, LogLevel } from "../core/logger.js";
import type { Redactor } from "../core/redact.js";
import type { Sink, SyncEvent } from "../core/events.js";
import type { SyncResult } from "../sinks/standalone.js";
import { formatBytes, formatCount, formatElapsed, summaryTable } from "./progress-format.js";

const REDRAW_MS = 100;
const SPINNER = ["|", "/", "-", "\\"];

/** Live progress of one sync on stderr. */
export class SyncProgress {
  private readonly started: number;
  private job: string | undefined;
  private downloaded = 0;
  /** When the download began (first bytes or records): rates count from here, not from the wait. */
  private downloadStarted: number | undefined;
  private total: number | undefined;
  private readonly records = new Map<string, number>();
  private lastMessage = "";
  private drawnLines = 0;
  private lastDraw = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly live: boolean,
    private readonly clock: Clock,
    private readonly redactor: Redactor,
    streams: readonly string[],
  ) {
    this.started = clock.now();
    for (const s of streams) this.records.set(s, 0);
    if (live) {
      this.timer = setInterval(() => this.draw(true), 500);
      this.timer.unref();
    }
  }

  /** A logger for the sync's retries and waits. */
  readonly logger: Logger = (level, message) => this.log(level, message);

  /** Wrap a sink: every event updates the display, then goes on to the sink. */
  wrap(sink: Sink): Sink {
    return {
      handle: (event) => {
        this.observe(event);
        return sink.handle(event);
      },
      finish: async () => sink.finish?.(),
      abort: async (error) => {
        this.stop();
        await sink.abort?.(error);
      },
    };
  }

  private observe(event: SyncEvent): void {
    switch (event.kind) {
      case "log":
        this.log(event.level, event.message);
        return;
      case "progress":
        // Plain output: the sync's own log lines already say when the job's status changes.
        if (event.job !== undefined) this.job = event.job;
        if (event.downloadedBytes !== undefined) {
          this.downloadStarted ??= this.clock.now();
          this.downloaded = event.downloadedBytes;
        }
        if (event.totalBytes !== undefined) this.total = event.totalBytes;
        break;
      case "estimate":
        this.total = event.bytes;
        break;
      case "records":
        this.downloadStarted ??= this.clock.now();
        this.records.set(event.stream, (this.records.get(event.stream) ?? 0) + event.records.length);
        break;
      default:
        return;
    }
    this.draw(false);
  }

  private log(level: LogLevel, message: string): void {
    const text = this.redactor.redact(message);
    if (level === "debug") return;
    if (!this.live) {
      this.line(`${level === "info" ? "" : `${level.toUpperCase()}: `}${text}`);
      return;
    }
    if (level === "info") {
      this.lastMessage = text;
      this.draw(true);
    } else {
      this.clear();
      this.out.write(`${level.toUpperCase()}: ${text}\n`);
      this.draw(true);
    }
  }

  private line(text: string): void {
    const seconds = ((this.clock.now() - this.started) / 1000).toFixed(1).padStart(6);
    this.out.write(`[${seconds}s] ${text}\n`);
  }

  private clear(): void {
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}F\x1b[0J`);
    this.drawnLines = 0;
  }

  private draw(force: boolean): void {
    if (!this.live) return;
    const now = this.clock.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const elapsed = (now - this.started) / 1000;
    const downloading = this.downloadStarted === undefined ? 0 : Math.max((now - this.downloadStarted) / 1000, 0.001);
    const rate = (n: number): number => (downloading === 0 ? 0 : n / downloading);
    const count = [...this.records.values()].reduce((a, b) => a + b, 0);
    const spin = SPINNER[this.frame++ % SPINNER.length] ?? "";
    const of = this.total === undefined ? "" : ` of ${formatBytes(this.total)} (${Math.floor((100 * this.downloaded) / Math.max(this.total, 1))}%)`;
    const lines = [
      `${spin} export job: ${(this.job ?? "starting").replaceAll("_", " ")}   elapsed ${formatElapsed(elapsed)}`,
      `  downloaded ${formatBytes(this.downloaded)}${of}   ${formatBytes(rate(this.downloaded))}/s`,
      `  records ${[...this.records].map(([s, n]) => `${s} ${formatCount(n)}`).join("   ")}   ${formatCount(Math.round(rate(count)))} rec/s`,
      `  ${this.lastMessage.slice(0, 120)}`,
    ];
    this.clear();
    this.out.write(`${lines.map((l) => `\x1b[2K${l}`).join("\n")}\n`);
    this.drawnLines = lines.length;
  }

  /** Stop redrawing (leaves the last frame on screen). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.draw(true);
  }

  /** Stop and print the summary table of a finished sync. */
  done(result: SyncResult): void {
    // Progress events are sampled: the last frame shows the finished download.
    if (this.total !== undefined) this.downloaded = this.total;
    this.stop();
    const elapsed = (this.clock.now() - this.started) / 1000;
    this.out.write(`\nSynced export ${result.exportGid} (created ${result.exportCreatedAt}) in ${formatElapsed(elapsed)}\n`);
    this.out.write(summaryTable(result));
    this.out.write(`Manifest: ${result.manifestPath}\nState:    ${result.statePath}\n`);
  }
}
