// The API host's request pipeline: log, rate limit (per token), injected faults, routing, auth,
// handler, and Asana's error envelope for every failure. The emulator's own control endpoint
// (/_emulator/...) goes around all of it.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { matchRoute, type ApiDeps, type Route } from "./api.js";
import { delayRequest } from "./delays.js";
import { CONTROL_PREFIX, type ControlDeps, handleControl } from "./control.js";
import { ApiError, asanaErrorBody } from "./errors.js";
import type { RequestFault } from "./fault-plan.js";
import type { FaultController } from "./faults.js";
import { readBody, sendJson } from "./http.js";
import { errorPhrase } from "./phrase.js";
import type { RateLimiter } from "./rate-limit.js";
import type { RequestLog } from "./request-log.js";

/** What the API host needs beyond the handlers' own dependencies. */
export interface ApiRouterDeps extends ApiDeps {
  /** The control endpoint (/_emulator/...), answered before limits, faults and the log. */
  control: ControlDeps;
  limiter: RateLimiter;
  faults: FaultController;
  log: RequestLog;
  now: () => number;
  /** Seeded randomness for 500 phrases. */
  random: () => number;
}

const TOO_MANY = "You have made too many requests recently. Please, be chill.";
const GATEWAY_MESSAGES: Record<number, string> = { 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return m?.[1];
}

function route(method: string, pathname: string): Route {
  try {
    return matchRoute(method, pathname);
  } catch {
    return { endpoint: "other-api" }; // undecodable path segment
  }
}

function answerFault(deps: ApiRouterDeps, req: IncomingMessage, res: ServerResponse, fault: RequestFault): void {
  switch (fault.kind) {
    case "status":
      if (fault.status === 500) sendJson(res, 500, asanaErrorBody("Server Error", errorPhrase(deps.random)));
      else sendJson(res, fault.status, asanaErrorBody(GATEWAY_MESSAGES[fault.status] ?? "Server Error"));
      return;
    case "rate-limit":
      sendJson(res, 429, asanaErrorBody(TOO_MANY), { "retry-after": String(fault.retryAfterSeconds ?? 1) });
      return;
    case "reset":
    case "expire-url":
      req.socket.destroy();
      return;
    case "latency":
    case "hold":
      return;
  }
}

/** The request listener of the API host. */
export function apiRouter(deps: ApiRouterDeps): RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    const work = url.pathname.startsWith(CONTROL_PREFIX) ? handleControl(deps.control, req, res, url) : handle(deps, req, res);
    void work.catch(() => {
      if (!res.headersSent) sendJson(res, 500, asanaErrorBody("Server Error", errorPhrase(deps.random)));
      else res.destroy();
    });
  };
}

async function handle(deps: ApiRouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const notes = deps.log.begin(req, res, "api", deps.now());
  const url = new URL(req.url ?? "/", "http://emulator.invalid");
  const pretty = url.searchParams.has("opt_pretty") && url.searchParams.get("opt_pretty") !== "false";
  const send = (status: number, body: unknown, headers: Record<string, string> = {}): void =>
    sendJson(res, status, body, headers, pretty);
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof ApiError) send(error.status, asanaErrorBody(error.message));
    else req.socket.destroy();
    return;
  }
  const token = bearer(req);
  const admission = deps.limiter.admit(token ?? `anonymous ${req.socket.remoteAddress ?? ""}`);
  if (!admission.ok) {
    send(429, asanaErrorBody(TOO_MANY), { "retry-after": String(admission.retryAfterSeconds) });
    return;
  }
  res.once("close", admission.release);
  const routed = route(req.method ?? "GET", url.pathname);
  const decision = deps.faults.forRequest(routed.endpoint);
  if (!(await delayRequest(decision, deps.faults, res))) return;
  if (decision.fault) {
    notes.fault = decision.fault.kind;
    answerFault(deps, req, res, decision.fault);
    return;
  }
  try {
    if (!routed.handle) throw new ApiError(404, "No matching route for request");
    const identity = token === undefined ? undefined : deps.directory.identities.get(token);
    if (!identity) throw new ApiError(401, "Not Authorized");
    const reply = routed.handle(deps, identity, body);
    send(reply.status, reply.body);
  } catch (error) {
    if (error instanceof ApiError) send(error.status, asanaErrorBody(error.message), { ...error.headers });
    else send(500, asanaErrorBody("Server Error", errorPhrase(deps.random)));
  }
}
