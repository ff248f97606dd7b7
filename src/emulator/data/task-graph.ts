// How tasks relate, computable for one slot without scanning: a task in a slot that is a multiple
// of FAMILY may have subtasks in the FAMILY-1 slots after it; a task may depend on some of the
// DEPENDENCY_REACH tasks before it. Both directions are derived from the same hashes, then the
// overlay: generated edges a mutation removed (kept on the dependent) and edges it added (kept on
// both ends).
import { hashKey, PURPOSE, rngFor } from "./prng.js";
import type { SlotTable } from "./state.js";
import { taskName } from "./text.js";

/** Slots per family: one possible parent followed by its possible subtasks. */
export const FAMILY = 16;
const DEPENDENCY_REACH = 8;

export type TaskSubtype = "default_task" | "milestone" | "approval" | "custom";

/** The name and subtype of a task, which others (parents, attachments) repeat. */
export interface TaskHead {
  name: string;
  subtype: TaskSubtype;
}

/** Whether a slot's hash makes it a subtask of its family's first slot. */
export function wantsParent(seed: number, index: number): boolean {
  return index % FAMILY !== 0 && hashKey(seed, PURPOSE.taskSubtask, index) % 100 < 35;
}

/** The parent slot of a task, or null. */
export function parentOf(seed: number, table: SlotTable, index: number): number | null {
  const created = table.state(index)?.parent;
  if (created !== undefined) return created;
  return wantsParent(seed, index) ? index - (index % FAMILY) : null;
}

/** Live subtasks of a task, in slot order: its family's, and tasks created as its subtasks elsewhere. */
export function subtasksOf(seed: number, table: SlotTable, index: number): number[] {
  const out: number[] = [];
  if (index % FAMILY === 0) {
    for (let j = index + 1; j < index + FAMILY && j < table.slots; j++) {
      if (table.isLive(j) && parentOf(seed, table, j) === index) out.push(j);
    }
  }
  for (const j of table.state(index)?.patch.addedSubtasks ?? []) {
    if (table.isLive(j) && parentOf(seed, table, j) === index && !out.includes(j)) out.push(j);
  }
  return out.sort((a, b) => a - b);
}

function dependencyBits(seed: number, index: number): number {
  const h = hashKey(seed, PURPOSE.taskDependency, index);
  if (h % 100 >= 12) return 0;
  let bits = 1 << ((h >>> 8) % DEPENDENCY_REACH);
  if (((h >>> 12) & 3) === 0) bits |= 1 << ((h >>> 16) % DEPENDENCY_REACH);
  return bits;
}

/** Whether the generated graph makes task `index` depend on task `dependency`. */
export function isBaseDependency(seed: number, index: number, dependency: number): boolean {
  const k = index - dependency;
  return k >= 1 && k <= DEPENDENCY_REACH && (dependencyBits(seed, index) & (1 << (k - 1))) !== 0;
}

/** Live tasks this task depends on: generated ones (earlier slots) not removed, and added ones; ascending. */
export function dependenciesOf(seed: number, table: SlotTable, index: number): number[] {
  const bits = dependencyBits(seed, index);
  const patch = table.state(index)?.patch;
  const removed = patch?.removedDependencies ?? [];
  const out: number[] = [];
  for (let k = DEPENDENCY_REACH; k >= 1; k--) {
    const j = index - k;
    if ((bits & (1 << (k - 1))) !== 0 && table.isLive(j) && !removed.includes(j)) out.push(j);
  }
  for (const j of patch?.addedDependencies ?? []) if (table.isLive(j)) out.push(j);
  return out.sort((a, b) => a - b);
}

/** Live tasks that depend on this task: generated ones (later slots) not removed, and added ones; ascending. */
export function dependentsOf(seed: number, table: SlotTable, index: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= DEPENDENCY_REACH; k++) {
    const j = index + k;
    if (j >= table.slots) break;
    if ((dependencyBits(seed, j) & (1 << (k - 1))) === 0 || !table.isLive(j)) continue;
    if (table.state(j)?.patch.removedDependencies?.includes(index) !== true) out.push(j);
  }
  for (const j of table.state(index)?.patch.addedDependents ?? []) if (table.isLive(j)) out.push(j);
  return out.sort((a, b) => a - b);
}

/** Name (as last renamed) and subtype of a task. */
export function taskHead(seed: number, table: SlotTable, index: number): TaskHead {
  const rng = rngFor(seed, PURPOSE.taskHead, index);
  const r = rng.float();
  const subtype: TaskSubtype = r < 0.8 ? "default_task" : r < 0.87 ? "milestone" : r < 0.95 ? "approval" : "custom";
  const name = table.state(index)?.patch.name ?? taskName(rng, index);
  return { name, subtype };
}
