// What hangs off a task or message: likes, compact stories and attachments (export form, without
// download_url / view_url). Their gids are children of the owner's slot.
import { CHILD_SLOTS, type GidSpace, type Kind } from "./gids.js";
import type { Rng } from "./prng.js";
import type { Compact } from "./reference.js";
import type { ExtraStory } from "./state.js";
import { isoTime } from "./time.js";

/** Stories of the generated history use child slots below this; modifications use the rest. */
export const BASE_STORY_SLOTS = 16;

/** A story before it is shaped: when, by whom (user index), what. */
export interface StorySpec {
  at: number;
  user: number;
  subtype: string;
  text: string;
}

/** Likes `{gid, user}` for users given by index. */
export function likes(gids: GidSpace, kind: Kind, owner: number, userIdx: readonly number[], users: readonly Compact[]): object[] {
  const out: object[] = [];
  for (let k = 0; k < userIdx.length && k < CHILD_SLOTS; k++) {
    out.push({ gid: gids.child(kind, owner, k), user: users[userIdx[k] ?? 0] });
  }
  return out;
}

/** Compact stories, generated history first (sorted by time), then those modifications added. */
export function stories(
  gids: GidSpace,
  kind: Kind,
  owner: number,
  specs: StorySpec[],
  extra: readonly ExtraStory[],
  users: readonly Compact[],
): object[] {
  specs.sort((a, b) => a.at - b.at);
  const out: object[] = [];
  const shape = (k: number, s: StorySpec | ExtraStory): void => {
    out.push({
      gid: gids.child(kind, owner, k),
      resource_type: "story",
      created_at: isoTime(s.at),
      created_by: users[s.user] ?? null,
      resource_subtype: s.subtype,
      text: s.text,
    });
  };
  for (let k = 0; k < specs.length && k < BASE_STORY_SLOTS; k++) shape(k, specs[k] as StorySpec);
  for (let k = 0; k < extra.length && BASE_STORY_SLOTS + k < CHILD_SLOTS; k++) shape(BASE_STORY_SLOTS + k, extra[k] as ExtraStory);
  return out;
}

const FILES = [
  "Screenshot.png", "spec-v2.pdf", "budget Q3.xlsx", "会議メモ.docx", "تقرير.pdf", "photo 📷.jpg",
  "notes \"final\".txt", "design_mockup.fig", "contract (signed).pdf", "data.csv",
] as const;
const HOSTS = ["asana", "asana", "asana", "gdrive", "dropbox", "box", "onedrive", "external"] as const;

/** Export-form attachments of an owner, created between `from` and `to`. */
export function attachments(
  rng: Rng,
  gids: GidSpace,
  kind: Kind,
  owner: number,
  parent: object,
  from: number,
  to: number,
): object[] {
  if (!rng.chance(0.25)) return [];
  const n = rng.range(1, 3);
  const out: object[] = [];
  for (let k = 0; k < n; k++) {
    const gid = gids.child(kind, owner, k);
    const host = rng.pick(HOSTS);
    const a: Record<string, unknown> = {
      gid,
      resource_type: "attachment",
      name: rng.pick(FILES),
      resource_subtype: host,
      created_at: isoTime(from + Math.floor(rng.float() * (to - from))),
      host,
      permanent_url: `https://app.asana.com/app/asana/-/get_asset?asset_id=${gid}`,
      parent,
    };
    if (host === "asana") a.size = rng.range(200, 25_000_000);
    if (host === "gdrive" || host === "external") a.connected_to_app = rng.chance(0.3);
    out.push(a);
  }
  return out;
}
