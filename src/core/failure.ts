// The one mapping from any error to what a run reports: Airbyte's failure_type, the message a user
// acts on, and the internal text for logs. Both bins (Airbyte and Singer) report through it.
import { ConnectorError, type FailureType } from "./errors.js";
import { fileSystemError } from "./fs-errors.js";
import type { Redactor } from "./redact.js";

/** A failure as reported, secrets redacted. */
export interface FailureReport {
  failureType: FailureType;
  /** What the user reads: our message, or for an unexpected error, that it is a bug to report. */
  message: string;
  /** `CODE: message` (or `ErrorName: message`), for the logs and Airbyte's internal_message. */
  internal: string;
  /** The stack of an unexpected error (ours carry none: their message says it all). */
  stack: string | undefined;
}

/**
 * How to report an error: a ConnectorError says who must act; a file-system or socket failure is
 * the user's to fix (core/fs-errors.ts); anything else is a bug of ours.
 */
export function describeFailure(caught: unknown, redactor: Redactor): FailureReport {
  const error = fileSystemError(caught) ?? caught;
  const raw = error instanceof Error ? error.message : String(error);
  if (error instanceof ConnectorError) {
    return { failureType: error.failureType, message: redactor.redact(raw), internal: redactor.redact(`${error.code}: ${raw}`), stack: undefined };
  }
  const internal = error instanceof Error ? `${error.name}: ${raw}` : raw;
  return {
    failureType: "system_error",
    message: redactor.redact(`Unexpected error: ${raw}. This is a bug; please report it with the log.`),
    internal: redactor.redact(internal),
    stack: error instanceof Error && error.stack ? redactor.redact(error.stack) : undefined,
  };
}
