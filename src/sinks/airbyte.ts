// Airbyte protocol serialiser: sync events -> AirbyteMessage lines on stdout.
import type { Clock } from "../core/clock.js";
import { describeFailure } from "../core/failure.js";
import type { LogLevel } from "../core/logger.js";
import type { Redactor } from "../core/redact.js";
import type { SyncEvent, Sink } from "../core/events.js";
import { DELETION_COLUMNS } from "../core/record.js";
import { withDeletionColumn } from "../core/row-record.js";
import type { LineWriter } from "./output.js";

const RECORD_TAIL = Buffer.from("}}");

const LEVELS: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO", warn: "WARN", error: "ERROR" };

/** An Airbyte LOG message. */
export function airbyteLog(level: LogLevel, message: string): string {
  return JSON.stringify({ type: "LOG", log: { level: LEVELS[level], message } });
}

/** An Airbyte TRACE ERROR for a failed run. */
export function airbyteErrorTrace(error: unknown, redactor: Redactor, now: number, stream?: string): string {
  const { message, internal, failureType, stack } = describeFailure(error, redactor);
  return JSON.stringify({
    type: "TRACE",
    trace: {
      type: "ERROR",
      emitted_at: now,
      error: {
        message,
        internal_message: internal,
        failure_type: failureType,
        ...(stack === undefined ? {} : { stack_trace: stack }),
        ...(stream === undefined ? {} : { stream_descriptor: { name: stream } }),
      },
    },
  });
}

/** Writes sync events as Airbyte messages: RECORD (raw JSON spliced in), STATE, TRACE, LOG. */
export class AirbyteSink implements Sink {
  private lastState = "";

  constructor(
    private readonly out: LineWriter,
    private readonly clock: Clock,
    private readonly redactor: Redactor,
  ) {}

  async handle(event: SyncEvent): Promise<void> {
    switch (event.kind) {
      case "records": {
        // The line was validated upstream: its bytes are spliced into the envelope, never parsed,
        // decoded or stringified again here.
        const head = Buffer.from(`{"type":"RECORD","record":{"stream":${JSON.stringify(event.stream)},"emitted_at":${event.emittedAt},"data":`);
        for (const r of event.records) {
          const full = this.out.record(head, withDeletionColumn(r, DELETION_COLUMNS.airbyte), RECORD_TAIL);
          if (full !== undefined) await full;
        }
        return;
      }
      case "state": {
        const line = JSON.stringify({
          type: "STATE",
          state: {
            type: "STREAM",
            stream: { stream_descriptor: { name: event.stream }, stream_state: event.state },
            sourceStats: { recordCount: event.recordCount },
          },
        });
        if (line === this.lastState) return;
        this.lastState = line;
        await this.out.line(line);
        // A state is a promise to the platform: make sure it leaves the process now.
        await this.out.flush();
        return;
      }
      case "stream_status":
        await this.trace("STREAM_STATUS", { stream_status: { stream_descriptor: { name: event.stream }, status: event.status } });
        return;
      case "estimate":
        await this.trace("ESTIMATE", { estimate: { name: "asana_export", type: "SYNC", byte_estimate: event.bytes } });
        return;
      case "log":
        await this.out.line(airbyteLog(event.level, this.redactor.redact(event.message)));
        return;
      case "progress":
        return;
    }
  }

  async finish(): Promise<void> {
    await this.out.flush();
  }

  private trace(type: string, body: Record<string, unknown>): Promise<void> {
    return this.out.line(JSON.stringify({ type: "TRACE", trace: { type, emitted_at: this.clock.now(), ...body } }));
  }
}
