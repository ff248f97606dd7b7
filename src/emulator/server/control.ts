// The emulator's control endpoint, on the API host under /_emulator/ (a path Asana does not use):
// mutate the running workspace and read its ground truth from another process, e.g. the
// `emulator mutate` command. It answers only peers on loopback and only the admin token; it is
// outside the rate limits, the fault plan and the request log, so it never disturbs what a
// connector under test sees.
//
//   POST /_emulator/mutations       {"data": <mutation>}  -> 200 {"data": <MutationResult>}
//   POST /_emulator/rounds          {"data": <round>}     -> 200 {"data": <MutationSummary>}
//   GET  /_emulator/deleted[?resource_type=task|message|team] -> 200 {"data": [<DeletedObject>]}
//   GET  /_emulator/objects/{task|message|team}/{gid}    -> 200 {"data": <object>} | 404
// Errors: 400 invalid input, 401 no or wrong admin token, 403 not loopback, 404 unknown object or
// path, 409 a mutation that does not apply to its target; body {"errors": [{"message": ...}]}.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { MutationError } from "../mutation-error.js";
import { describeIssues, mutationSchema, roundSchema } from "../mutation-kinds.js";
import { RESOURCE_TYPES, type ResourceType, type Workspace } from "../workspace.js";
import { ApiError } from "./errors.js";
import { parseJsonBody, readBody, sendJson } from "./http.js";

/** The path prefix of the control endpoint. */
export const CONTROL_PREFIX = "/_emulator/";

/** What the control endpoint needs. */
export interface ControlDeps {
  workspace: Workspace;
  adminToken: string;
}

const STATUS = { invalid: 400, "unknown-object": 404, "not-applicable": 409 } as const;

const envelope = z.object({ data: z.custom<unknown>((v) => v !== undefined, "missing") }).strict();

/** Whether a peer address is loopback (IPv4 127/8, IPv6 ::1, or IPv4 loopback mapped into IPv6). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

/** The body's `data`, validated by `schema`. */
function dataOf<T>(body: Buffer, schema: z.ZodType<T>, what: string): T {
  const wrapped = envelope.safeParse(parseJsonBody(body));
  if (!wrapped.success) throw new ApiError(400, `the body must be {"data": <${what}>}: ${describeIssues(wrapped.error, "body")}`);
  const parsed = schema.safeParse(wrapped.data.data);
  if (!parsed.success) throw new ApiError(400, describeIssues(parsed.error, what));
  return parsed.data;
}

function route(deps: ControlDeps, method: string, url: URL, body: Buffer): unknown {
  const parts = url.pathname.slice(CONTROL_PREFIX.length).replace(/\/+$/, "").split("/").map(decodeURIComponent);
  const [first, type, gid] = parts;
  if (method === "POST" && first === "mutations" && parts.length === 1) return deps.workspace.apply(dataOf(body, mutationSchema, "mutation"));
  if (method === "POST" && first === "rounds" && parts.length === 1) return deps.workspace.mutate(dataOf(body, roundSchema, "mutation round"));
  if (method === "GET" && first === "deleted" && parts.length === 1) {
    const wanted = url.searchParams.get("resource_type");
    if (wanted !== null && !RESOURCE_TYPES.includes(wanted as ResourceType)) throw new ApiError(400, `resource_type must be one of ${RESOURCE_TYPES.join(", ")}, got '${wanted}'`);
    return (wanted === null ? RESOURCE_TYPES : [wanted as ResourceType]).flatMap((t) => deps.workspace.deleted(t));
  }
  if (method === "GET" && first === "objects" && parts.length === 3 && type !== undefined && gid !== undefined) {
    if (!RESOURCE_TYPES.includes(type as ResourceType)) throw new ApiError(400, `objects/{type}: type must be one of ${RESOURCE_TYPES.join(", ")}, got '${type}'`);
    const object = deps.workspace.get(type as ResourceType, gid);
    if (object === undefined) throw new ApiError(404, `${type}: Unknown object: ${gid}`);
    return object;
  }
  throw new ApiError(404, `No control route ${method} ${url.pathname}; see POST /_emulator/mutations, POST /_emulator/rounds, GET /_emulator/deleted, GET /_emulator/objects/{type}/{gid}`);
}

/** Answer one control request. */
export async function handleControl(deps: ControlDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const fail = (status: number, message: string): void => sendJson(res, status, { errors: [{ message }] });
  try {
    const body = await readBody(req);
    if (!isLoopback(req.socket.remoteAddress)) {
      fail(403, "The emulator's control endpoint answers only on loopback");
      return;
    }
    const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
    if (token !== deps.adminToken) {
      fail(401, "The control endpoint needs the emulator's admin token (printed at start): Authorization: Bearer <admin token>");
      return;
    }
    sendJson(res, 200, { data: route(deps, req.method ?? "GET", url, body) }, {}, true);
  } catch (error) {
    if (error instanceof MutationError) fail(STATUS[error.reason], error.message);
    else if (error instanceof ApiError) fail(error.status, error.message);
    else fail(500, `The emulator failed to apply it: ${(error as Error).message}`);
  }
}
