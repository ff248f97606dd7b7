// The contract between the emulator's seeded data (src/emulator/data) and its HTTP server
// (src/emulator/server). The emulator imports nothing of the connector.

export type ResourceType = "task" | "team" | "message";
export const RESOURCE_TYPES: readonly ResourceType[] = ["task", "team", "message"];

/** A JSON object as Asana exports it: every field, default and opt-in, before projection. */
export type AsanaObject = { gid: string; resource_type: ResourceType } & Record<string, unknown>;

/** The emulator's clock: tests inject one they can move; mutations stamp `modified_at` from it. */
export interface EmulatorClock {
  now(): number;
}

/** Counts of what a mutation round did, with the gids touched. */
export interface MutationSummary {
  created: string[];
  modified: string[];
  deleted: string[];
}

/** A seeded, deterministic Asana workspace: the ground truth the export serves. */
export interface Workspace {
  readonly gid: string;
  readonly name: string;
  /** Number of slots of a type, deleted ones included; `at(type, i)` for i in [0, slots). */
  slots(type: ResourceType): number;
  /** The live object in slot i (with every field), or undefined when deleted. Pure: same answer twice. */
  at(type: ResourceType, index: number): AsanaObject | undefined;
  /** Every live object of a type, in slot order. */
  objects(type: ResourceType): Iterable<AsanaObject>;
  /** Number of live objects of a type. */
  count(type: ResourceType): number;
  /** The live object with this gid, or undefined. */
  get(type: ResourceType, gid: string): AsanaObject | undefined;
  /** Gids of the workspace's users (for filters such as `assignee.any`). */
  userGids(): string[];
  /** Create a task or message now (modified_at = created_at = clock.now()). */
  create(type: "task" | "message"): AsanaObject;
  /** Change some fields of a live task or message, advancing its modified_at to clock.now(). */
  modify(type: "task" | "message", gid: string): AsanaObject;
  /** Delete a live task or message: later exports no longer contain it. */
  remove(type: "task" | "message", gid: string): void;
  /** A deterministic random round of creates, modifies and deletes over tasks and messages. */
  mutate(round: { creates: number; modifies: number; deletes: number }): MutationSummary;
}
