// Creating, modifying and deleting tasks and messages: the overlay records just enough to
// regenerate the changed object, and modified_at only ever moves forward. When a change alters a
// field derived from another task (num_subtasks, dependencies, dependents, a subtask's parent
// name), that task's modified_at advances too, so "every change moves modified_at" holds and an
// incremental export can always be checked against the ground truth.
import type { GenContext } from "./context.js";
import { KIND } from "./gids.js";
import { PURPOSE, type Rng, rngFor } from "./prng.js";
import type { SlotState, SlotTable } from "./state.js";
import { dependenciesOf, dependentsOf, FAMILY, parentOf, subtasksOf, wantsParent } from "./task-graph.js";
import { sentence, taskName } from "./text.js";
import { DAY, isoDate } from "./time.js";
import type { AsanaObject, EmulatorClock, MutationSummary } from "../workspace.js";

/** The two mutable resource types. */
export type MutableType = "task" | "message";

type Generate = (type: MutableType, index: number) => AsanaObject | undefined;

/** Applies mutations to a workspace's overlay. */
export class Mutator {
  private round = 0;
  /** While a mutation round runs: gids of tasks whose modified_at advanced as a side effect. */
  private related: string[] | undefined;

  constructor(
    private readonly ctx: GenContext,
    private readonly clock: EmulatorClock,
    private readonly generate: Generate,
  ) {}

  private table(type: MutableType): SlotTable {
    return type === "task" ? this.ctx.tasks : this.ctx.messages;
  }

  private liveIndex(type: MutableType, gid: string): number {
    const index = this.ctx.ref.gids.indexOf(type === "task" ? KIND.task : KIND.message, gid);
    if (index === undefined || !this.table(type).isLive(index)) throw new Error(`no live ${type} with gid ${gid}`);
    return index;
  }

  private stamp(current: AsanaObject): number {
    return Math.max(this.clock.now(), Date.parse(String(current.modified_at)) + 1);
  }

  /** Advance the modified_at of live tasks whose derived fields a change altered. */
  private bump(indexes: Iterable<number>): void {
    for (const i of new Set(indexes)) {
      const current = this.generate("task", i);
      if (current === undefined) continue;
      this.ctx.tasks.touch(i).modifiedAt = this.stamp(current);
      this.related?.push(current.gid);
    }
  }

  /** Append a new task or message stamped now. */
  create(type: MutableType): AsanaObject {
    const table = this.table(type);
    const index = table.slots;
    const family = index - (index % FAMILY);
    const parent = type === "task" && wantsParent(this.ctx.seed, index) && table.isLive(family) ? family : null;
    table.append(this.clock.now(), parent);
    if (type === "task") this.bump([...(parent === null ? [] : [parent]), ...dependenciesOf(this.ctx.seed, table, index)]);
    return this.generate(type, index) as AsanaObject;
  }

  /** Change a few fields of a live object and advance its modified_at. */
  modify(type: MutableType, gid: string): AsanaObject {
    const index = this.liveIndex(type, gid);
    const current = this.generate(type, index) as AsanaObject;
    const now = this.stamp(current);
    const st = this.table(type).touch(index);
    st.version++;
    const rng = rngFor(this.ctx.seed, type === "task" ? PURPOSE.taskModify : PURPOSE.messageModify, index, st.version);
    if (type === "task") this.changeTask(st, rng, current, index, now);
    else this.changeMessage(st, rng, current);
    if (rng.chance(0.3)) this.addLike(st, rng, current);
    st.modifiedAt = now;
    const renamed = st.patch.name !== undefined && st.patch.name !== current.name;
    if (type === "task" && renamed) this.bump(subtasksOf(this.ctx.seed, this.ctx.tasks, index));
    return this.generate(type, index) as AsanaObject;
  }

  private changeTask(st: SlotState, rng: Rng, current: AsanaObject, index: number, now: number): void {
    const users = this.ctx.ref.users.length;
    const user = rng.int(users);
    const story = (subtype: string, text: string): void => {
      st.stories.push({ at: now, user, subtype, text });
    };
    switch (rng.int(5)) {
      case 0: {
        const name = `${taskName(rng, index)} (rev ${st.version})`;
        st.patch.name = name;
        story("name_changed", `changed the name to "${name}"`);
        break;
      }
      case 1: {
        const done = current.completed !== true;
        st.patch.completed = done;
        st.patch.completedAt = done ? now : null;
        st.patch.completedBy = done ? user : null;
        story(done ? "marked_complete" : "marked_incomplete", done ? "marked this task complete" : "marked incomplete");
        break;
      }
      case 2:
        st.patch.notesSuffix = `${st.patch.notesSuffix ?? ""}\nUpdate ${st.version}: ${sentence(rng)}`;
        story("notes_changed", "changed the description");
        break;
      case 3: {
        const assignee = rng.chance(0.2) ? null : rng.int(users);
        st.patch.assignee = assignee;
        story(assignee === null ? "unassigned" : "assigned", assignee === null ? "unassigned" : `assigned to ${this.ctx.ref.users[assignee]?.name ?? ""}`);
        break;
      }
      default: {
        const dueOn = rng.chance(0.2) ? null : isoDate(now + rng.range(1, 30) * DAY);
        st.patch.dueOn = dueOn;
        story("due_date_changed", dueOn === null ? "removed the due date" : `changed the due date to ${dueOn}`);
      }
    }
  }

  private changeMessage(st: SlotState, rng: Rng, current: AsanaObject): void {
    if (rng.chance(0.5)) st.patch.name = `${String(current.title).replace(/ \(edited \d+\)$/, "")} (edited ${st.version})`;
    else st.patch.notesSuffix = `${st.patch.notesSuffix ?? ""}\nEdit ${st.version}: ${sentence(rng)}`;
  }

  private addLike(st: SlotState, rng: Rng, current: AsanaObject): void {
    const { gids, users } = this.ctx.ref;
    const liked = (current.likes as { user: { gid: string } }[]).map((l) => gids.indexOf(KIND.user, l.user.gid) ?? 0);
    const user = rng.int(users.length);
    if (!liked.includes(user) && liked.length < 32) st.patch.likes = [...liked, user];
  }

  /** Delete a live object (a task's subtasks go with it); returns every deleted gid. */
  remove(type: MutableType, gid: string): string[] {
    const index = this.liveIndex(type, gid);
    const table = this.table(type);
    const kind = type === "task" ? KIND.task : KIND.message;
    const seed = this.ctx.seed;
    const doomed = type === "task" ? [index, ...subtasksOf(seed, table, index)] : [index];
    const neighbours = type === "task" ? doomed.flatMap((i) => [parentOf(seed, table, i) ?? -1, ...dependenciesOf(seed, table, i), ...dependentsOf(seed, table, i)]) : [];
    for (const i of doomed) table.markDeleted(i);
    this.bump(neighbours.filter((i) => table.isLive(i)));
    return doomed.map((i) => this.ctx.ref.gids.gid(kind, i));
  }

  /** One deterministic round of creates, modifies and deletes over tasks and messages. */
  mutate(round: { creates: number; modifies: number; deletes: number }): MutationSummary {
    for (const [k, v] of Object.entries(round)) {
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`mutate: ${k} must be a non-negative integer, got ${v}`);
    }
    this.related = [];
    try {
      return this.mutateRound(round);
    } finally {
      this.related = undefined;
    }
  }

  private mutateRound(round: { creates: number; modifies: number; deletes: number }): MutationSummary {
    const rng = rngFor(this.ctx.seed, PURPOSE.mutateRound, this.round++);
    const touched = new Set<string>();
    const created: string[] = [];
    const modified: string[] = [];
    const deleted: string[] = [];
    for (let c = 0; c < round.creates; c++) {
      const type = this.pickType(rng, (t) => this.table(t).slots);
      const gid = this.create(type).gid;
      created.push(gid);
      touched.add(gid);
    }
    for (let m = 0; m < round.modifies; m++) {
      const gid = this.pickLive(rng, touched);
      if (gid === undefined) break;
      modified.push(this.modify(gid[0], gid[1]).gid);
      touched.add(gid[1]);
    }
    for (let d = 0; d < round.deletes; d++) {
      const gid = this.pickLive(rng, touched);
      if (gid === undefined) break;
      for (const g of this.remove(gid[0], gid[1])) {
        deleted.push(g);
        touched.add(g);
      }
    }
    const gone = new Set(deleted);
    const fresh = new Set(created);
    const changed = [...new Set([...modified, ...(this.related ?? [])])].filter((g) => !gone.has(g) && !fresh.has(g));
    return { created: created.filter((g) => !gone.has(g)), modified: changed, deleted };
  }

  private pickType(rng: Rng, size: (t: MutableType) => number): MutableType {
    const tasks = size("task");
    const total = tasks + size("message");
    return total === 0 || rng.float() * total < tasks ? "task" : "message";
  }

  private pickLive(rng: Rng, exclude: ReadonlySet<string>): [MutableType, string] | undefined {
    const first = this.pickType(rng, (t) => this.table(t).live);
    for (const type of [first, first === "task" ? "message" : "task"] as const) {
      const table = this.table(type);
      const kind = type === "task" ? KIND.task : KIND.message;
      const start = rng.int(Math.max(table.slots, 1));
      for (let k = 0; k < table.slots; k++) {
        const i = (start + k) % table.slots;
        if (!table.isLive(i)) continue;
        const gid = this.ctx.ref.gids.gid(kind, i);
        if (!exclude.has(gid)) return [type, gid];
      }
    }
    return undefined;
  }
}
