// Errors of the sync stage, and which failures make a recorded export job worthless to resume.
import { ConnectorError } from "../core/errors.js";

/** A record of an incremental stream without its cursor cannot be placed in time: refuse or skip it. */
export class MissingCursorError extends ConnectorError {
  constructor(stream: string, gid: string, cursor: string, line: number) {
    super(
      `The export's ${stream} object ${gid} (line ${line}) has no '${cursor}', so an incremental sync cannot place it. ` +
        `The state no longer records this export job, so the next run starts a new export. ` +
        `Set config.on_invalid_record to "skip" to continue without such objects, or sync the stream in full_refresh mode.`,
      { code: "RECORD_MISSING_CURSOR", failureType: "system_error" },
    );
  }
}

/** Codes of failures that would repeat on every rerun of the same export (its job or its file is bad). */
const UNRESUMABLE_CODES = new Set([
  "EXPORT_JOB_FAILED",
  "EXPORT_FILE_TRUNCATED",
  "EXPORT_FILE_CORRUPT",
  "EXPORT_FILE_NOT_GZIP",
  "EXPORT_LINE_MALFORMED",
  "EXPORT_LINE_INVALID",
  "EXPORT_LINE_NOT_UTF8",
  "EXPORT_LINE_TOO_LONG",
  "RECORD_MISSING_CURSOR",
  // A line the Parquet writer cannot represent (raised by the file sinks): the same line comes back on every resume.
  "RECORD_UNREPRESENTABLE",
]);

/** Whether resuming the export job after this failure would fail the same way. */
export function cannotResume(error: unknown): error is ConnectorError {
  return error instanceof ConnectorError && UNRESUMABLE_CODES.has(error.code);
}
