// What a planned mutation is: the objects it may change besides its target, and how it writes the
// overlay. A planner validates and makes every choice first (throwing a MutationError and changing
// nothing when it cannot), so that the mutator can take before-images, write, and compare.
import { MutationError } from "../mutation-error.js";
import type { MutationKind } from "../mutation-kinds.js";
import type { AsanaObject } from "../workspace.js";
import type { GenContext } from "./context.js";
import { KIND, type Kind } from "./gids.js";
import type { Rng } from "./prng.js";
import type { SlotState, SlotTable } from "./state.js";

/** A slot of a resource type. */
export interface SlotRef {
  readonly type: "task" | "message" | "team";
  readonly index: number;
}

/** A mutation ready to write. */
export interface Plan {
  /** Other objects whose export the write may change (their before-images are taken). */
  readonly related: readonly SlotRef[];
  /** Write the overlay; `at` is the mutation's time, `modifiedAt` the target's new modified_at when it moves. */
  write(at: number, modifiedAt: number): void;
}

/** What a planner gets: the target now, its overlay entry to write to, and seeded randomness for its choices. */
export interface PlanInput {
  readonly ctx: GenContext;
  readonly kind: MutationKind;
  readonly type: "task" | "message";
  readonly index: number;
  readonly current: AsanaObject;
  readonly table: SlotTable;
  /** The target's overlay entry (created on first use: only `write` may call it). */
  readonly state: () => SlotState;
  readonly rng: Rng;
  /** The choice given by the caller (a gid, or null for "unassigned"), if any. */
  readonly option: string | null | undefined;
  /** The version the target reaches with this mutation (for names like "(rev 3)"). */
  readonly version: number;
}

/** Plans one kind of mutation on a task or message. */
export type Planner = (input: PlanInput) => Plan;

/** A refusal: the mutation does not apply to this object. */
export function notApplicable(input: Pick<PlanInput, "kind" | "type" | "current">, why: string): MutationError {
  return new MutationError("not-applicable", `${input.kind}: ${input.type} ${input.current.gid} ${why}`);
}

/** The index of a reference gid of a kind, below `size`, or a MutationError naming the option. */
export function indexOfGid(ctx: GenContext, kind: Kind, gid: string, size: number, what: string): number {
  const index = ctx.ref.gids.indexOf(kind, gid);
  if (index === undefined || index >= size) throw new MutationError("unknown-object", `${what}: Unknown object: ${gid}`);
  return index;
}

/**
 * Pick one of the candidates: the one the caller named (it must be a candidate: `refuse` says why
 * not), or a seeded one; none at all is `empty`.
 */
export function choose<T>(
  input: PlanInput,
  candidates: readonly T[],
  named: ((c: T) => boolean) | undefined,
  empty: string,
  refuse: string,
): T {
  if (named !== undefined) {
    const found = candidates.find(named);
    if (found === undefined) throw notApplicable(input, refuse);
    return found;
  }
  if (candidates.length === 0) throw notApplicable(input, empty);
  return input.rng.pick(candidates);
}

/** The next gid a mutation hands out (stories, attachments, likes it adds). */
export function addedGid(ctx: GenContext): string {
  return ctx.ref.gids.gid(KIND.added, ctx.added.next++);
}

/** Gids of an array of compact references. */
export function gidsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => String((v as { gid?: unknown }).gid)) : [];
}
