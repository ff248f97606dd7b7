// The gid scheme: every gid is a 16-digit string, base + kind * 10^10 + index, so a gid names its
// kind and slot and `get` needs no index. Kinds keep gids unique across every resource type.

/** What a gid identifies; each kind has its own 10^10 block of numbers. */
export const KIND = {
  workspace: 0,
  user: 1,
  team: 2,
  project: 3,
  section: 4,
  tag: 5,
  customField: 6,
  enumOption: 7,
  customType: 8,
  customTypeStatus: 9,
  portfolio: 10,
  goal: 11,
  userTaskSection: 12,
  customFieldSetting: 13,
  task: 20,
  message: 21,
  taskStory: 22,
  taskAttachment: 23,
  taskLike: 24,
  messageStory: 25,
  messageAttachment: 26,
  messageLike: 27,
  /** Stories, attachments and likes that mutations add, numbered in the order they are added. */
  added: 28,
} as const;

export type Kind = (typeof KIND)[keyof typeof KIND];

const BLOCK = 10_000_000_000;

/** How many child gids (stories, likes, attachments) each task or message may own. */
export const CHILD_SLOTS = 64;

/** Gids of one workspace: a seed-dependent 16-digit base. */
export class GidSpace {
  private readonly base: number;
  /** Per kind, the first six digits (base and kind) as a string. */
  private readonly prefixes: string[] = [];

  constructor(seedHash: number) {
    this.base = (1100 + (seedHash % 800)) * 1_000_000_000_000;
    for (let kind = 0; kind < 100; kind++) this.prefixes.push(String((this.base + kind * BLOCK) / BLOCK));
  }

  /** The gid of object `index` of a kind. */
  gid(kind: Kind, index: number): string {
    return (this.prefixes[kind] ?? "") + String(index).padStart(10, "0");
  }

  /** The gid of child `k` (story, like, attachment) of object `parentIndex`. */
  child(kind: Kind, parentIndex: number, k: number): string {
    return this.gid(kind, parentIndex * CHILD_SLOTS + k);
  }

  /** The slot index a gid names if it is of this kind, else undefined. */
  indexOf(kind: Kind, gid: string): number | undefined {
    if (gid.length !== 16 || !/^\d{16}$/.test(gid)) return undefined;
    const rest = Number(gid) - this.base - kind * BLOCK;
    return rest >= 0 && rest < BLOCK ? rest : undefined;
  }
}
