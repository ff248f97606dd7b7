import { ConnectorError, type FailureType } from "../core/errors.js";

/** An error answer from Asana's API, mapped to what the user must do. */
export class AsanaApiError extends ConnectorError {
  readonly status: number;
  /** Asana's own error messages from the body (never contains the token). */
  readonly asanaMessages: string[];

  constructor(message: string, status: number, asanaMessages: string[], code: string, failureType: FailureType, retryable = false) {
    super(message, { code, failureType, retryable });
    this.status = status;
    this.asanaMessages = asanaMessages;
  }
}

/** The workspace's single export slot is taken by another export. */
export class ExportSlotBusyError extends AsanaApiError {}

/** Requests kept failing (429, 5xx or network) until `max_retries` ran out. */
export class RetriesExhaustedError extends ConnectorError {
  constructor(what: string, attempts: number, last: string, cause?: unknown) {
    super(
      `${what} failed after ${attempts} attempts (last: ${last}). Asana or the network is unavailable; ` +
        `run the sync again later, or raise config.max_retries.`,
      { code: "ASANA_RETRIES_EXHAUSTED", failureType: "transient_error", retryable: true, cause },
    );
  }
}

/** Asana answered something that does not match its documented shape. */
export class AsanaProtocolError extends ConnectorError {
  constructor(message: string) {
    super(message, { code: "ASANA_UNEXPECTED_RESPONSE", failureType: "system_error" });
  }
}

const SLOT_BUSY = /in progress|already|one export|at a time|concurrent|limit/i;

/** Map a non-retryable Asana answer to an error that says what to do. */
export function asanaError(status: number, messages: string[], what: string): AsanaApiError {
  const said = messages.length > 0 ? ` Asana said: "${messages.join("; ")}".` : "";
  switch (status) {
    case 400:
      return new AsanaApiError(
        `${what} was refused as invalid (400).${said} Check config.filters and the selected fields.`,
        status, messages, "ASANA_BAD_REQUEST", "config_error");
    case 401:
      return new AsanaApiError(
        `The service account token was refused (401 Not Authorized).${said} Set config.service_account_token ` +
          `(or ASANA_SERVICE_ACCOUNT_TOKEN) to a valid token of an Asana service account.`,
        status, messages, "ASANA_UNAUTHORIZED", "config_error");
    case 402:
      return new AsanaApiError(
        `The workspace's plan does not include resource exports (402 Payment Required).${said} ` +
          `Resource exports need Asana Enterprise+ or the Compliance Management add-on.`,
        status, messages, "ASANA_PLAN_LACKS_EXPORTS", "config_error");
    case 403:
      if (messages.some((m) => SLOT_BUSY.test(m))) {
        return new ExportSlotBusyError(
          `Another export is already running in this workspace (403; Asana allows one at a time).${said} ` +
            `Wait for it to finish, then run the sync again.`,
          status, messages, "ASANA_EXPORT_IN_PROGRESS", "transient_error", true);
      }
      return new AsanaApiError(
        `${what} was forbidden (403).${said} The token must belong to a service account of an Enterprise+ ` +
          `organisation with access to config.workspace.`,
        status, messages, "ASANA_FORBIDDEN", "config_error");
    case 404:
      return new AsanaApiError(
        `${what} found nothing (404).${said} Check config.workspace (a workspace gid the service account can see).`,
        status, messages, "ASANA_NOT_FOUND", "config_error");
    default:
      return new AsanaApiError(`${what} failed with HTTP ${status}.${said}`, status, messages, "ASANA_HTTP_ERROR", "system_error");
  }
}
