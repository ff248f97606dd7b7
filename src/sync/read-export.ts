// The export-file stage wired for a sync: download (Range resume, URL refresh) -> decode.
import type { Dispatcher } from "undici";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { Redactor } from "../core/redact.js";
import { decodeExport } from "../export-file/decode.js";
import { openDownload } from "../export-file/download.js";
import type { ExportReader } from "./run.js";

export interface ExportReaderOptions {
  dispatcher: Dispatcher;
  maxRetries: number;
  requestTimeoutMs: number;
  clock: Clock;
  logger: Logger;
  redactor: Redactor;
  onInvalidRecord: "fail" | "skip";
  signal?: AbortSignal;
}

/** An ExportReader that streams the file from object storage and decodes it on the fly. */
export function exportReader(options: ExportReaderOptions): ExportReader {
  return ({ resolveUrl, wantedTypes, fields, referenceTypes, onTotalBytes }) => {
    const bytes = openDownload({
      dispatcher: options.dispatcher,
      resolveUrl,
      maxRetries: options.maxRetries,
      requestTimeoutMs: options.requestTimeoutMs,
      clock: options.clock,
      logger: options.logger,
      redactor: options.redactor,
      ...(options.signal ? { signal: options.signal } : {}),
      onResponse: ({ totalBytes }) => {
        if (totalBytes !== undefined) onTotalBytes(totalBytes);
      },
    });
    const decode = decodeExport(bytes, { onInvalidLine: options.onInvalidRecord, wantedTypes, fields, referenceTypes });
    return { batches: decode, stats: decode.stats };
  };
}
