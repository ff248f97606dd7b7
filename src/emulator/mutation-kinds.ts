// Every kind of change the emulator can make to its workspace, which objects each applies to, and
// whether it moves `modified_at` — decided from Asana's OpenAPI text (../shared/asana/
// task_team_schemas.yaml), quoted here because it is the rule the emulator copies:
//
// TaskBase.modified_at: "The following conditions will change `modified_at`: story is created on a
// task; story is trashed on a task; attachment is trashed on a task; task is assigned or
// unassigned; custom field value is changed; the task itself is trashed; Or if any of the following
// fields are updated: completed, name, due_date, description, attachments, items, schedule_status.
// The following conditions will _not_ change `modified_at`: moving to a new container (project,
// portfolio, etc); comments being added to the task (but the stories they generate _will_ affect
// `modified_at`)."
//   -> A task's name, notes (its description), completion, assignee, due date, custom field values,
//      a new story (a comment is one), a trashed story, a new or trashed attachment: modified_at
//      moves. A section move and a project added or removed (containers): it does not. Tags,
//      followers, likes, the start date and dependencies are not in the list: it does not.
//
// StatusUpdateResponse.modified_at: "The time at which this project status was last modified.
// *Note: This does not currently reflect any changes in associations such as comments that may have
// been added or removed from the status.*" The export documents messages as "similar to the status
// update schema", so the emulator applies it to every message: a new title or text moves a message's
// modified_at; comments, attachments, likes and followers (associations) do not.
//
// Fields a change alters on *other* objects never move those objects' modified_at: none of the
// conditions above names a change of another task. So a new or deleted subtask changes its parent's
// `num_subtasks` silently; a renamed task changes its subtasks' `parent.name` silently; a dependency
// added or removed changes the other task's `dependents` silently (and its own `dependencies`
// silently too: dependencies are not in the list); a deleted task leaves the `dependencies` and
// `dependents` of its neighbours without it, silently. A deleted team drops out of the `parents` of
// its messages, silently.
import { z } from "zod";

/** The resource types a mutation can target. */
export type TargetType = "task" | "message" | "team";

/** The optional choice a kind takes (a gid; `assignee` also takes null for "unassigned"). */
export type OptionKey = "parent" | "section" | "project" | "tag" | "user" | "dependency" | "field" | "assignee";

/** Pools a mutation round draws kinds from. */
export type MutationGroup = "creates" | "modifies" | "silent" | "moves" | "deletes";

/** What one kind of mutation is. */
export interface KindSpec {
  /** The object types it targets; empty for creations. */
  readonly targets: readonly TargetType[];
  /** The one optional choice it takes (otherwise drawn from the seed). */
  readonly option?: OptionKey;
  /** Whether the target's modified_at moves, per target type (see the quotes above). */
  readonly moves: Partial<Record<TargetType, boolean>>;
  /**
   * The round pools it belongs to besides `modifies` and `silent`, which hold every kind whose
   * `moves` is true, or false, for the target type drawn.
   */
  readonly groups?: readonly ("creates" | "moves" | "deletes")[];
  /** One line for help texts. */
  readonly summary: string;
}

const covered = { task: true } as const;
const silentTask = { task: false } as const;
const association = { task: true, message: false } as const;
const silentBoth = { task: false, message: false } as const;

/** Every mutation kind, by name. */
export const MUTATION_KINDS = {
  "create-task": { targets: [], option: "parent", moves: {}, groups: ["creates"], summary: "a new task (modified_at = created_at = now); `parent` makes it a subtask" },
  "create-message": { targets: [], moves: {}, groups: ["creates"], summary: "a new message (modified_at = created_at = now)" },
  rename: { targets: ["task"], moves: covered, summary: "new name (+ a story)" },
  "edit-notes": { targets: ["task"], moves: covered, summary: "notes and html_notes extended (+ a story)" },
  complete: { targets: ["task"], moves: covered, summary: "completion toggled (+ a story)" },
  assign: { targets: ["task"], option: "assignee", moves: covered, summary: "assigned to `assignee` (a user gid, or null to unassign), who follows it (+ a story)" },
  "set-due-date": { targets: ["task"], moves: covered, summary: "due_on set or cleared; due_at, start_on, start_at cleared (+ a story)" },
  "set-custom-field": { targets: ["task"], option: "field", moves: covered, summary: "one custom field value (`field`, a custom field gid) set or cleared (+ a story)" },
  "edit-message": { targets: ["message"], moves: { message: true }, summary: "a message's title or text edited" },
  comment: { targets: ["task", "message"], moves: association, summary: "a new comment story (moves a task's modified_at, not a message's)" },
  attach: { targets: ["task", "message"], moves: association, summary: "a new attachment (moves a task's modified_at, not a message's)" },
  "delete-story": { targets: ["task", "message"], moves: association, summary: "a comment story trashed (moves a task's modified_at, not a message's)" },
  "delete-attachment": { targets: ["task", "message"], moves: association, summary: "an attachment trashed (moves a task's modified_at, not a message's)" },
  "move-section": { targets: ["task"], option: "section", moves: silentTask, groups: ["moves"], summary: "moved to another section (`section`) of one of its projects" },
  "add-project": { targets: ["task"], option: "project", moves: silentTask, groups: ["moves"], summary: "added to a project (`project`), in one of its sections, with its custom fields" },
  "remove-project": { targets: ["task"], option: "project", moves: silentTask, groups: ["moves"], summary: "removed from one of its projects (`project`)" },
  "add-tag": { targets: ["task"], option: "tag", moves: silentTask, summary: "a tag (`tag`) added" },
  "remove-tag": { targets: ["task"], option: "tag", moves: silentTask, summary: "a tag (`tag`) removed" },
  "add-follower": { targets: ["task", "message"], option: "user", moves: silentBoth, summary: "a follower (`user`) added" },
  "remove-follower": { targets: ["task", "message"], option: "user", moves: silentBoth, summary: "a follower (`user`) removed" },
  like: { targets: ["task", "message"], option: "user", moves: silentBoth, summary: "liked by a user (`user`)" },
  unlike: { targets: ["task", "message"], option: "user", moves: silentBoth, summary: "a like (by `user`) withdrawn" },
  "set-start-date": { targets: ["task"], moves: silentTask, summary: "start_on set before the due date, or cleared (not on milestones; needs a due date)" },
  "add-dependency": { targets: ["task"], option: "dependency", moves: silentTask, summary: "depends on another task (`dependency`); never a cycle" },
  "remove-dependency": { targets: ["task"], option: "dependency", moves: silentTask, summary: "a dependency (`dependency`) removed" },
  "delete-task": { targets: ["task"], moves: {}, groups: ["deletes"], summary: "the task and its subtasks deleted" },
  "delete-message": { targets: ["message"], moves: {}, groups: ["deletes"], summary: "the message deleted" },
  "delete-team": { targets: ["team"], moves: {}, summary: "the team deleted, with the messages posted only to it" },
} as const satisfies Record<string, KindSpec>;

/** The name of a mutation kind. */
export type MutationKind = keyof typeof MUTATION_KINDS;

/** Every kind name, in table order. */
export const KIND_NAMES = Object.keys(MUTATION_KINDS) as MutationKind[];

/** Every round pool, with what it holds (for help texts). */
export const GROUPS: Record<MutationGroup, string> = {
  creates: "create-task, create-message (in proportion to the workspace)",
  modifies: "a change that moves modified_at: rename, edit-notes, complete, assign, set-due-date, set-custom-field, comment, attach, delete-story, delete-attachment on a task; edit-message on a message",
  silent: "a change modified_at does not see: move-section, add-project, remove-project, add-tag, remove-tag, add-follower, remove-follower, like, unlike, set-start-date, add-dependency, remove-dependency; a message's comment, attach, delete-story, delete-attachment, followers, likes",
  moves: "move-section, add-project, remove-project",
  deletes: "delete-task (with its subtasks), delete-message",
};

const gid = z.string().regex(/^\d{1,32}$/, "must be a gid (digits)");

/**
 * One mutation: a kind, its target (`task`, `message` or `team`: the gid of a live object; none for
 * creations) and, for some kinds, the choice it makes (else drawn from the seed). Which keys a kind
 * takes is in MUTATION_KINDS; `mutationSchema` checks them.
 */
export const mutationSchema = z
  .object({
    kind: z.enum(KIND_NAMES as [MutationKind, ...MutationKind[]]),
    task: gid.optional(),
    message: gid.optional(),
    team: gid.optional(),
    parent: gid.optional(),
    section: gid.optional(),
    project: gid.optional(),
    tag: gid.optional(),
    user: gid.optional(),
    dependency: gid.optional(),
    field: gid.optional(),
    assignee: gid.nullable().optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const spec: KindSpec = MUTATION_KINDS[m.kind];
    const given = (["task", "message", "team"] as const).filter((t) => m[t] !== undefined);
    if (spec.targets.length === 0 && given.length > 0) {
      ctx.addIssue({ code: "custom", path: [given[0] as string], message: `${m.kind} takes no target` });
    } else if (spec.targets.length > 0 && given.length !== 1) {
      ctx.addIssue({ code: "custom", path: [], message: `${m.kind} needs exactly one target: ${spec.targets.join(" or ")} (a gid)` });
    } else if (given[0] !== undefined && !spec.targets.includes(given[0])) {
      ctx.addIssue({ code: "custom", path: [given[0]], message: `${m.kind} targets a ${spec.targets.join(" or a ")}, not a ${given[0]}` });
    }
    for (const key of ["parent", "section", "project", "tag", "user", "dependency", "field", "assignee"] as const) {
      if (m[key] !== undefined && spec.option !== key) {
        ctx.addIssue({ code: "custom", path: [key], message: spec.option === undefined ? `${m.kind} takes no choice` : `${m.kind} takes ${spec.option}, not ${key}` });
      }
    }
  });

/** A mutation as `Workspace.apply` takes it. */
export type Mutation = z.infer<typeof mutationSchema>;

const count = z.number().int().nonnegative().max(1_000_000);

/**
 * A mutation round: how many mutations to draw from each pool (`creates`, `modifies`, `silent`,
 * `moves`, `deletes`) and of each kind by name. Counts add up; creations run first, deletions last,
 * everything else in between in a seeded order.
 */
export const roundSchema = z
  .object({
    creates: count.optional(),
    modifies: count.optional(),
    silent: count.optional(),
    moves: count.optional(),
    deletes: count.optional(),
    ...(Object.fromEntries(KIND_NAMES.map((k) => [k, count.optional()])) as Record<MutationKind, z.ZodOptional<typeof count>>),
  })
  .strict();

/** A mutation round as `Workspace.mutate` takes it. */
export type MutationRound = z.infer<typeof roundSchema>;

/** A readable one-line account of what is wrong with an input, by path. */
export function describeIssues(error: z.ZodError, what: string): string {
  const parts = error.issues.map((issue) => {
    const path = issue.path.length === 0 ? "" : `${issue.path.map(String).join(".")}: `;
    const message = issue.code === "unrecognized_keys" ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}` : issue.message;
    return `${path}${message}`;
  });
  return `invalid ${what}: ${parts.join("; ")}`;
}
