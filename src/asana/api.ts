import { z } from "zod";
import { parseDateTime } from "../core/rfc3339.js";
import type { AsanaHttp } from "./http.js";

const isoDateTime = z.string().refine((s) => !Number.isNaN(parseDateTime(s)), "not an RFC 3339 date-time with a time zone");

/** A job of `POST /exports/resource`, as `GET /jobs/{gid}` shows it. */
export const exportJobSchema = z.looseObject({
  gid: z.string(),
  resource_type: z.string(),
  status: z.enum(["not_started", "in_progress", "succeeded", "failed"]),
  new_resource_export: z
    .looseObject({
      gid: z.string(),
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
    return this.http.get("/users/me", userSchema, "Reading the service account (GET /users/me)");
  }

  /** A workspace the token can see (`GET /workspaces/{gid}`). */
  workspace(gid: string): Promise<z.infer<typeof workspaceSchema>> {
    return this.http.get(`/workspaces/${encodeURIComponent(gid)}`, workspaceSchema, `Reading workspace ${gid}`);
  }

  /** Start one resource export (`POST /exports/resource`). */
  startExport(workspace: string, parameters: ExportRequestParameter[]): Promise<ExportJob> {
    return this.http.post(
      "/exports/resource",
      { workspace, export_request_parameters: parameters },
      exportJobSchema,
      "Starting the export (POST /exports/resource)",
    );
  }

  /** The current state of an export job (`GET /jobs/{gid}`). */
  job(gid: string): Promise<ExportJob> {
    return this.http.get(`/jobs/${encodeURIComponent(gid)}`, exportJobSchema, `Polling export job ${gid}`);
  }
}
