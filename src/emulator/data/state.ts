// The mutation overlay: which slots exist, which are deleted, and what changed on the few objects
// that were created or modified. Everything else is generated from the seed on demand.

/** Field changes a modification made (user fields are user indexes). */
export interface Patch {
  name?: string;
  notesSuffix?: string;
  completed?: boolean;
  completedAt?: number | null;
  completedBy?: number | null;
  assignee?: number | null;
  dueOn?: string | null;
  likes?: readonly number[];
}

/** A story a modification added. */
export interface ExtraStory {
  readonly at: number;
  readonly user: number;
  readonly subtype: string;
  readonly text: string;
}

/** What the overlay knows about one slot. */
export interface SlotState {
  deleted: boolean;
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
  private readonly states = new Map<number, SlotState>();
  private slotCount: number;
  private deletedCount = 0;

  constructor(readonly baseCount: number) {
    this.slotCount = baseCount;
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
    return index >= 0 && index < this.slotCount && this.states.get(index)?.deleted !== true;
  }

  /** Append a slot created at `at`; returns its index. */
  append(at: number, parent: number | null): number {
    const index = this.slotCount++;
    this.states.set(index, { deleted: false, version: 0, createdAt: at, modifiedAt: at, parent, patch: {}, stories: [] });
    return index;
  }

  /** The overlay entry of a slot, created empty if needed. */
  touch(index: number): SlotState {
    let s = this.states.get(index);
    if (s === undefined) {
      s = { deleted: false, version: 0, patch: {}, stories: [] };
      this.states.set(index, s);
    }
    return s;
  }

  /** Mark a live slot deleted. */
  markDeleted(index: number): void {
    const s = this.touch(index);
    if (!s.deleted) {
      s.deleted = true;
      this.deletedCount++;
    }
  }
}
