// Export filters: validation with Asana-style 400s, and the predicate each parameter applies.
// Date filters are strict (`.after` is >, `.before` is <); `.any` filters match any listed user gid.
import type { AsanaObject, ResourceType } from "../workspace.js";
import { parseIsoDateTime, timestampOf } from "./dates.js";
import { badInput } from "./errors.js";

/** A test an object must pass to be exported for one parameter. */
export type ObjectPredicate = (object: AsanaObject) => boolean;

type DateFilterKey = "created_at.after" | "created_at.before" | "modified_at.after" | "modified_at.before";
type UserFilterKey =
  | "created_by.any"
  | "followers.any"
  | "liked_by.any"
  | "commented_on_by.any"
  | "assigned_by.any"
  | "assignee.any";


const DATE_KEYS: readonly DateFilterKey[] = ["created_at.after", "created_at.before", "modified_at.after", "modified_at.before"];
const TASK_ONLY: readonly UserFilterKey[] = ["assigned_by.any", "assignee.any"];
const USER_KEYS: readonly UserFilterKey[] = ["created_by.any", "followers.any", "liked_by.any", "commented_on_by.any", ...TASK_ONLY];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The gid of a compact reference such as `{gid, resource_type, name}`. */
export function refGid(value: unknown): string | undefined {
  return isObject(value) && typeof value.gid === "string" ? value.gid : undefined;
}

const refGids = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(refGid).filter((g): g is string => g !== undefined) : [];

/** Whether a story is a comment (not a system story such as "assigned to"). */
export function isCommentStory(story: unknown): boolean {
  if (!isObject(story)) return false;
  return story.type === "comment" || story.resource_subtype === "comment_added";
}

/** The user gids one `.any` filter looks at on an object. */
export function usersFor(key: UserFilterKey, object: AsanaObject): string[] {
  switch (key) {
    case "created_by.any":
      return refGids([object.created_by]);
    case "assignee.any":
      return refGids([object.assignee]);
    case "assigned_by.any":
      return refGids([object.assigned_by]);
    case "followers.any":
      return refGids(object.followers);
    case "liked_by.any":
      return Array.isArray(object.likes) ? refGids(object.likes.map((like: unknown) => (isObject(like) ? like.user : undefined))) : [];
    case "commented_on_by.any":
      return Array.isArray(object.stories) ? refGids(object.stories.filter(isCommentStory).map((s) => (s as Record<string, unknown>).created_by)) : [];
  }
}

function datePredicate(key: DateFilterKey, bound: number): ObjectPredicate {
  const field = key.startsWith("created_at") ? "created_at" : "modified_at";
  const after = key.endsWith(".after");
  return (object) => {
    const ms = timestampOf(object[field]);
    if (ms === undefined) return false;
    return after ? ms > bound : ms < bound;
  };
}

function userPredicate(key: UserFilterKey, gids: ReadonlySet<string>): ObjectPredicate {
  return (object) => usersFor(key, object).some((gid) => gids.has(gid));
}

/** Validate the `filters` of one export parameter and compile them into a predicate (all must hold). */
export function compileFilters(type: ResourceType, raw: unknown, path: string): ObjectPredicate {
  if (raw === undefined) return () => true;
  if (!isObject(raw)) throw badInput(path, "Must be an object of filter keys to values");
  const entries = Object.entries(raw);
  if (type === "team" && entries.length > 0) {
    throw badInput(path, "Filtering is not supported for resource type team");
  }
  const predicates: ObjectPredicate[] = [];
  for (const [key, value] of entries) {
    const at = `${path}.${key}`;
    if ((DATE_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== "string") throw badInput(at, "Must be a date-time string such as 2024-01-01T00:00:00Z");
      const bound = parseIsoDateTime(value);
      if (bound === undefined) {
        throw badInput(at, `Not a valid ISO 8601 date-time: ${JSON.stringify(value)}; use e.g. 2024-01-01T00:00:00Z`);
      }
      predicates.push(datePredicate(key as DateFilterKey, bound));
    } else if ((USER_KEYS as readonly string[]).includes(key)) {
      if ((TASK_ONLY as readonly string[]).includes(key) && type !== "task") {
        throw badInput(at, `Filter ${key} only applies to resource type task, not ${type}`);
      }
      if (!Array.isArray(value)) throw badInput(at, "Must be an array of user gids");
      if (value.length === 0) throw badInput(at, "Must list at least one user gid");
      const bad = value.find((g) => typeof g !== "string" || !/^\d+$/.test(g));
      if (bad !== undefined) throw badInput(at, `Not a valid user gid: ${JSON.stringify(bad)}`);
      predicates.push(userPredicate(key as UserFilterKey, new Set(value as string[])));
    } else {
      const known = [...DATE_KEYS, ...USER_KEYS].join(", ");
      throw badInput(at, `Unknown filter ${JSON.stringify(key)}; known filters are ${known}`);
    }
  }
  return (object) => predicates.every((p) => p(object));
}
