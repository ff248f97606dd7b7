// From the selected streams, config and state to the export request of this sync (one job, or two
// when Asana refuses two parameters of one type), and to what each line of it feeds.
//
// Per resource type, the streams that read it are its consumers. Incremental ones with a cursor need
// only what changed since it: they share a "wide" parameter filtered by the oldest of their bounds
// (a consumer with a later bound drops older lines itself). Full-refresh ones (join and reference
// streams, full refreshes, first syncs) need every object: when a wide parameter exists too, they get
// a second, "narrow" parameter of the same type, unfiltered but with only the fields they need. The
// API ORs two parameters of one type: an object matching both may come as two lines (one per
// parameter) or as one line with both field sets, so each group recognises its lines by a top-level
// field only its own parameter asks for (its marker), or takes every line when it can.
import type { ExportRequestParameter } from "../asana/api.js";
import {
  STREAMS,
  alwaysSelected,
  exportFieldList,
  needLeaves,
  normalizeSelection,
  parentNeeds,
  sourceParents,
  topLevel,
  unionNeeds,
  type FieldNeed,
  type ResourceType,
  type StreamDefinition,
} from "../streams/index.js";
import { fingerprint, modifiedAfter, type ConnectorState } from "./state.js";

/** A stream as this sync reads it: what the catalog selected. */
export interface SelectedStream {
  readonly definition: StreamDefinition;
  /** Incremental sync (the cursor filters the export) or full refresh. */
  readonly incremental: boolean;
  /** Selected top-level columns (normalized or not), or undefined for the stream's defaults. */
  readonly columns: readonly string[] | undefined;
}

export interface PlanSettings {
  workspace: string;
  startDate: string | undefined;
  lookbackSeconds: number;
  /** Extra Asana filters per resource type, from config. */
  filters: Partial<Record<string, Partial<Record<string, string | string[] | undefined>>>>;
  /** An incremental stream whose last full export is this old (days) is exported in full; 0 or absent: never. */
  fullExportEveryDays?: number;
  /**
   * Deletions reported (objects: tasks and messages; rows: also their child rows): every export of a
   * type an incremental stream reads lists all its live objects. Absent: off.
   */
  trackDeletions?: "rows" | "objects" | "off";
  /** The client's clock (epoch ms) for `fullExportEveryDays`; defaults to Date.now(). */
  nowMs?: number;
}

const DAY_MS = 86_400_000;

/** Whether a stream's state asks for a full export: its last one is older than the bound (or unknown). */
export function fullExportDue(saved: { last_full_export_at?: string | undefined }, settings: PlanSettings): boolean {
  const days = settings.fullExportEveryDays ?? 0;
  if (days <= 0) return false;
  if (saved.last_full_export_at === undefined) return true;
  return (settings.nowMs ?? Date.now()) - Date.parse(saved.last_full_export_at) >= days * DAY_MS;
}

/** A stream reading the lines of one type, with the lower bound of `modified_at` it wants, if any. */
export interface Consumer {
  readonly stream: SelectedStream;
  /** Drop lines whose modified_at is not after this (the parameter asked for an older bound). */
  readonly after: string | undefined;
}

/** The consumers of one parameter of a type, and how to recognise that parameter's lines. */
export interface LineGroup {
  readonly consumers: readonly Consumer[];
  /** A top-level field only this group's parameter asks for; undefined: every line of the type serves it. */
  readonly marker: string | undefined;
}

/** What the lines of one resource type feed. */
export interface TypeRoute {
  readonly resourceType: ResourceType;
  /** Lines of the filtered parameter (or of the only one). */
  readonly wide: LineGroup | undefined;
  /** Lines of the unfiltered narrow parameter, when there is one. */
  readonly narrow: LineGroup | undefined;
  /** Top-level fields the resource stream's records must not carry (asked for its derived streams). */
  readonly extraFields: ReadonlySet<string>;
  /** The export holds every live object of the type (within the config's filters): its gids tell what was deleted. */
  readonly complete: boolean;
  /** Streams that get every object of the type here, not only what changed. */
  readonly fullStreams: ReadonlySet<string>;
}

/** One export job of a sync. */
export interface ExportPlan {
  readonly parameters: ExportRequestParameter[];
  readonly fingerprint: string;
  /** The streams this job serves (their states name it). */
  readonly streams: readonly string[];
  /** The streams that get every object of each type they read (a first sync, a full refresh, a due full export). */
  readonly fullStreams: ReadonlySet<string>;
  readonly routes: readonly TypeRoute[];
}

/** The sync's export: one job, and the two it becomes when Asana refuses a type twice. */
export interface SyncPlan {
  readonly single: ExportPlan;
  /**
   * Undefined when no type has two parameters. Else one job per parameter set: two, or one when
   * the second parameter only listed live gids (then the first exports that type unfiltered).
   */
  readonly split: readonly ExportPlan[] | undefined;
}

const RESOURCE_TYPES: readonly ResourceType[] = ["task", "team", "message"];

/** The stream of the export's own type. */
export function resourceStream(type: ResourceType): StreamDefinition {
  const stream = STREAMS.find((s) => s.source.kind === "resource" && s.source.resourceType === type);
  if (stream === undefined) throw new Error(`no stream of resource type ${type}`);
  return stream;
}

/**
 * Small top-level fields a parameter may add so that its lines can be told apart (Asana returns only
 * what a parameter asks for). Opt-in ones first: a sync that does not ask for them never meets them.
 */
const MARKER_CANDIDATES: Readonly<Record<ResourceType, readonly string[]>> = {
  task: ["is_rendered_as_separator", "num_subtasks", "liked", "num_likes", "completed", "resource_subtype", "approval_status"],
  message: ["num_likes", "resource_subtype", "status_type", "title"],
  team: ["visibility", "endorsed", "name"],
};

interface Parameter {
  filters: Record<string, string | string[]>;
  need: FieldNeed;
  group: Consumer[];
  marker: string | undefined;
}

function configFilters(type: ResourceType, settings: PlanSettings): Record<string, string | string[]> {
  const filters: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(settings.filters[type] ?? {})) if (value !== undefined) filters[key] = value;
  return filters;
}

function withAfter(filters: Record<string, string | string[]>, after: string | undefined): Record<string, string | string[]> {
  return after === undefined ? filters : { ...filters, "modified_at.after": after };
}

const earliest = (bounds: readonly string[]): string | undefined =>
  bounds.reduce<string | undefined>((min, b) => (min === undefined || Date.parse(b) < Date.parse(min) ? b : min), undefined);

/** A top-level field of the type that `leaves` do not touch, to mark a parameter's lines, if any. */
function freeMarker(type: ResourceType, others: ReadonlySet<string>, own: ReadonlySet<string>): string | undefined {
  return [...own].find((f) => !others.has(f)) ?? MARKER_CANDIDATES[type].find((f) => !others.has(f));
}

/** The parameters of one type and what their lines feed. */
function planType(
  type: ResourceType,
  consumers: readonly SelectedStream[],
  state: ConnectorState,
  settings: PlanSettings,
  oneParameter: boolean,
): { params: Parameter[]; route: TypeRoute } {
  const parent = resourceStream(type);
  const hasCursor = parent.cursorField !== undefined;
  // Only an incremental stream with a cursor in the state needs less than every object; start_date
  // bounds every export of a type with a cursor.
  const full: Consumer[] = [];
  const wide: Consumer[] = [];
  for (const stream of consumers) {
    const saved = state.streams[stream.definition.name];
    if (stream.incremental && hasCursor && saved?.cursor !== undefined && !fullExportDue(saved, settings)) {
      wide.push({ stream, after: modifiedAfter(saved, settings.startDate, settings.lookbackSeconds) });
    } else full.push({ stream, after: undefined });
  }
  const needOf = (group: readonly Consumer[], extra: readonly string[] = []): FieldNeed => {
    const needs = group.map((c) => parentNeeds(c.stream.definition, c.stream.columns, resourceStream).get(type)).filter((n): n is FieldNeed => n !== undefined);
    if (extra.length > 0) needs.push({ defaults: false, leaves: new Set(extra) });
    return unionNeeds(parent, needs);
  };
  const base = configFilters(type, settings);
  const fullFilters = withAfter(base, hasCursor ? settings.startDate : undefined);
  const after = earliest(wide.map((c) => c.after as string));
  // A consumer whose bound is the parameter's takes every line; one with a later bound drops older lines.
  const wideConsumers = wide.map((c) => (c.after === after ? { stream: c.stream, after: undefined } : c));
  const fullStreams = new Set(full.map((c) => c.stream.definition.name));
  const single = (filters: Record<string, string | string[]>, group: Consumer[], need: FieldNeed, complete: boolean) => ({
    params: [{ filters, need, group, marker: undefined }],
    route: {
      resourceType: type,
      wide: { consumers: group, marker: undefined },
      narrow: undefined,
      extraFields: extraFieldsOf(consumers, [need], parent),
      complete,
      fullStreams,
    },
  });
  if (wide.length === 0) return single(fullFilters, full, needOf(full), true);
  // Deletions need every live gid: a narrow parameter of gids only, when no full consumer asks for more.
  // (With `objects`, only the resource stream's deletions are reported: its child streams alone need no list.)
  const track = settings.trackDeletions ?? "off";
  const liveOnly = full.length === 0 && wide.some((c) => track === "rows" || (track === "objects" && c.stream.definition.source.kind === "resource"));
  if (full.length === 0 && !liveOnly) return single(withAfter(base, after), wideConsumers, needOf(wide), false);
  let wideNeed = needOf(wide);
  // (Its key, type and cursor: the fields every parameter of the type carries, so a marker is found.)
  let narrowNeed = needOf(full, liveOnly ? alwaysSelected(parent) : []);
  const wideLeaves = needLeaves(parent, wideNeed);
  const wideTop = topLevel(wideLeaves);
  const narrowTop = topLevel(needLeaves(parent, narrowNeed));
  // Lines of the wide parameter are known by a field the narrow one does not ask for.
  const wideMarker = freeMarker(type, narrowTop, wideTop);
  // Every line serves the narrow group when each carries what it needs; else its lines need a marker too.
  const narrowCovered = [...needLeaves(parent, narrowNeed)].every((leaf) => wideLeaves.has(leaf));
  const narrowMarker = narrowCovered || wideMarker === undefined ? undefined : freeMarker(type, new Set([...wideTop, wideMarker]), narrowTop);
  if (oneParameter || wideMarker === undefined || (!narrowCovered && narrowMarker === undefined)) {
    // No field tells the lines apart (or the type may have one parameter only): one unfiltered
    // parameter with both field sets, whose incremental consumers drop what is older than their bounds.
    return single(fullFilters, [...full, ...wide], unionNeeds(parent, [wideNeed, narrowNeed]), true);
  }
  if (!wideTop.has(wideMarker)) wideNeed = needOf(wide, [wideMarker]);
  if (narrowMarker !== undefined && !narrowTop.has(narrowMarker)) narrowNeed = needOf(full, [narrowMarker]);
  return {
    params: [
      { filters: withAfter(base, after), need: wideNeed, group: wideConsumers, marker: wideMarker },
      { filters: fullFilters, need: narrowNeed, group: full, marker: narrowMarker },
    ],
    route: {
      resourceType: type,
      wide: { consumers: wideConsumers, marker: wideMarker },
      narrow: { consumers: full, marker: narrowMarker },
      extraFields: extraFieldsOf(consumers, [wideNeed, narrowNeed], parent),
      complete: true,
      fullStreams,
    },
  };
}

/**
 * Top-level fields the resource stream's lines may carry beyond its own selection: what the type's
 * parameters ask for its derived streams (or as markers). Its records are re-assembled without them.
 */
function extraFieldsOf(consumers: readonly SelectedStream[], needs: readonly FieldNeed[], parent: StreamDefinition): Set<string> {
  const resource = consumers.find((c) => c.definition === parent);
  if (resource === undefined) return new Set();
  const own = new Set(normalizeSelection(parent, resource.columns));
  return new Set([...topLevel(needLeaves(parent, unionNeeds(parent, needs)))].filter((f) => !own.has(f)));
}

function exportPlan(workspace: string, typed: readonly { type: ResourceType; params: Parameter[]; route: TypeRoute }[]): ExportPlan {
  const parameters: ExportRequestParameter[] = [];
  const streams = new Set<string>();
  for (const { type, params } of typed) {
    for (const p of params) {
      const fields = exportFieldList(resourceStream(type), p.need);
      parameters.push({
        resource_type: type,
        ...(fields === undefined ? {} : { fields }),
        ...(Object.keys(p.filters).length === 0 ? {} : { filters: p.filters }),
      });
      for (const c of p.group) streams.add(c.stream.definition.name);
    }
  }
  const ordered = STREAMS.map((s) => s.name).filter((n) => streams.has(n));
  // A stream reading several types is exported in full when every type it reads is.
  const routes = typed.map((t) => t.route);
  const fullStreams = new Set(ordered.filter((n) => routes.every((r) => r.fullStreams.has(n) || !readsRoute(r, n))));
  return { parameters, fingerprint: fingerprint({ workspace, parameters }), streams: ordered, fullStreams, routes };
}

function readsRoute(route: TypeRoute, stream: string): boolean {
  return [route.wide, route.narrow].some((g) => g?.consumers.some((c) => c.stream.definition.name === stream) === true);
}

/** The export of all selected streams: one job, and its split into two when a type has two parameters. */
export function planSync(streams: readonly SelectedStream[], state: ConnectorState, settings: PlanSettings): SyncPlan {
  const plan = (subset: readonly SelectedStream[], oneParameter: boolean) =>
    RESOURCE_TYPES.flatMap((type) => {
      const consumers = subset.filter((s) => sourceParents(s.definition.source).includes(type));
      return consumers.length === 0 ? [] : [{ type, ...planType(type, consumers, state, settings, oneParameter) }];
    });
  const typed = plan(streams, false);
  const single = exportPlan(settings.workspace, typed);
  if (!typed.some((t) => t.params.length > 1)) return { single, split: undefined };
  // Two jobs, one parameter per type each: the streams of the narrow parameters (every object) in the
  // second, the others in the first. Each stream is served by one job, whatever types it reads.
  const narrow = new Set(typed.flatMap((t) => (t.route.narrow?.consumers ?? []).map((c) => c.stream.definition.name)));
  const first = plan(streams.filter((s) => !narrow.has(s.definition.name)), true);
  const second = plan(streams.filter((s) => narrow.has(s.definition.name)), true);
  const jobs = [exportPlan(settings.workspace, first), exportPlan(settings.workspace, second)].filter((j) => j.parameters.length > 0);
  return { single, split: jobs };
}
