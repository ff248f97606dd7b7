import { ConnectorError } from "../core/errors.js";

/** The reader of our stdout went away (EPIPE): stop quietly, this is not a failure of the sync. */
export class OutputClosedError extends ConnectorError {
  constructor() {
    super("The output was closed by its reader; stopping.", { code: "OUTPUT_CLOSED", failureType: "system_error" });
  }
}

const FLUSH_AT = 256 * 1024;

/**
 * Line output with large batched writes and backpressure: text accumulates up to FLUSH_AT bytes,
 * then one write; when the stream's buffer is full, `write` waits for 'drain'.
 */
export class LineWriter {
  private parts: string[] = [];
  private size = 0;
  private closed = false;
  private failure: Error | undefined;

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      this.closed = true;
      this.failure = error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED" ? new OutputClosedError() : error;
    });
  }

  /** Queue one line (without its newline); flushes when the batch is large. */
  async line(text: string): Promise<void> {
    this.parts.push(text, "\n");
    this.size += text.length + 1;
    if (this.size >= FLUSH_AT) await this.flush();
  }

  /** Write what is queued, waiting while the stream is saturated. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.size === 0) return;
    const chunk = this.parts.join("");
    this.parts = [];
    this.size = 0;
    if (this.closed) throw this.failure ?? new OutputClosedError();
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off("drain", done);
          this.stream.off("error", done);
          this.stream.off("close", done);
          resolve();
        };
        this.stream.on("drain", done);
        this.stream.on("error", done);
        this.stream.on("close", done);
      });
    }
    if (this.failure) throw this.failure;
  }
}
