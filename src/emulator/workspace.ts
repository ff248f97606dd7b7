// The contract between the emulator's seeded data (src/emulator/data), its HTTP server
// (src/emulator/server) and the tests that check a connector against the ground truth. The emulator
// imports nothing of the connector.
//
// The mutation kinds, and which of them move `modified_at` (with Asana's OpenAPI text quoted), are in
// ./mutation-kinds.ts. In short: a task's name, notes, completion, assignee, due date, custom field
// values, a new or trashed story, a new or trashed attachment move its modified_at; a section move,
// a project added or removed, tags, followers, likes, the start date and dependencies do not; a
// message's title and text do, its comments, attachments, likes and followers do not; nothing a change
// does to another object (a parent's num_subtasks, subtasks' parent.name, dependents) moves that
// object's modified_at.
//
// Time: every change is stamped by the injected clock, and never earlier than (a) the changed
// object's previous modified_at + 1 ms (modified_at never moves backward) nor (b) 1 ms after the
// latest `snapshot()` (an export's created_at): a change after an export started is always strictly
// later than that export's created_at, so `created_at` splits changes exactly (see `snapshot`).
import type { Mutation, MutationKind, MutationRound } from "./mutation-kinds.js";

export type { Mutation, MutationKind, MutationRound } from "./mutation-kinds.js";

export type ResourceType = "task" | "team" | "message";
export const RESOURCE_TYPES: readonly ResourceType[] = ["task", "team", "message"];

/** A JSON object as Asana exports it: every field, default and opt-in, before projection. */
export type AsanaObject = { gid: string; resource_type: ResourceType } & Record<string, unknown>;

/** The emulator's clock: tests inject one they can move; mutations stamp `modified_at` from it. */
export interface EmulatorClock {
  now(): number;
}

/** An object named by type and gid. */
export interface ObjectRef {
  resource_type: ResourceType;
  gid: string;
}

/** Why an object was deleted: itself, with its parent task, or with the only team it was posted to. */
export type DeletionCause = "deleted" | "parent_deleted" | "team_deleted";

/** A deleted object: when (the clock's ISO time) and why. */
export interface DeletedObject extends ObjectRef {
  deleted_at: string;
  cause: DeletionCause;
  /** For a cascade: the gid of the deleted parent task or team. */
  via?: string;
}

/** How one live object's export changed. */
export interface ObjectChange extends ObjectRef {
  /** Top-level exported fields whose value changed (modified_at itself not listed), sorted. */
  fields: string[];
  /** Whether its modified_at moved (only ever on the mutation's target, and only for kinds that move it). */
  modified_at_moved: boolean;
  /** Its modified_at after the change. */
  modified_at: string | null;
}

/** What one mutation did, measured by comparing every object it could touch before and after. */
export interface MutationResult {
  kind: MutationKind;
  /** The object it targeted; for a creation, the created object. */
  target: ObjectRef;
  /** Whether the text says this kind moves the target's modified_at (and so it did). */
  moves_modified_at: boolean;
  /** When it happened (ISO, the clock's time after the floors above). */
  at: string;
  created: ObjectRef[];
  /** The deleted objects, cascades included (subtasks, a team's own messages). */
  deleted: DeletedObject[];
  /** Every live object whose export changed (target first), created and deleted ones excluded. */
  changed: ObjectChange[];
}

/**
 * What a mutation round did, net: each object is compared between the round's start and its end (a
 * change undone later in the round is not reported). Gid lists are disjoint and hold each gid once.
 */
export interface MutationSummary {
  /** Tasks and messages created this round and still live. */
  created: string[];
  /** Live objects, not created this round, whose modified_at moved. */
  modified: string[];
  /** Live objects, not created this round, whose export changed while modified_at stood still. */
  silent: string[];
  /** Every object deleted this round (tasks, messages, teams; cascades included). */
  deleted: string[];
  /** How many mutations of each kind ran (a kind with no eligible object left is skipped). */
  kinds: Partial<Record<MutationKind, number>>;
}

/** A read-only view of a workspace: the ground truth now, or frozen at a snapshot. */
export interface WorkspaceView {
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
}

/** A workspace frozen at one moment. */
export interface WorkspaceSnapshot extends WorkspaceView {
  /** The clock's time when it was taken (an export job's created_at). */
  readonly takenAt: number;
}

/** A seeded, deterministic Asana workspace: the ground truth the export serves, and its mutations. */
export interface Workspace extends WorkspaceView {
  /**
   * Freeze the current state (cheap: a copy of the mutation overlay). An export job takes one when it
   * is created and exports from it, so its file shows every change up to its created_at and none
   * after: Asana promises that "an object in the export will be up to date anywhere between the
   * exports `created_at` and `completed_at`", and created_at is the earliest such moment.
   */
  snapshot(): WorkspaceSnapshot;
  /** Deleted objects of a type, oldest deletion first (ties by gid). */
  deleted(type: ResourceType): DeletedObject[];
  /**
   * Apply one mutation, e.g. `apply({ kind: "move-section", task: gid })`; choices a kind takes and
   * is not given are drawn from the seed and the target's mutation count. Throws a MutationError
   * (`reason` "invalid", "unknown-object" or "not-applicable") and changes nothing when it cannot.
   */
  apply(mutation: Mutation): MutationResult;
  /**
   * A deterministic random round (same seed and same sequence of calls, same result): counts per
   * pool (`creates`, `modifies`, `silent`, `moves`, `deletes`) and per kind, e.g.
   * `mutate({ creates: 5, modifies: 20, silent: 10, deletes: 2, "delete-team": 1 })`. No object is
   * the target of two mutations in one round.
   */
  mutate(round: MutationRound): MutationSummary;
  /** Create a task or message now: `apply({ kind: "create-task" | "create-message" })`'s object. */
  create(type: "task" | "message"): AsanaObject;
  /** A seeded change that moves modified_at (one of the `modifies` pool) of a live task or message. */
  modify(type: "task" | "message", gid: string): AsanaObject;
  /** Delete a live task (with its subtasks) or message: `apply({ kind: "delete-task" | "delete-message", ... })`. */
  remove(type: "task" | "message", gid: string): void;
}
