// Error bodies as Asana's API and as S3-style object storage write them.

/** Asana's help line on every error. */
export const ERROR_HELP =
  "For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors";

/** One entry of Asana's `errors` array. */
export interface AsanaErrorEntry {
  message: string;
  help?: string;
  phrase?: string;
}

/** Asana's error response body. */
export interface AsanaErrorBody {
  errors: AsanaErrorEntry[];
}

/** An API failure a handler throws; the router turns it into Asana's error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** A 400 for a bad input at `path` ("workspace: Missing input"). */
export function badInput(path: string, problem: string): ApiError {
  return new ApiError(400, `${path}: ${problem}`);
}

/** Asana's error body for a status and message; `phrase` only belongs on 500s. */
export function asanaErrorBody(message: string, phrase?: string): AsanaErrorBody {
  const entry: AsanaErrorEntry = { message, help: ERROR_HELP };
  if (phrase !== undefined) entry.phrase = phrase;
  return { errors: [entry] };
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** An S3-style XML error document. */
export function s3ErrorXml(code: string, message: string, resource: string, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>` +
    `<Resource>${escapeXml(resource)}</Resource><RequestId>${escapeXml(requestId)}</RequestId></Error>`
  );
}
