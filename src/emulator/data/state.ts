// The mutation overlay: which slots exist, which are deleted (when, and why), and what changed on the
// few objects that were created or mutated. Everything else is generated from the seed on demand.
// A generator draws its random numbers in the same order whatever the overlay holds, and applies the
// overlay afterwards, so a change to one field never shifts another.
import type { DeletionCause } from "../workspace.js";

/** A like `{gid, user}`; user is a user index. */
export interface LikeEntry {
  readonly gid: string;
  readonly user: number;
}

/** A task's place in a project: project index, and section index within that project. */
export interface Membership {
  readonly project: number;
  readonly section: number;
}

/** A story a mutation added. */
export interface ExtraStory {
  readonly gid: string;
  readonly at: number;
  readonly user: number;
  readonly subtype: string;
  readonly text: string;
}

/** An attachment a mutation added. */
export interface ExtraAttachment {
  readonly gid: string;
  readonly at: number;
  readonly name: string;
  readonly host: string;
  readonly size: number;
}

/** Field changes mutations made (users, tags, projects are indexes into the reference data). */
export interface Patch {
  name?: string;
  notesSuffix?: string;
  completed?: boolean;
  completedAt?: number | null;
  completedBy?: number | null;
  assignee?: number | null;
  dueOn?: string | null;
  startOn?: string | null;
  likes?: readonly LikeEntry[];
  followers?: readonly number[];
  tags?: readonly number[];
  memberships?: readonly Membership[];
  /** Custom field values set by a mutation, by custom field index. */
  customFields?: Readonly<Record<number, Readonly<Record<string, unknown>>>>;
  /** Dependencies added to this task, and generated ones removed from it (slots). */
  addedDependencies?: readonly number[];
  removedDependencies?: readonly number[];
  /** Tasks created as subtasks of this one outside its family's slots (see task-graph.ts). */
  addedSubtasks?: readonly number[];
  /** Tasks that were made to depend on this one (the mirror of their addedDependencies). */
  addedDependents?: readonly number[];
  /** Gids of trashed stories and attachments. */
  removedChildren?: readonly string[];
  attachments?: readonly ExtraAttachment[];
  /** A message's parents when its generated ones are all deleted teams (a message created after). */
  parents?: readonly { readonly gid: string; readonly resource_type: string; readonly name: string }[];
}

/** When and why a slot was deleted. */
export interface Deletion {
  readonly at: number;
  readonly cause: DeletionCause;
  readonly via?: string;
}

/** What the overlay knows about one slot. */
export interface SlotState {
  deleted?: Deletion;
  /** How many mutations targeted it (keys the randomness of the next one). */
  version: number;
  /** Set on slots created by a mutation. */
  createdAt?: number;
  modifiedAt?: number;
  /** For created tasks: the parent slot chosen at creation, or null. */
  parent?: number | null;
  patch: Patch;
  stories: ExtraStory[];
}

/** The slots of one resource type: a generated prefix, appended slots, and the overlay. */
export class SlotTable {
  private readonly states: Map<number, SlotState>;
  private slotCount: number;
  private deletedCount: number;

  constructor(
    readonly baseCount: number,
    copyOf?: SlotTable,
  ) {
    this.slotCount = copyOf?.slotCount ?? baseCount;
    this.deletedCount = copyOf?.deletedCount ?? 0;
    this.states = copyOf === undefined ? new Map() : structuredClone(copyOf.states);
  }

  /** A deep copy that later changes to this table do not reach. */
  clone(): SlotTable {
    return new SlotTable(this.baseCount, this);
  }

  /** Number of slots, deleted ones included. */
  get slots(): number {
    return this.slotCount;
  }

  /** Number of live slots. */
  get live(): number {
    return this.slotCount - this.deletedCount;
  }

  /** The overlay entry of a slot, if it was ever touched. */
  state(index: number): SlotState | undefined {
    return this.states.get(index);
  }

  /** True when the slot exists and is not deleted. */
  isLive(index: number): boolean {
    return index >= 0 && index < this.slotCount && this.states.get(index)?.deleted === undefined;
  }

  /** Append a slot created at `at`; returns its index. */
  append(at: number, parent: number | null): number {
    const index = this.slotCount++;
    this.states.set(index, { version: 0, createdAt: at, modifiedAt: at, parent, patch: {}, stories: [] });
    return index;
  }

  /** The overlay entry of a slot, created empty if needed. */
  touch(index: number): SlotState {
    let s = this.states.get(index);
    if (s === undefined) {
      s = { version: 0, patch: {}, stories: [] };
      this.states.set(index, s);
    }
    return s;
  }

  /** Mark a live slot deleted. */
  markDeleted(index: number, deletion: Deletion): void {
    const s = this.touch(index);
    if (s.deleted === undefined) {
      s.deleted = deletion;
      this.deletedCount++;
    }
  }

  /** Every deleted slot with its deletion. */
  *deletions(): Iterable<[number, Deletion]> {
    for (const [index, s] of this.states) if (s.deleted !== undefined) yield [index, s.deleted];
  }
}
