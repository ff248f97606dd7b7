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

/**
 * A 403 to the POST that starts an export, when it may mean that the workspace's single export slot
 * is taken: `busy` when Asana's reason says so, `unclear` when it says neither that nor that the
 * token lacks permission (Asana documents the status, not the wording).
 */
export class ExportSlotBusyError extends AsanaApiError {
  constructor(
    message: string,
    messages: string[],
    readonly certainty: "busy" | "unclear",
  ) {
    super(message, 403, messages, certainty === "busy" ? "ASANA_EXPORT_IN_PROGRESS" : "ASANA_FORBIDDEN_OR_BUSY", "transient_error", true);
  }
}

/** Requests kept failing (429, 5xx or network) until `max_retries` ran out. */
export class RetriesExhaustedError extends ConnectorError {
  constructor(what: string, attempts: number, last: string, next: string, cause?: unknown) {
    super(
      `${what} failed after ${attempts} attempts (last: ${last}). Asana or the network is unavailable; ` +
        `run the sync again later, or raise config.max_retries. ${next}`,
      { code: "ASANA_RETRIES_EXHAUSTED", failureType: "transient_error", retryable: true, cause },
    );
  }
}

/**
 * A POST failed in a way that leaves unknown whether Asana acted on it (a reset, a timeout, a 5xx):
 * it is not sent again blindly, since it is not idempotent. The caller says what that means.
 */
export class UnconfirmedPostError extends ConnectorError {
  constructor(
    readonly what: string,
    /** What went wrong, for the message: `HTTP 502 (Bad Gateway)`, `network error ECONNRESET`. */
    readonly last: string,
    cause?: unknown,
  ) {
    super(`${what} got no usable answer (last: ${last}), so whether Asana acted on it is unknown.`, {
      code: "ASANA_POST_UNCONFIRMED",
      failureType: "transient_error",
      retryable: false,
      cause,
    });
  }
}

/** Asana answered something that does not match its documented shape. */
export class AsanaProtocolError extends ConnectorError {
  constructor(message: string, code = "ASANA_UNEXPECTED_RESPONSE") {
    super(message, { code, failureType: "system_error" });
  }
}

/** Wordings of a 403 saying that another export holds the workspace's slot (the emulator's, and likely ones of Asana's). */
const SLOT_BUSY = /in progress|already running|one export|at a time|concurrent/i;
/** Wordings of a 403 saying that the token may not export there: a config error, never worth a wait. */
const NOT_PERMITTED = /permission|not authori[sz]ed|do(?:es)? not have access|don't have access|no access|not a member|service account|not allowed|forbidden|scope/i;

/** Whether a request starts an export: its 403 may mean a busy export slot rather than a refusal. */
export type ErrorContext = "start-export" | "other";

const FORBIDDEN_FIX =
  "The token must belong to a service account of an Enterprise+ organisation with access to config.workspace.";

/**
 * Map a non-retryable Asana answer to an error that says what to do; `next` (what the next run does)
 * ends the message.
 */
export function asanaError(status: number, messages: string[], what: string, context: ErrorContext = "other", next = ""): AsanaApiError {
  const error = describeAnswer(status, messages, what, context);
  if (next === "" || error instanceof ExportSlotBusyError) return error;
  return new AsanaApiError(`${error.message} ${next}`, status, messages, error.code, error.failureType, error.retryable);
}

function describeAnswer(status: number, messages: string[], what: string, context: ErrorContext): AsanaApiError {
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
      if (context === "start-export" && messages.some((m) => SLOT_BUSY.test(m))) {
        return new ExportSlotBusyError(`Another export is running in this workspace (403; Asana allows one at a time).${said}`, messages, "busy");
      }
      if (context === "start-export" && !messages.some((m) => NOT_PERMITTED.test(m))) {
        return new ExportSlotBusyError(
          `${what} was refused (403), and Asana's reason does not say whether another export holds the workspace's ` +
            `only export slot or the token may not export.${said}`,
          messages,
          "unclear",
        );
      }
      return new AsanaApiError(`${what} was forbidden (403).${said} ${FORBIDDEN_FIX}`, status, messages, "ASANA_FORBIDDEN", "config_error");
    case 404:
      return new AsanaApiError(
        `${what} found nothing (404).${said} Check config.workspace (a workspace gid the service account can see).`,
        status, messages, "ASANA_NOT_FOUND", "config_error");
    default:
      return new AsanaApiError(`${what} failed with HTTP ${status}.${said}`, status, messages, "ASANA_HTTP_ERROR", "system_error");
  }
}

/** What an unclear 403 leaves the user to check, once the wait for the slot is over. */
export const UNCLEAR_403_FIX =
  "If no other export is running, the refusal is a permission one: the token must belong to a service account of an " +
  "Enterprise+ organisation with access to config.workspace.";
