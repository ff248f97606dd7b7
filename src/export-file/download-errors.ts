// The DownloadErrors openDownload raises, each with a message that says what to do. URLs appear
// only through safeUrl, so no signature can reach a log or a protocol message.
import { safeUrl } from "../core/redact.js";
import { DownloadError } from "./errors.js";

/** Transient failures, in a row, outnumbered the retries. */
export function retriesExhausted(
  url: string,
  failures: number,
  last: string,
  received: number,
  cause: unknown,
  status: number | undefined,
): DownloadError {
  return new DownloadError(
    `Downloading the export file from ${safeUrl(url)} failed ${failures} times in a row (last: ${last}) ` +
      `after ${received} bytes. The storage host or the network is failing: run the sync again later; ` +
      `it reuses the same export.`,
    "DOWNLOAD_FAILED",
    { failureType: "transient_error", retryable: true, cause, ...(status === undefined ? {} : { status }) },
  );
}

/** A transport error no retry can fix (a bad URL, an unsupported option). */
export function transportFailure(text: string, cause: unknown): DownloadError {
  return new DownloadError(
    `The export download failed: ${text}. This is a bug or an unusable download URL; run the sync again, ` +
      `and report it if it repeats.`,
    "DOWNLOAD_FAILED",
    { failureType: "system_error", retryable: false, cause },
  );
}

/** An answer that would make resuming unsafe. */
export function badResponse(what: string, url: string, status: number): DownloadError {
  return new DownloadError(
    `The storage host ${safeUrl(url)} ${what}, so the download cannot be resumed safely. ` +
      `Run the sync again; it downloads the export from the start.`,
    "DOWNLOAD_BAD_RESPONSE",
    { failureType: "transient_error", retryable: true, status },
  );
}

/** The object's ETag or size differs from the part already received. */
export function changed(url: string, received: number): DownloadError {
  return new DownloadError(
    `The export file at ${safeUrl(url)} changed while it was being downloaded (after ${received} bytes), ` +
      `so the parts cannot be joined. Run the sync again; it downloads the export from the start.`,
    "DOWNLOAD_CHANGED",
    { failureType: "transient_error", retryable: true },
  );
}

/** Storage kept refusing, even fresh URLs. */
export function forbidden(status: number, expired: boolean, refreshes: number, url: string): DownloadError {
  return new DownloadError(
    `The storage host refused the export download (HTTP ${status}${expired ? ": signed URL expired" : ""}) at ` +
      `${safeUrl(url)}, even after ${refreshes} fresh URL(s) from Asana. Signed URLs are time-limited: ` +
      `check this machine's clock and any proxy in between, then run the sync again.`,
    "DOWNLOAD_FORBIDDEN",
    { failureType: "system_error", retryable: false, status },
  );
}

/** Any other refusal: 404/410 (gone) or an unexpected status. */
export function httpFailure(status: number, url: string): DownloadError {
  if (status === 404 || status === 410) {
    return new DownloadError(
      `The export file is gone (HTTP ${status} from ${safeUrl(url)}); Asana keeps export files 30 days. ` +
        `Run the sync again to start a new export.`,
      "DOWNLOAD_NOT_FOUND",
      { failureType: "transient_error", retryable: true, status },
    );
  }
  return new DownloadError(
    `The storage host answered HTTP ${status} to the export download at ${safeUrl(url)}. ` +
      `Run the sync again; report it if it repeats.`,
    "DOWNLOAD_FAILED",
    { failureType: "system_error", retryable: false, status },
  );
}
