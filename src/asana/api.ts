import { z } from "zod";
import { parseDateTime } from "../core/rfc3339.js";
import type { AsanaHttp } from "./http.js";

const isoDateTime = z.string().refine((s) => !Number.isNaN(parseDateTime(s)), "not an RFC 3339 date-time with a time zone");

/** A gid as Asana writes them: digits, and far shorter than this cap (a longer one is not echoed). */
const gid = z.string().regex(/^\d{1,64}$/, "not a gid (digits)");

/** A job of `POST /exports/resource`, as `GET /jobs/{gid}` shows it. */
export const exportJobSchema = z.looseObject({
  gid,
  resource_type: z.string(),
  // Documented: not_started, in_progress, succeeded, failed. Another value is polled on (export-job.ts).
  status: z.string().max(100),
  new_resource_export: z
    .looseObject({
      gid,
      created_at: isoDateTime.nullish(),
      completed_at: isoDateTime.nullish(),
      download_url: z.string().nullish(),
    })
    .nullish(),
});
export type ExportJob = z.infer<typeof exportJobSchema>;

const userSchema = z.looseObject({ gid: z.string(), name: z.string().nullish(), email: z.string().nullish() });
const workspaceSchema = z.looseObject({ gid: z.string(), name: z.string().nullish() });

/** One entry of `export_request_parameters`. */
export interface ExportRequestParameter {
  resource_type: string;
  fields?: string[];
  filters?: Record<string, string | string[]>;
}

/** The few Asana endpoints the connector calls. */
export class AsanaApi {
  constructor(private readonly http: AsanaHttp) {}

  /** The user behind the token (`GET /users/me`). */
  me(): Promise<z.infer<typeof userSchema>> {
    return this.http.get("/users/me", userSchema, { what: "Reading the service account (GET /users/me)", next: "Nothing was exported." });
  }

  /** A workspace the token can see (`GET /workspaces/{gid}`). */
  workspace(gid: string): Promise<z.infer<typeof workspaceSchema>> {
    return this.http.get(`/workspaces/${encodeURIComponent(gid)}`, workspaceSchema, { what: `Reading workspace ${gid}`, next: "Nothing was exported." });
  }

  /** Start one resource export (`POST /exports/resource`). */
  startExport(workspace: string, parameters: ExportRequestParameter[]): Promise<ExportJob> {
    return this.http.post("/exports/resource", { workspace, export_request_parameters: parameters }, exportJobSchema, {
      what: "Starting the export (POST /exports/resource)",
      // Only faults that provably never reached Asana are retried for this POST: none started an export.
      next: "No export was started; the next run starts it.",
      context: "start-export",
    });
  }

  /** The current state of an export job (`GET /jobs/{gid}`). */
  job(gid: string): Promise<ExportJob> {
    return this.http.get(`/jobs/${encodeURIComponent(gid)}`, exportJobSchema, {
      what: `Polling export job ${gid}`,
      next: `The state keeps job ${gid}: the next run polls it again instead of starting another export.`,
    });
  }
}
