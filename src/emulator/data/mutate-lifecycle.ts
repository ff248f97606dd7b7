// Creations and deletions. A created task or message is stamped now (modified_at = created_at). A
// deleted task takes its subtasks with it, as Asana's task deletion does (the task goes to the trash,
// "the task itself is trashed" moves its modified_at, and "Exports currently include undeleted
// objects", so it simply leaves the export). A deleted team leaves the export too; the messages
// posted only to it go with it (Asana: "Each team has its own members, admins, projects, messages, and
// calendar"), and the others just lose it from their `parents`, silently. No emulator task refers to
// a team (its projects carry none), so a team's deletion changes no task.
import { MutationError } from "../mutation-error.js";
import type { DeletionCause } from "../workspace.js";
import type { GenContext } from "./context.js";
import { KIND } from "./gids.js";
import { generateMessage } from "./message.js";
import type { SlotRef } from "./plan.js";
import type { Rng } from "./prng.js";
import type { SlotTable } from "./state.js";
import { dependenciesOf, dependentsOf, FAMILY, parentOf, subtasksOf, wantsParent } from "./task-graph.js";

/** An object a plan deletes, and why. */
export interface Doomed {
  readonly ref: SlotRef;
  readonly cause: DeletionCause;
  readonly via?: string;
}

/** A creation or deletion, ready to write. */
export interface LifecyclePlan {
  readonly target: SlotRef;
  readonly related: readonly SlotRef[];
  readonly created: readonly SlotRef[];
  readonly doomed: readonly Doomed[];
  write(at: number): void;
}

const task = (index: number): SlotRef => ({ type: "task", index });

/** A new task: a subtask of `parent` (a live task's slot), else of its family's first slot by the seed's rule. */
export function planCreateTask(ctx: GenContext, parent: number | undefined): LifecyclePlan {
  const table = ctx.tasks;
  const index = table.slots;
  const family = index - (index % FAMILY);
  const chosen = parent ?? (wantsParent(ctx.seed, index) && table.isLive(family) ? family : null);
  const deps = dependenciesOf(ctx.seed, table, index);
  return {
    target: task(index),
    // Its parent's num_subtasks and its dependencies' dependents change, silently.
    related: [...(chosen === null ? [] : [task(chosen)]), ...deps.map(task)],
    created: [task(index)],
    doomed: [],
    write(at) {
      table.append(at, chosen);
      if (chosen !== null && chosen !== family) {
        const patch = table.touch(chosen).patch;
        patch.addedSubtasks = [...(patch.addedSubtasks ?? []), index];
      }
    },
  };
}

/** A new message; one whose generated parents are all deleted teams is posted to a portfolio instead. */
export function planCreateMessage(ctx: GenContext, rng: Rng): LifecyclePlan {
  const table = ctx.messages;
  const index = table.slots;
  return {
    target: { type: "message", index },
    related: [],
    created: [{ type: "message", index }],
    doomed: [],
    write(at) {
      table.append(at, null);
      const made = generateMessage(ctx, index);
      if (made !== undefined && (made.parents as unknown[]).length === 0) table.touch(index).patch.parents = [rng.pick(ctx.ref.portfolios)];
    },
  };
}

/** Delete a live task and, recursively, its subtasks. */
export function planDeleteTask(ctx: GenContext, index: number): LifecyclePlan {
  const { seed, tasks: table } = ctx;
  const doomed: Doomed[] = [{ ref: task(index), cause: "deleted" }];
  for (let k = 0; k < doomed.length; k++) {
    const parent = (doomed[k] as Doomed).ref.index;
    for (const sub of subtasksOf(seed, table, parent)) doomed.push({ ref: task(sub), cause: "parent_deleted", via: ctx.ref.gids.gid(KIND.task, parent) });
  }
  const gone = new Set(doomed.map((d) => d.ref.index));
  const neighbours = new Set<number>();
  for (const i of gone) {
    for (const j of [parentOf(seed, table, i) ?? -1, ...dependenciesOf(seed, table, i), ...dependentsOf(seed, table, i)]) {
      if (j >= 0 && !gone.has(j) && table.isLive(j)) neighbours.add(j);
    }
  }
  return {
    target: task(index),
    // Parents lose a subtask, neighbours a dependency or dependent: silently.
    related: [...neighbours].sort((a, b) => a - b).map(task),
    created: [],
    doomed,
    write(at) {
      for (const d of doomed) table.markDeleted(d.ref.index, { at, cause: d.cause, ...(d.via === undefined ? {} : { via: d.via }) });
    },
  };
}

/** Delete a live message. */
export function planDeleteMessage(ctx: GenContext, index: number): LifecyclePlan {
  const ref: SlotRef = { type: "message", index };
  return {
    target: ref,
    related: [],
    created: [],
    doomed: [{ ref, cause: "deleted" }],
    write(at) {
      ctx.messages.markDeleted(index, { at, cause: "deleted" });
    },
  };
}

/** Delete a live team: its own messages go with it, the others lose it from their parents. */
export function planDeleteTeam(ctx: GenContext, index: number): LifecyclePlan {
  if (!(index >= 0 && index < ctx.teams) || ctx.deletedTeams.has(index)) throw new MutationError("unknown-object", `team: Unknown object: ${ctx.ref.gids.gid(KIND.team, index)}`);
  const gid = ctx.ref.gids.gid(KIND.team, index);
  const table: SlotTable = ctx.messages;
  const doomed: Doomed[] = [{ ref: { type: "team", index }, cause: "deleted" }];
  const related: SlotRef[] = [];
  // Which messages name the team is known only by generating them: one pass over the messages.
  for (let i = 0; i < table.slots; i++) {
    const message = generateMessage(ctx, i);
    if (message === undefined) continue;
    const parents = message.parents as Array<{ gid: string }>;
    if (!parents.some((p) => p.gid === gid)) continue;
    if (parents.length === 1) doomed.push({ ref: { type: "message", index: i }, cause: "team_deleted", via: gid });
    else related.push({ type: "message", index: i });
  }
  return {
    target: { type: "team", index },
    related,
    created: [],
    doomed,
    write(at) {
      ctx.deletedTeams.set(index, { at, cause: "deleted" });
      for (const d of doomed.slice(1)) table.markDeleted(d.ref.index, { at, cause: d.cause, via: gid });
    },
  };
}
