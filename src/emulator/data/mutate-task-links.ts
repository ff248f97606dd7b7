// Changes to where a task sits and what it links to, which Asana's text says leave modified_at alone
// ("moving to a new container (project, portfolio, etc)" will not change it; tags, the start date and
// dependencies are not among the conditions that do). They add no story either: "story is created on
// a task" would change modified_at, and the text is explicit that these changes do not.
import { MutationError } from "../mutation-error.js";
import type { GenContext } from "./context.js";
import { KIND } from "./gids.js";
import { choose, gidsOf, indexOfGid, notApplicable, type PlanInput, type Planner } from "./plan.js";
import type { Membership, SlotTable } from "./state.js";
import { dependenciesOf, isBaseDependency } from "./task-graph.js";
import { DAY, isoDate } from "./time.js";

/** A task's memberships as indexes (project, section within it). */
function membershipsOf(ctx: GenContext, memberships: unknown): Membership[] {
  const out: Membership[] = [];
  for (const m of memberships as Array<{ project: { gid: string }; section: { gid: string } | null }>) {
    const project = ctx.ref.gids.indexOf(KIND.project, m.project.gid);
    const sections = project === undefined ? undefined : ctx.ref.projects[project]?.sections;
    if (project === undefined || sections === undefined) continue;
    out.push({ project, section: Math.max(0, sections.findIndex((s) => s.gid === m.section?.gid)) });
  }
  return out;
}

const moveSection: Planner = (input) => {
  const { ctx } = input;
  const current = membershipsOf(ctx, input.current.memberships);
  const moves: Array<{ at: number; section: number; gid: string }> = [];
  current.forEach((m, at) => {
    (ctx.ref.projects[m.project]?.sections ?? []).forEach((s, section) => {
      if (section !== m.section) moves.push({ at, section, gid: s.gid });
    });
  });
  const named = input.option == null ? undefined : (c: { gid: string }) => c.gid === input.option;
  const move = choose(input, moves, named, "is in no project with another section to move to", `has no project whose other section is ${String(input.option)}`);
  return {
    related: [],
    write() {
      input.state().patch.memberships = current.map((m, k) => (k === move.at ? { project: m.project, section: move.section } : m));
    },
  };
};

const addProject: Planner = (input) => {
  const { ctx } = input;
  const current = membershipsOf(ctx, input.current.memberships);
  const free = [...ctx.ref.projects.keys()].filter((p) => !current.some((m) => m.project === p));
  const wanted = input.option == null ? undefined : indexOfGid(ctx, KIND.project, input.option, ctx.ref.projects.length, "project");
  const named = wanted === undefined ? undefined : (p: number) => p === wanted;
  const project = choose(input, free, named, "is in every project already", `is in project ${String(input.option)} already`);
  const section = input.rng.int(ctx.ref.projects[project]?.sections.length ?? 1);
  return {
    related: [],
    write() {
      // The project's custom fields come with it (empty until set), as Asana adds them.
      input.state().patch.memberships = [...current, { project, section }];
    },
  };
};

const removeProject: Planner = (input) => {
  const { ctx } = input;
  const current = membershipsOf(ctx, input.current.memberships);
  const named = input.option == null ? undefined : (m: Membership) => ctx.ref.projects[m.project]?.ref.gid === input.option;
  const gone = choose(input, current, named, "is in no project", `is not in project ${String(input.option)}`);
  return {
    related: [],
    write() {
      input.state().patch.memberships = current.filter((m) => m !== gone);
    },
  };
};

const tagsOf = (input: PlanInput): number[] => gidsOf(input.current.tags).map((g) => input.ctx.ref.gids.indexOf(KIND.tag, g) ?? 0);

const addTag: Planner = (input) => {
  const { ctx } = input;
  const tags = tagsOf(input);
  const free = [...ctx.ref.tags.keys()].filter((t) => !tags.includes(t));
  const wanted = input.option == null ? undefined : indexOfGid(ctx, KIND.tag, input.option, ctx.ref.tags.length, "tag");
  const named = wanted === undefined ? undefined : (t: number) => t === wanted;
  const tag = choose(input, free, named, "has every tag already", `has tag ${String(input.option)} already`);
  return {
    related: [],
    write() {
      input.state().patch.tags = [...tags, tag];
    },
  };
};

const removeTag: Planner = (input) => {
  const tags = tagsOf(input);
  const named = input.option == null ? undefined : (t: number) => input.ctx.ref.tags[t]?.gid === input.option;
  const tag = choose(input, tags, named, "has no tags", `has no tag ${String(input.option)}`);
  return {
    related: [],
    write() {
      input.state().patch.tags = tags.filter((t) => t !== tag);
    },
  };
};

const setStartDate: Planner = (input) => {
  // TaskCompact.resource_subtype: "tasks with this subtype cannot have a start_date"; TaskBase.start_on:
  // "`due_on` or `due_at` must be present in the request when setting or unsetting the `start_on` parameter."
  if (input.current.resource_subtype === "milestone") throw notApplicable(input, "is a milestone, and milestones cannot have a start date");
  const due = input.current.due_on as string | null;
  if (due === null) throw notApplicable(input, "has no due date, and Asana sets a start date only with one");
  const current = input.current.start_on as string | null;
  const dueMs = Date.parse(`${due}T00:00:00Z`);
  const dates = Array.from({ length: 14 }, (_, k) => isoDate(dueMs - (k + 1) * DAY)).filter((d) => d !== current);
  const next = current !== null && input.rng.chance(0.3) ? null : input.rng.pick(dates);
  return {
    related: [],
    write() {
      input.state().patch.startOn = next;
    },
  };
};

/** Whether `from` reaches `to` by following dependencies (so `to` depending on `from` would be a cycle). */
function reaches(seed: number, table: SlotTable, from: number, to: number): boolean {
  const seen = new Set<number>();
  const stack = [from];
  while (stack.length > 0) {
    const i = stack.pop() as number;
    if (i === to) return true;
    if (seen.has(i)) continue;
    seen.add(i);
    stack.push(...dependenciesOf(seed, table, i));
  }
  return false;
}

const DEPENDENCY_WINDOW = 32;

const addDependency: Planner = (input) => {
  const { ctx, table, index } = input;
  const seed = ctx.seed;
  const have = dependenciesOf(seed, table, index);
  const fits = (j: number): boolean => j !== index && table.isLive(j) && !have.includes(j) && !reaches(seed, table, j, index);
  let dependency: number;
  if (input.option != null) {
    dependency = indexOfGid(ctx, KIND.task, input.option, table.slots, "dependency");
    if (!table.isLive(dependency)) throw new MutationError("unknown-object", `dependency: Unknown object: ${input.option}`);
    if (!fits(dependency)) throw notApplicable(input, `cannot depend on ${input.option}: it is itself, already a dependency, or depends on it (Asana refuses cycles)`);
  } else {
    const near: number[] = [];
    for (let j = Math.max(0, index - DEPENDENCY_WINDOW); j < Math.min(table.slots, index + DEPENDENCY_WINDOW); j++) if (fits(j)) near.push(j);
    dependency = choose(input, near, undefined, "has no task nearby it could depend on without a cycle", "");
  }
  return {
    related: [{ type: "task", index: dependency }],
    write() {
      const patch = input.state().patch;
      if (isBaseDependency(seed, index, dependency)) {
        patch.removedDependencies = (patch.removedDependencies ?? []).filter((j) => j !== dependency);
        return;
      }
      patch.addedDependencies = [...(patch.addedDependencies ?? []), dependency];
      const other = table.touch(dependency).patch;
      other.addedDependents = [...(other.addedDependents ?? []), index];
    },
  };
};

const removeDependency: Planner = (input) => {
  const { ctx, table, index } = input;
  const have = dependenciesOf(ctx.seed, table, index);
  const named = input.option == null ? undefined : (j: number) => ctx.ref.gids.gid(KIND.task, j) === input.option;
  const dependency = choose(input, have, named, "has no dependencies", `does not depend on ${String(input.option)}`);
  return {
    related: [{ type: "task", index: dependency }],
    write() {
      const patch = input.state().patch;
      if (patch.addedDependencies?.includes(dependency) === true) {
        patch.addedDependencies = patch.addedDependencies.filter((j) => j !== dependency);
        const other = table.touch(dependency).patch;
        other.addedDependents = (other.addedDependents ?? []).filter((j) => j !== index);
      } else {
        patch.removedDependencies = [...(patch.removedDependencies ?? []), dependency];
      }
    },
  };
};

/** The task planners that leave modified_at alone. */
export const TASK_LINK_PLANNERS = {
  "move-section": moveSection,
  "add-project": addProject,
  "remove-project": removeProject,
  "add-tag": addTag,
  "remove-tag": removeTag,
  "set-start-date": setStartDate,
  "add-dependency": addDependency,
  "remove-dependency": removeDependency,
} satisfies Record<string, Planner>;
