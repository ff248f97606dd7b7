// The DownloadErrors openDownload raises, each with a message that says what to do. URLs appear
// only through safeUrl, so no signature can reach a log or a protocol message.
import { safeUrl } from "../core/redact.js";
import { DownloadError } from "./errors.js";

/** What the next run does after a download failure that leaves the export job recorded in the state. */
const NEXT_RUN_RESUMES = "The state keeps the export job: the next run resumes it and downloads its file again from the start.";

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
      `after ${received} bytes. The storage host or the network is failing: run the sync again later. ${NEXT_RUN_RESUMES}`,
    "DOWNLOAD_FAILED",
    { failureType: "transient_error", retryable: true, cause, ...(status === undefined ? {} : { status }) },
  );
}

/** A transport error no retry can fix (a bad URL, an unsupported option). */
export function transportFailure(text: string, cause: unknown): DownloadError {
  return new DownloadError(
    `The export download failed: ${text}. This is a bug or an unusable download URL: report it if it repeats. ` +
      NEXT_RUN_RESUMES,
    "DOWNLOAD_FAILED",
    { failureType: "system_error", retryable: false, cause },
  );
}

/** An answer that would make resuming unsafe. */
export function badResponse(what: string, url: string, status: number): DownloadError {
  return new DownloadError(
    `The storage host ${safeUrl(url)} ${what}, so the download cannot be resumed safely. ${NEXT_RUN_RESUMES}`,
    "DOWNLOAD_BAD_RESPONSE",
    { failureType: "transient_error", retryable: true, status },
  );
}

/** The object's ETag or size differs from the part already received. */
export function changed(url: string, received: number): DownloadError {
  return new DownloadError(
    `The export file at ${safeUrl(url)} changed while it was being downloaded (after ${received} bytes), ` +
      `so the parts cannot be joined. ${NEXT_RUN_RESUMES}`,
    "DOWNLOAD_CHANGED",
    { failureType: "transient_error", retryable: true },
  );
}

/** Storage kept refusing, even fresh URLs. */
export function forbidden(status: number, expired: boolean, refreshes: number, url: string): DownloadError {
  return new DownloadError(
    `The storage host refused the export download (HTTP ${status}${expired ? ": signed URL expired" : ""}) at ` +
      `${safeUrl(url)}, even after ${refreshes} fresh URL(s) from Asana. Signed URLs are time-limited: ` +
      `check this machine's clock and any proxy in between, then run the sync again. ${NEXT_RUN_RESUMES}`,
    "DOWNLOAD_FORBIDDEN",
    { failureType: "system_error", retryable: false, status },
  );
}

/** Any other refusal: 404/410 (gone) or an unexpected status. */
export function httpFailure(status: number, url: string): DownloadError {
  if (status === 404 || status === 410) {
    return new DownloadError(
      `The export file is gone (HTTP ${status} from ${safeUrl(url)}); Asana keeps export files 30 days. ` +
        `Run the sync again: it finds the file of the recorded export job gone and starts a new export.`,
      "DOWNLOAD_NOT_FOUND",
      { failureType: "transient_error", retryable: true, status },
    );
  }
  return new DownloadError(
    `The storage host answered HTTP ${status} to the export download at ${safeUrl(url)}; report it if it repeats. ` +
      NEXT_RUN_RESUMES,
    "DOWNLOAD_FAILED",
    { failureType: "system_error", retryable: false, status },
  );
}

/** The download spent longer than its deadline waiting for the storage host. */
export function tooSlow(url: string, deadlineMs: number, received: number, total: number | undefined): DownloadError {
  const of = total === undefined ? "" : ` of ${total}`;
  return new DownloadError(
    `Downloading the export file from ${safeUrl(url)} spent more than ${Math.round(deadlineMs / 60_000)} minutes waiting ` +
      `for the storage host (${received}${of} bytes received): the host or the network is far too slow. ${NEXT_RUN_RESUMES}`,
    "DOWNLOAD_TOO_SLOW",
    { failureType: "transient_error", retryable: true },
  );
}
