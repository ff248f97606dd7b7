// Helpers to read request bodies and write JSON and XML responses.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./errors.js";

/** Bodies above this are refused: export requests are small. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Read the whole request body, refusing more than `limit` bytes with a 413. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) tooLarge = true;
    else chunks.push(chunk);
  }
  if (tooLarge) throw new ApiError(413, `Request body too large: more than ${limit} bytes`);
  return Buffer.concat(chunks);
}

/** Parse a JSON request body; an empty body is `undefined`, broken JSON a 400. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    throw new ApiError(400, "Could not parse request data, invalid JSON");
  }
}

/** Send a JSON body with its length. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string | readonly string[]>> = {},
  pretty = false,
): void {
  const text = pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=UTF-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Send an XML body (S3-style errors). */
export function sendXml(
  res: ServerResponse,
  status: number,
  xml: string,
  headers: Readonly<Record<string, string>> = {},
  head = false,
): void {
  res.writeHead(status, { ...headers, "content-type": "application/xml", "content-length": Buffer.byteLength(xml) });
  res.end(head ? undefined : xml);
}
