// Changes to a task's own fields that Asana's text says move its modified_at ("task is assigned or
// unassigned", "custom field value is changed", "completed, name, due_date, description"): each
// also adds the story Asana would write, stamped with the new modified_at.
import { customFieldValue, emptyCustomFieldValue } from "./custom-fields.js";
import { KIND } from "./gids.js";
import { addedGid, choose, indexOfGid, notApplicable, type PlanInput, type Planner } from "./plan.js";
import type { SlotState } from "./state.js";
import { subtasksOf } from "./task-graph.js";
import { sentence, taskName } from "./text.js";
import { DAY, isoDate } from "./time.js";

/** Add a story (its gid is handed out at write time, in the order mutations write). */
function story(st: SlotState, gid: string, at: number, user: number, subtype: string, text: string): void {
  st.stories.push({ gid, at, user, subtype, text });
}

const userIndex = (input: PlanInput, value: unknown): number | null => {
  const gid = (value as { gid?: string } | null)?.gid;
  return gid === undefined ? null : (input.ctx.ref.gids.indexOf(KIND.user, gid) ?? null);
};

const rename: Planner = (input) => {
  const name = `${taskName(input.rng, input.index)} (rev ${input.version})`;
  const user = input.rng.int(input.ctx.ref.users.length);
  return {
    // A subtask shows its parent's name; the text lists no condition for it, so it changes silently.
    related: subtasksOf(input.ctx.seed, input.table, input.index).map((index) => ({ type: "task", index })),
    write(_at, modifiedAt) {
      const st = input.state();
      st.patch.name = name;
      story(st, addedGid(input.ctx), modifiedAt, user, "name_changed", `changed the name to "${name}"`);
    },
  };
};

const editNotes: Planner = (input) => {
  const line = `\nUpdate ${input.version}: ${sentence(input.rng)}`;
  const user = input.rng.int(input.ctx.ref.users.length);
  return {
    related: [],
    write(_at, modifiedAt) {
      const st = input.state();
      st.patch.notesSuffix = `${st.patch.notesSuffix ?? ""}${line}`;
      story(st, addedGid(input.ctx), modifiedAt, user, "notes_changed", "changed the description");
    },
  };
};

const complete: Planner = (input) => {
  const done = input.current.completed !== true;
  const user = input.rng.int(input.ctx.ref.users.length);
  return {
    related: [],
    write(_at, modifiedAt) {
      const st = input.state();
      st.patch.completed = done;
      st.patch.completedAt = done ? modifiedAt : null;
      st.patch.completedBy = done ? user : null;
      story(st, addedGid(input.ctx), modifiedAt, user, done ? "marked_complete" : "marked_incomplete", done ? "marked this task complete" : "marked incomplete");
    },
  };
};

const assign: Planner = (input) => {
  const { users } = input.ctx.ref;
  const now = userIndex(input, input.current.assignee);
  let next: number | null;
  if (input.option === null) next = null;
  else if (input.option !== undefined) next = indexOfGid(input.ctx, KIND.user, input.option, users.length, "assignee");
  else next = now !== null && input.rng.chance(0.2) ? null : (((now ?? -1) + 1 + input.rng.int(users.length - 1)) % users.length);
  if (next === now) throw notApplicable(input, next === null ? "is not assigned" : `is already assigned to ${input.option ?? ""}`);
  const by = input.rng.int(users.length);
  const followers = (input.current.followers as unknown[]).map((f) => userIndex(input, f) ?? 0);
  return {
    related: [],
    write(_at, modifiedAt) {
      const st = input.state();
      st.patch.assignee = next;
      // The assignee follows the task (generated followers already include the current assignee).
      if (next !== null && st.patch.followers !== undefined && !followers.includes(next)) st.patch.followers = [...followers, next];
      const text = next === null ? "unassigned" : `assigned to ${users[next]?.name ?? ""}`;
      story(st, addedGid(input.ctx), modifiedAt, by, next === null ? "unassigned" : "assigned", text);
    },
  };
};

const setDueDate: Planner = (input) => {
  const current = input.current.due_on as string | null;
  let next: string | null = current !== null && input.rng.chance(0.2) ? null : isoDate(Date.parse(String(input.current.created_at)) + input.rng.range(1, 90) * DAY);
  if (next === current) next = isoDate(Date.parse(`${current ?? "2000-01-01"}T00:00:00Z`) + DAY);
  const user = input.rng.int(input.ctx.ref.users.length);
  return {
    related: [],
    write(_at, modifiedAt) {
      const st = input.state();
      st.patch.dueOn = next;
      // A new due date clears the start (generated and set ones): start_on needs a due date before it.
      delete st.patch.startOn;
      story(st, addedGid(input.ctx), modifiedAt, user, "due_date_changed", next === null ? "removed the due date" : `changed the due date to ${next}`);
    },
  };
};

const setCustomField: Planner = (input) => {
  const { ctx } = input;
  const values = input.current.custom_fields as Array<Record<string, unknown>>;
  const named = input.option === undefined || input.option === null ? undefined : (v: Record<string, unknown>) => v.gid === input.option;
  const current = choose(input, values, named, "carries no custom field (none of its projects has one)", `carries no custom field ${String(input.option)}`);
  const f = ctx.ref.gids.indexOf(KIND.customField, String(current.gid)) ?? -1;
  const def = ctx.fields[f];
  if (def === undefined) throw notApplicable(input, `has an unknown custom field ${String(current.gid)}`);
  const around = Date.parse(String(input.current.created_at));
  const same = (v: Record<string, unknown>): boolean => JSON.stringify(v) === JSON.stringify(current);
  let next: Record<string, unknown> | undefined;
  for (let attempt = 0; attempt < 8 && next === undefined; attempt++) {
    const candidate = customFieldValue(def, input.rng, ctx.ref, around, current.display_value === null || input.rng.chance(0.8));
    if (!same(candidate)) next = candidate;
  }
  next ??= emptyCustomFieldValue(def);
  if (same(next)) throw notApplicable(input, `found no new value for custom field ${def.gid}`);
  const value = next;
  const user = input.rng.int(ctx.ref.users.length);
  return {
    related: [],
    write(_at, modifiedAt) {
      const st = input.state();
      st.patch.customFields = { ...st.patch.customFields, [f]: value };
      const shown = value.display_value === null ? "(empty)" : String(value.display_value);
      story(st, addedGid(input.ctx), modifiedAt, user, `${def.type}_custom_field_changed`, `changed ${def.name} to ${shown}`);
    },
  };
};

/** The task planners that move modified_at. */
export const TASK_FIELD_PLANNERS = {
  rename,
  "edit-notes": editNotes,
  complete,
  assign,
  "set-due-date": setDueDate,
  "set-custom-field": setCustomField,
} satisfies Record<string, Planner>;
