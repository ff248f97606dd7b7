// From the selected streams, config and state to the one export request of this sync.
import type { ExportRequestParameter } from "../asana/api.js";
import { fingerprint, modifiedAfter, type ConnectorState } from "./state.js";

/** A stream as this sync reads it: what the catalog selected. */
export interface SelectedStream {
  name: string;
  resourceType: string;
  /** Incremental sync (the cursor filters the export) or full refresh. */
  incremental: boolean;
  /** The stream's cursor field, when it has one (state keeps a cursor for it in both modes). */
  cursorField: string | undefined;
  /** The export's `fields`; undefined asks for the type's defaults. */
  fields: string[] | undefined;
}

export interface PlanSettings {
  workspace: string;
  startDate: string | undefined;
  lookbackSeconds: number;
  /** Extra Asana filters per resource type, from config. */
  filters: Partial<Record<string, Partial<Record<string, string | string[] | undefined>>>>;
}

export interface ExportPlan {
  parameters: ExportRequestParameter[];
  fingerprint: string;
}

/** The single export request for all selected streams, and its fingerprint. */
export function planExport(streams: readonly SelectedStream[], state: ConnectorState, settings: PlanSettings): ExportPlan {
  const parameters = streams.map((s): ExportRequestParameter => {
    const filters: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(settings.filters[s.resourceType] ?? {})) if (value !== undefined) filters[key] = value;
    if (s.cursorField !== undefined) {
      // start_date bounds full refreshes too; the cursor only incremental ones.
      const after = s.incremental
        ? modifiedAfter(state.streams[s.name], settings.startDate, settings.lookbackSeconds)
        : settings.startDate;
      if (after !== undefined) filters[`${s.cursorField}.after`] = after;
    }
    return {
      resource_type: s.resourceType,
      ...(s.fields === undefined ? {} : { fields: s.fields }),
      ...(Object.keys(filters).length === 0 ? {} : { filters }),
    };
  });
  return { parameters, fingerprint: fingerprint({ workspace: settings.workspace, parameters }) };
}
