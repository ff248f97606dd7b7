// What every generator needs: the seed, the reference data, the clock at creation, the slot tables
// and team deletions (the overlay), and the rules that place generated history in time.
import type { CustomFieldDef } from "./custom-fields.js";
import type { Rng } from "./prng.js";
import type { Reference } from "./reference.js";
import type { Deletion, SlotTable } from "./state.js";
import { HOUR, SECOND, YEAR } from "./time.js";

/** Generated history reaches back this far before the workspace's creation. */
export const HISTORY = 3 * YEAR;

/** Shared inputs of the task, message and team generators. */
export interface GenContext {
  readonly seed: number;
  readonly ref: Reference;
  readonly fields: readonly CustomFieldDef[];
  /** Clock time when the workspace was built: all generated history is before it. */
  readonly start: number;
  readonly largeNoteEvery: number;
  readonly teams: number;
  readonly tasks: SlotTable;
  readonly messages: SlotTable;
  /** Deleted teams by index. */
  readonly deletedTeams: Map<number, Deletion>;
  /** How many gids mutations have handed out (stories, attachments, likes they add). */
  readonly added: { next: number };
}

/** A copy of the context that later mutations do not reach (the reference data is frozen already). */
export function freezeContext(ctx: GenContext): GenContext {
  return { ...ctx, tasks: ctx.tasks.clone(), messages: ctx.messages.clone(), deletedTeams: new Map(ctx.deletedTeams), added: { ...ctx.added } };
}

/** created_at of generated slot `index` of `count`: increasing with the slot, within HISTORY. */
export function baseCreatedAt(start: number, u: number, index: number, count: number): number {
  return start - HISTORY + Math.floor(((HISTORY - HOUR) * (index + u)) / Math.max(count, 1));
}

/** Last generated modification: often soon after creation, sometimes much later, always before start. */
export function baseModifiedAt(rng: Rng, created: number, start: number): number {
  const room = start - SECOND - created;
  const soon = rng.chance(0.35);
  const f = rng.float();
  return created + (soon ? Math.floor(f * Math.min(room, HOUR)) : Math.floor(f * f * room));
}

/** Whether a task slot carries notes over 100 KB: slot 49, then every `every` slots. */
export function isLargeNote(index: number, every: number): boolean {
  return index >= 49 && (index - 49) % every === 0;
}
