// The errors of the export-file stage. Every one carries a stable `code` so callers and tests can
// branch on it, and a message that says what to do and never contains a signed URL or line content.
import { ConnectorError, type FailureType } from "../core/errors.js";

/** Codes of DownloadError. */
export type DownloadErrorCode =
  | "DOWNLOAD_FAILED"
  | "DOWNLOAD_FORBIDDEN"
  | "DOWNLOAD_NOT_FOUND"
  | "DOWNLOAD_CHANGED"
  | "DOWNLOAD_BAD_RESPONSE"
  | "DOWNLOAD_TOO_SLOW";

/** Fetching the export file from object storage failed. */
export class DownloadError extends ConnectorError {
  /** HTTP status of the last response, when the failure was an HTTP answer. */
  readonly status: number | undefined;

  constructor(
    message: string,
    code: DownloadErrorCode,
    options: { failureType: FailureType; retryable: boolean; status?: number; cause?: unknown },
  ) {
    super(message, { code, failureType: options.failureType, retryable: options.retryable, cause: options.cause });
    this.status = options.status;
  }
}

/** Codes of ExportFileError. */
export type ExportFileErrorCode = "EXPORT_FILE_TRUNCATED" | "EXPORT_FILE_CORRUPT" | "EXPORT_FILE_NOT_GZIP";

/** The gzip container of the export file is damaged. */
export class ExportFileError extends ConnectorError {
  constructor(message: string, code: ExportFileErrorCode, cause?: unknown) {
    // A truncated file is usually a transfer problem, so downloading again may help; a corrupt one is not.
    const truncated = code === "EXPORT_FILE_TRUNCATED";
    super(message, {
      code,
      failureType: truncated ? "transient_error" : "system_error",
      retryable: truncated,
      cause,
    });
  }
}

/** Why a line of the export was refused (also the keys of the skip counters). */
export type InvalidLineReason =
  | "not_utf8"
  | "malformed_json"
  | "not_object"
  | "missing_gid"
  | "missing_resource_type";

/** Codes of ExportLineError. */
export type ExportLineErrorCode =
  | "EXPORT_LINE_MALFORMED"
  | "EXPORT_LINE_INVALID"
  | "EXPORT_LINE_NOT_UTF8"
  | "EXPORT_LINE_TOO_LONG";

/** One line of the export is unusable; names its 1-based line number and uncompressed byte offset. */
export class ExportLineError extends ConnectorError {
  readonly line: number;
  readonly offset: number;
  readonly reason: InvalidLineReason | "too_long";

  constructor(
    message: string,
    code: ExportLineErrorCode,
    where: { line: number; offset: number; reason: InvalidLineReason | "too_long" },
  ) {
    super(message, { code, failureType: "system_error", retryable: false });
    this.line = where.line;
    this.offset = where.offset;
    this.reason = where.reason;
  }
}

/** The error code reported for each refusal reason. */
export function codeForReason(reason: InvalidLineReason): ExportLineErrorCode {
  if (reason === "malformed_json") return "EXPORT_LINE_MALFORMED";
  if (reason === "not_utf8") return "EXPORT_LINE_NOT_UTF8";
  return "EXPORT_LINE_INVALID";
}
