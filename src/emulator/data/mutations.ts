// Applying one mutation: validate it, find its target, plan it (every choice made, nothing written),
// take before-images of every object it may change, write the overlay, stamp the time, and report
// what changed by comparing the images. Whether the target's modified_at moves comes from the kind
// table (mutation-kinds.ts, where Asana's text is quoted); no other object's modified_at ever moves.
import { MutationError } from "../mutation-error.js";
import { type KindSpec, MUTATION_KINDS, type Mutation, type MutationKind, mutationSchema, describeIssues } from "../mutation-kinds.js";
import type { AsanaObject, DeletedObject, EmulatorClock, MutationResult, ObjectChange, ObjectRef, ResourceType } from "../workspace.js";
import type { GenContext } from "./context.js";
import { KIND } from "./gids.js";
import { ACTIVITY_PLANNERS } from "./mutate-activity.js";
import { type LifecyclePlan, planCreateMessage, planCreateTask, planDeleteMessage, planDeleteTask, planDeleteTeam } from "./mutate-lifecycle.js";
import { TASK_FIELD_PLANNERS } from "./mutate-task-fields.js";
import { TASK_LINK_PLANNERS } from "./mutate-task-links.js";
import type { Planner, SlotRef } from "./plan.js";
import { PURPOSE, rngFor } from "./prng.js";
import type { SlotTable } from "./state.js";
import { isoTime } from "./time.js";

type Generate = (type: ResourceType, index: number) => AsanaObject | undefined;

const PLANNERS: Partial<Record<MutationKind, Planner>> = { ...TASK_FIELD_PLANNERS, ...TASK_LINK_PLANNERS, ...ACTIVITY_PLANNERS };
const KIND_NUMBER = new Map(Object.keys(MUTATION_KINDS).map((k, i) => [k, i]));
const TYPE_KIND = { task: KIND.task, message: KIND.message, team: KIND.team } as const;

/** Top-level fields whose exported value differs (modified_at left out), sorted. */
function changedFields(before: AsanaObject, after: AsanaObject): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  keys.delete("modified_at");
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/** Applies mutations to a workspace's overlay. */
export class Mutator {
  /** Changes are stamped at least 1 ms after this: the latest snapshot (an export's created_at). */
  private floor = Number.NEGATIVE_INFINITY;
  /** Told of every before-image taken (a round uses it to compare with the end of the round). */
  observer: ((slot: SlotRef, before: AsanaObject) => void) | undefined;

  constructor(
    private readonly ctx: GenContext,
    private readonly clock: EmulatorClock,
    private readonly generate: Generate,
  ) {}

  /** Record a snapshot taken at `at`: later changes are stamped after it. */
  snapshotTaken(at: number): void {
    this.floor = Math.max(this.floor, at);
  }

  private table(type: "task" | "message"): SlotTable {
    return type === "task" ? this.ctx.tasks : this.ctx.messages;
  }

  /** The slot of a live object, or an unknown-object error naming it (as `label`). */
  liveIndex(type: ResourceType, gid: string, label: string = type): number {
    const index = this.ctx.ref.gids.indexOf(TYPE_KIND[type], gid);
    if (index === undefined || this.generate(type, index) === undefined) throw new MutationError("unknown-object", `${label}: Unknown object: ${gid} (no live ${type} has this gid)`);
    return index;
  }

  /** Validate and apply one mutation. */
  apply(input: Mutation): MutationResult {
    const parsed = mutationSchema.safeParse(input);
    if (!parsed.success) throw new MutationError("invalid", describeIssues(parsed.error, "mutation"));
    const m = parsed.data;
    const spec: KindSpec = MUTATION_KINDS[m.kind];
    const option = spec.option === undefined ? undefined : m[spec.option];
    if (spec.targets.length === 0) {
      const parent = m.parent === undefined ? undefined : this.liveIndex("task", m.parent, "parent");
      return this.applyPlanned(m.kind, m.kind === "create-task" ? planCreateTask(this.ctx, parent) : planCreateMessage(this.ctx, this.rng("message", this.ctx.messages.slots, m.kind, 0)));
    }
    const type = (["task", "message", "team"] as const).find((t) => m[t] !== undefined) as "task" | "message" | "team";
    return this.applyAt(m.kind, type, this.liveIndex(type, m[type] as string), option);
  }

  /** Apply a kind to the live object in a slot (a MutationError, and no change, when it does not apply). */
  applyAt(kind: MutationKind, type: "task" | "message" | "team", index: number, option?: string | null): MutationResult {
    const spec: KindSpec = MUTATION_KINDS[kind];
    if (!(spec.targets as readonly string[]).includes(type)) throw new MutationError("invalid", `${kind} does not target a ${type}`);
    if (kind === "delete-team") return this.applyPlanned(kind, planDeleteTeam(this.ctx, index));
    if (type === "team") throw new MutationError("invalid", `${kind} does not target a team`);
    const current = this.generate(type, index);
    if (current === undefined) throw new MutationError("unknown-object", `${type}: Unknown object: ${this.ctx.ref.gids.gid(TYPE_KIND[type], index)}`);
    if (kind === "delete-task") return this.applyPlanned(kind, planDeleteTask(this.ctx, index));
    if (kind === "delete-message") return this.applyPlanned(kind, planDeleteMessage(this.ctx, index));
    const planner = PLANNERS[kind];
    if (planner === undefined) throw new MutationError("invalid", `${kind} does not target a ${type}`);
    const table = this.table(type);
    const version = (table.state(index)?.version ?? 0) + 1;
    const plan = planner({ ctx: this.ctx, kind, type, index, current, table, state: () => table.touch(index), rng: this.rng(type, index, kind, version), option, version });
    const moves = spec.moves[type] === true;
    const target: SlotRef = { type, index };
    const before = this.images([target, ...plan.related]);
    const at = this.now();
    const modifiedAt = moves ? Math.max(at, Date.parse(String(current.modified_at)) + 1) : at;
    plan.write(at, modifiedAt);
    const st = table.touch(index);
    st.version = version;
    if (moves) st.modifiedAt = modifiedAt;
    return {
      kind,
      target: this.ref(target),
      moves_modified_at: moves,
      at: isoTime(moves ? modifiedAt : at),
      created: [],
      deleted: [],
      changed: this.changes(before),
    };
  }

  private applyPlanned(kind: MutationKind, plan: LifecyclePlan): MutationResult {
    const before = this.images(plan.related);
    const at = this.now();
    plan.write(at);
    const deleted: DeletedObject[] = plan.doomed.map((d) => ({
      ...this.ref(d.ref),
      deleted_at: isoTime(at),
      cause: d.cause,
      ...(d.via === undefined ? {} : { via: d.via }),
    }));
    return { kind, target: this.ref(plan.target), moves_modified_at: false, at: isoTime(at), created: plan.created.map((r) => this.ref(r)), deleted, changed: this.changes(before) };
  }

  private rng(type: "task" | "message", index: number, kind: MutationKind, version: number) {
    const purpose = type === "task" ? PURPOSE.taskModify : PURPOSE.messageModify;
    return rngFor(this.ctx.seed, purpose, index, version * 64 + (KIND_NUMBER.get(kind) ?? 0));
  }

  /** The time of a change: the clock, but never at or before the latest snapshot. */
  private now(): number {
    return Math.max(this.clock.now(), this.floor + 1);
  }

  private ref(slot: SlotRef): ObjectRef {
    return { resource_type: slot.type, gid: this.ctx.ref.gids.gid(TYPE_KIND[slot.type], slot.index) };
  }

  private images(slots: readonly SlotRef[]): Array<[SlotRef, AsanaObject]> {
    const seen = new Set<string>();
    const out: Array<[SlotRef, AsanaObject]> = [];
    for (const slot of slots) {
      const key = `${slot.type}:${slot.index}`;
      const object = this.generate(slot.type, slot.index);
      if (seen.has(key) || object === undefined) continue;
      seen.add(key);
      out.push([slot, object]);
      this.observer?.(slot, object);
    }
    return out;
  }

  private changes(before: Array<[SlotRef, AsanaObject]>): ObjectChange[] {
    const out: ObjectChange[] = [];
    for (const [slot, old] of before) {
      const now = this.generate(slot.type, slot.index);
      if (now === undefined) continue;
      const fields = changedFields(old, now);
      const moved = old.modified_at !== now.modified_at;
      if (fields.length === 0 && !moved) continue;
      out.push({ ...this.ref(slot), fields, modified_at_moved: moved, modified_at: typeof now.modified_at === "string" ? now.modified_at : null });
    }
    return out;
  }
}
