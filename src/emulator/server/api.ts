// The API endpoints: users/me and workspaces for `check`, exports/resource to start an export, and
// jobs/{gid} to follow it. Each handler returns the reply; the router adds auth, limits and faults.
import type { Directory, Identity, WorkspaceInfo } from "./directory.js";
import { ApiError, badInput } from "./errors.js";
import { parseExportRequest, type RequestRules } from "./export-request.js";
import type { Endpoint } from "./faults.js";
import { parseJsonBody } from "./http.js";
import type { ExportJob, JobStore } from "./jobs.js";

/** What the API handlers need. */
export interface ApiDeps {
  directory: Directory;
  jobs: JobStore;
  /** The presigned download URL of an export, fresh at each call. */
  downloadUrl: (job: ExportJob) => string;
  /** What two export parameters of one resource type do, and how deep a field path may go. */
  requestRules: RequestRules;
}

/** The reply of a handler. */
export interface Reply {
  status: number;
  body: unknown;
}

/** A routed request. */
export interface Route {
  endpoint: Endpoint;
  /** Absent for unknown paths (404). */
  handle?: (deps: ApiDeps, identity: Identity, body: Buffer) => Reply;
}

const API_PREFIX = "/api/1.0";

const compact = (ws: WorkspaceInfo): Record<string, unknown> => ({ gid: ws.gid, resource_type: "workspace", name: ws.name });

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The job as `GET /jobs/{gid}` and `POST /exports/resource` show it (`status`: what this answer says). */
export function jobJson(job: ExportJob, downloadUrl: string | null, status: string = job.status): Record<string, unknown> {
  return {
    gid: job.gid,
    resource_type: "job",
    resource_subtype: "export_request",
    status,
    new_resource_export: {
      gid: job.exportGid,
      resource_type: "export_request",
      created_at: iso(job.createdAt),
      completed_at: iso(job.completedAt),
      download_url: downloadUrl,
    },
  };
}

function workspaceFor(deps: ApiDeps, identity: Identity, gid: string, field: string): WorkspaceInfo {
  if (!/^\d+$/.test(gid)) throw badInput(field, `Not a valid gid: ${JSON.stringify(gid)}`);
  const ws = deps.directory.workspaces.get(gid);
  if (!ws) throw new ApiError(404, `${field}: Unknown object: ${gid}`);
  if (!identity.workspaceGids.includes(gid)) {
    throw new ApiError(403, `You do not have access to workspace ${gid}; the token's user is not a member of it`);
  }
  return ws;
}

function usersMe(deps: ApiDeps, identity: Identity): Reply {
  const workspaces = identity.workspaceGids.flatMap((gid) => {
    const ws = deps.directory.workspaces.get(gid);
    return ws ? [compact(ws)] : [];
  });
  return {
    status: 200,
    body: { data: { gid: identity.userGid, resource_type: "user", name: identity.name, email: identity.email, photo: null, workspaces } },
  };
}

function listWorkspaces(deps: ApiDeps, identity: Identity): Reply {
  const data = identity.workspaceGids.flatMap((gid) => {
    const ws = deps.directory.workspaces.get(gid);
    return ws ? [compact(ws)] : [];
  });
  return { status: 200, body: { data } };
}

function getWorkspace(gid: string) {
  return (deps: ApiDeps, identity: Identity): Reply => {
    const ws = workspaceFor(deps, identity, gid, "workspace");
    return {
      status: 200,
      body: { data: { ...compact(ws), is_organization: ws.isOrganization, email_domains: [...ws.emailDomains] } },
    };
  };
}

function createExport(deps: ApiDeps, identity: Identity, body: Buffer): Reply {
  const request = parseExportRequest(parseJsonBody(body), deps.requestRules);
  const ws = workspaceFor(deps, identity, request.workspaceGid, "workspace");
  if (!identity.serviceAccount) {
    throw new ApiError(403, "Only service accounts may create resource exports; use a service account token of an Enterprise+ organization");
  }
  if (!ws.exportPlan) {
    throw new ApiError(402, "Resource exports require an Enterprise+ plan or the Compliance Management add-on; this organization's plan does not include them");
  }
  const running = deps.jobs.running(ws.gid);
  if (running) {
    throw new ApiError(403, `An export is already in progress for workspace ${ws.gid} (job ${running.gid}); only one export may run at a time, wait for it to finish`);
  }
  const job = deps.jobs.create(identity.token, request);
  return { status: 201, body: { data: jobJson(job, null) } };
}

function getJob(gid: string) {
  return (deps: ApiDeps, identity: Identity): Reply => {
    if (!/^\d+$/.test(gid)) throw badInput("job_gid", `Not a valid gid: ${JSON.stringify(gid)}`);
    const known = deps.jobs.get(gid);
    // A job is visible only to the token that created it; others see no such object.
    if (!known || known.ownerToken !== identity.token) throw new ApiError(404, `job: Unknown object: ${gid}`);
    const view = deps.jobs.poll(gid) ?? { job: known, status: known.status, showUrl: known.status === "succeeded" };
    const url = view.showUrl ? deps.downloadUrl(view.job) : null;
    return { status: 200, body: { data: jobJson(view.job, url, view.status) } };
  };
}

/** Route a method and path of the API host. */
export function matchRoute(method: string, pathname: string): Route {
  const path = pathname.replace(/\/+$/, "");
  if (!path.startsWith(`${API_PREFIX}/`)) return { endpoint: "other-api" };
  const parts = path.slice(API_PREFIX.length + 1).split("/").map(decodeURIComponent);
  const [first, second, third] = parts;
  const arity = parts.length;
  if (method === "GET" && first === "users" && second === "me" && arity === 2) return { endpoint: "users-me", handle: usersMe };
  if (method === "GET" && first === "workspaces" && arity === 1) return { endpoint: "workspaces", handle: listWorkspaces };
  if (method === "GET" && first === "workspaces" && second !== undefined && arity === 2) {
    return { endpoint: "workspaces", handle: getWorkspace(second) };
  }
  if (method === "POST" && first === "exports" && second === "resource" && arity === 2) {
    return { endpoint: "create-export", handle: createExport };
  }
  if (method === "GET" && first === "jobs" && second !== undefined && third === undefined) return { endpoint: "get-job", handle: getJob(second) };
  return { endpoint: "other-api" };
}
