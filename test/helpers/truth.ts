// The rows every stream should hold, computed from the emulator's ground truth (every field of every
// live object) by rules written out here from DESIGN.md's stream table: an oracle independent of
// src/sync/derive.ts.
import type { Workspace } from "../../src/emulator/index.js";

/** What the oracle reads of a workspace: its live objects (the ground truth now, or a snapshot). */
type Truth = Pick<Workspace, "objects">;

type Json = Record<string, unknown>;
type ResourceType = "task" | "team" | "message";

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const objects = (v: unknown): Json[] => list(v).filter(isObject);

/** The export's own streams and their types. */
export const RESOURCE_OF = { tasks: "task", teams: "team", messages: "message" } as const;

/** A parent considered by the oracle: every live object, or only those modified after a bound. */
export interface TruthOptions {
  /** Parents of incremental streams modified strictly after this (ISO date-time); undefined: all. */
  after?: string;
}

function parents(ws: Truth, type: ResourceType, options: TruthOptions = {}): Json[] {
  const out: Json[] = [];
  for (const o of ws.objects(type)) {
    if (options.after !== undefined && !(Date.parse(String(o.modified_at)) > Date.parse(options.after))) continue;
    out.push(o);
  }
  return out;
}

const CUSTOM_FIELD_VALUES = new Set(["display_value", "text_value", "number_value", "date_value", "enum_value", "multi_enum_values", "people_value", "reference_value", "html_text_value"]);

/** Every compact `{gid, resource_type: type}` nested anywhere in a value. */
function referencesIn(value: unknown, type: string, out: Json[]): void {
  if (Array.isArray(value)) {
    for (const item of value) referencesIn(item, type, out);
    return;
  }
  if (!isObject(value)) return;
  if (value.resource_type === type && typeof value.gid === "string") out.push(value);
  for (const child of Object.values(value)) referencesIn(child, type, out);
}

/** Distinct references of a type over every live object: gid, resource_type and name (first known name). */
function references(ws: Truth, type: string): Json[] {
  const rows = new Map<string, Json>();
  for (const resource of ["task", "team", "message"] as const) {
    for (const o of ws.objects(resource)) {
      const found: Json[] = [];
      referencesIn(o, type, found);
      for (const ref of found) {
        const gid = ref.gid as string;
        const row = rows.get(gid) ?? { gid, resource_type: type };
        if (row.name === undefined && ref.name !== undefined) row.name = ref.name;
        rows.set(gid, row);
      }
    }
  }
  return [...rows.values()];
}

/** The rows of a stream as the ground truth implies them (a full refresh, or the changed parents' rows). */
export function expectedRows(ws: Truth, stream: string, options: TruthOptions = {}): Json[] {
  switch (stream) {
    case "tasks":
    case "teams":
    case "messages":
      return parents(ws, RESOURCE_OF[stream], stream === "teams" ? {} : options);
    case "stories":
    case "attachments":
      return (["task", "message"] as const).flatMap((type) =>
        parents(ws, type, options).flatMap((p) =>
          objects(p[stream]).map((element) => ({ parent_gid: p.gid, parent_resource_type: type, parent_modified_at: p.modified_at, ...element })),
        ),
      );
    case "task_custom_field_values":
      return parents(ws, "task", options).flatMap((t) =>
        objects(t.custom_fields).map((cf) => {
          const date = isObject(cf.date_value) ? cf.date_value : {};
          const enumValue = isObject(cf.enum_value) ? cf.enum_value : {};
          return {
            task_gid: t.gid,
            task_modified_at: t.modified_at,
            custom_field_gid: cf.gid,
            custom_field_name: cf.name ?? null,
            resource_subtype: cf.resource_subtype ?? null,
            display_value: cf.display_value ?? null,
            text_value: cf.text_value ?? null,
            number_value: cf.number_value ?? null,
            date_value: date.date ?? null,
            date_time_value: date.date_time ?? null,
            enum_option_gid: enumValue.gid ?? null,
            enum_option_name: enumValue.name ?? null,
            multi_enum_option_gids: objects(cf.multi_enum_values).map((o) => o.gid ?? null),
            multi_enum_option_names: objects(cf.multi_enum_values).map((o) => o.name ?? null),
            people_gids: objects(cf.people_value).map((o) => o.gid ?? null),
            people_names: objects(cf.people_value).map((o) => o.name ?? null),
            reference_gids: objects(cf.reference_value).map((o) => o.gid ?? null),
          };
        }),
      );
    case "custom_fields": {
      const rows = new Map<string, Json>();
      for (const t of ws.objects("task")) {
        for (const cf of objects(t.custom_fields)) {
          if (rows.has(cf.gid as string)) continue;
          rows.set(cf.gid as string, Object.fromEntries(Object.entries(cf).filter(([k]) => !CUSTOM_FIELD_VALUES.has(k))));
        }
      }
      return [...rows.values()];
    }
    case "users":
      return references(ws, "user");
    case "projects":
      return references(ws, "project");
    case "tags":
      return references(ws, "tag");
    case "sections": {
      const projectOf = new Map<string, unknown>();
      for (const t of ws.objects("task")) {
        for (const m of objects(t.memberships)) {
          const section = isObject(m.section) ? m.section.gid : undefined;
          const project = isObject(m.project) ? m.project.gid : undefined;
          if (typeof section === "string" && project !== undefined) projectOf.set(section, project);
        }
      }
      return references(ws, "section").map((s) => ({ ...s, project_gid: projectOf.get(s.gid as string) ?? null }));
    }
    case "task_memberships":
      return [...ws.objects("task")].flatMap((t) =>
        objects(t.memberships).flatMap((m) =>
          isObject(m.project) ? [{ task_gid: t.gid, project_gid: m.project.gid, section_gid: isObject(m.section) ? m.section.gid : null }] : [],
        ),
      );
    case "task_tags":
      return [...ws.objects("task")].flatMap((t) => objects(t.tags).map((tag) => ({ task_gid: t.gid, tag_gid: tag.gid })));
    case "task_followers":
      return [...ws.objects("task")].flatMap((t) => objects(t.followers).map((u) => ({ task_gid: t.gid, user_gid: u.gid })));
    case "team_memberships":
      return [...ws.objects("team")].flatMap((t) => objects(t.members).map((u) => ({ team_gid: t.gid, user_gid: u.gid })));
    default:
      throw new Error(`no ground truth for stream ${stream}`);
  }
}

/** A row's key as text (its primary key columns joined), for comparing sets of rows. */
export function rowKey(row: Json, primaryKey: readonly string[]): string {
  return primaryKey.map((k) => String(row[k])).join("|");
}

/** Rows sorted by their key, for an order-free comparison. */
export function byKey(rows: readonly Json[], primaryKey: readonly string[]): Json[] {
  return [...rows].sort((a, b) => (rowKey(a, primaryKey) < rowKey(b, primaryKey) ? -1 : rowKey(a, primaryKey) > rowKey(b, primaryKey) ? 1 : 0));
}
