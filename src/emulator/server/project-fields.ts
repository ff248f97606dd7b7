// `fields` as Asana's opt_fields: a named field keeps its value, but a named object (one with a gid,
// such as `assignee` or each of `followers`) is only its compact id, `{gid}`: "the id of included
// objects will always be returned" is all opt_fields promises, and a client must name the sub-fields
// it wants (`assignee.name`). Dotted paths keep the named sub-fields of nested objects (and of each
// element of arrays); every line keeps `resource_type` because the reader routes on it. Without
// `fields`, the type's defaults, whole.
import { FIELDS } from "../data/fields.js";
import type { AsanaObject, ResourceType } from "../workspace.js";
import { badInput } from "./errors.js";

/** Turns a full object into the exported line's object. */
export type Projector = (object: AsanaObject) => Record<string, unknown>;

/**
 * A node of requested paths: `true` keeps the whole value (the defaults), `"named"` keeps a value as
 * opt_fields names it (an object with a gid: its gid only), a map keeps only its named children.
 */
type FieldTree = Map<string, FieldTree | true | "named">;

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function addPath(tree: FieldTree, segments: readonly string[]): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  const existing = tree.get(head);
  if (existing === true) return;
  if (rest.length === 0) {
    // A named field adds nothing to sub-fields named already (their object's gid is kept anyway).
    if (existing === undefined) tree.set(head, "named");
    return;
  }
  const child: FieldTree = existing === undefined || existing === "named" ? new Map() : existing;
  tree.set(head, child);
  addPath(child, rest);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function projectValue(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) return value.map((item) => projectValue(item, tree));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  if ("gid" in value) out.gid = value.gid;
  for (const [key, node] of tree) {
    if (!(key in value)) continue;
    out[key] = node === true ? value[key] : node === "named" ? compact(value[key]) : projectValue(value[key], node);
  }
  return out;
}

/** A named value: an object with a gid is its id alone (element-wise in arrays); others are kept. */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  return isPlainObject(value) && "gid" in value ? { gid: value.gid } : value;
}

/**
 * Two projections of the same object as one: the union of their fields, merged inside nested objects
 * and element by element inside arrays (both come from the same arrays).
 */
export function mergeProjections(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  return mergeValues(a, b) as Record<string, unknown>;
}

function mergeValues(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return a.map((item: unknown, i) => mergeValues(item, b[i]));
  if (!isPlainObject(a) || !isPlainObject(b)) return a === undefined ? b : a;
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = key in out ? mergeValues(out[key], value) : value;
  return out;
}

/**
 * Validate one parameter's `fields` for a type and compile the projection. `maxDepth` refuses dotted
 * paths of more segments (a server that takes only shallow opt_fields).
 */
export function compileFields(type: ResourceType, raw: unknown, path: string, maxDepth = Number.POSITIVE_INFINITY): Projector {
  const known = new Set<string>(["gid", "resource_type", ...FIELDS[type].defaults, ...FIELDS[type].optIn]);
  const tree: FieldTree = new Map([
    ["gid", true],
    ["resource_type", true],
  ]);
  if (raw === undefined) {
    for (const field of FIELDS[type].defaults) tree.set(field, true);
  } else {
    if (!Array.isArray(raw)) throw badInput(path, "Must be an array of field names");
    if (raw.length === 0) throw badInput(path, "Must list at least one field (omit it for the default fields)");
    raw.forEach((field: unknown, i) => {
      const at = `${path}[${i}]`;
      if (typeof field !== "string") throw badInput(at, "Must be a string");
      const segments = field.split(".");
      if (!segments.every((s) => SEGMENT.test(s))) throw badInput(at, `Not a valid field path: ${JSON.stringify(field)}`);
      if (segments.length > maxDepth) {
        throw badInput(at, `Field ${JSON.stringify(field)} is nested too deeply for an export; name fields at most ${maxDepth} level${maxDepth === 1 ? "" : "s"} deep`);
      }
      if (!known.has(segments[0] ?? "")) {
        throw badInput(at, `Unknown field ${JSON.stringify(segments[0])} for resource type ${type}`);
      }
      addPath(tree, segments);
    });
  }
  return (object) => projectValue(object, tree) as Record<string, unknown>;
}
