// What hangs off a task or message: likes, compact stories and attachments (export form, without
// download_url / view_url). Generated ones have gids that are children of the owner's slot; those
// mutations add are numbered in KIND.added.
import { CHILD_SLOTS, type GidSpace, type Kind } from "./gids.js";
import type { Rng } from "./prng.js";
import type { Compact } from "./reference.js";
import type { ExtraAttachment, ExtraStory, LikeEntry, Patch } from "./state.js";
import { isoTime } from "./time.js";

/** Stories of the generated history use child slots below this (mutations number theirs in KIND.added). */
export const BASE_STORY_SLOTS = 16;

/** A story before it is shaped: when, by whom (user index), what. */
export interface StorySpec {
  at: number;
  user: number;
  subtype: string;
  text: string;
}

/** The generated likes of an owner, for users given by index. */
export function baseLikes(gids: GidSpace, kind: Kind, owner: number, userIdx: readonly number[]): LikeEntry[] {
  const out: LikeEntry[] = [];
  for (let k = 0; k < userIdx.length && k < CHILD_SLOTS; k++) out.push({ gid: gids.child(kind, owner, k), user: userIdx[k] ?? 0 });
  return out;
}

/** Likes as exported: `{gid, user}`. */
export function likeObjects(entries: readonly LikeEntry[], users: readonly Compact[]): object[] {
  return entries.map((l) => ({ gid: l.gid, user: users[l.user] }));
}

function storyObject(gid: string, s: StorySpec | ExtraStory, users: readonly Compact[]): object {
  return { gid, resource_type: "story", created_at: isoTime(s.at), created_by: users[s.user] ?? null, resource_subtype: s.subtype, text: s.text };
}

/** Compact stories, generated history first (sorted by time), then those mutations added, less trashed ones. */
export function stories(
  gids: GidSpace,
  kind: Kind,
  owner: number,
  specs: StorySpec[],
  extra: readonly ExtraStory[],
  users: readonly Compact[],
  removed: ReadonlySet<string>,
): object[] {
  specs.sort((a, b) => a.at - b.at);
  const out: object[] = [];
  const trashed = removed.size > 0;
  for (let k = 0; k < specs.length && k < BASE_STORY_SLOTS; k++) {
    const gid = gids.child(kind, owner, k);
    if (!trashed || !removed.has(gid)) out.push(storyObject(gid, specs[k] as StorySpec, users));
  }
  for (const s of extra) if (!trashed || !removed.has(s.gid)) out.push(storyObject(s.gid, s, users));
  return out;
}

/** File names and hosts attachments draw from. */
export const ATTACHMENT_FILES = [
  "Screenshot.png", "spec-v2.pdf", "budget Q3.xlsx", "会議メモ.docx", "تقرير.pdf", "photo 📷.jpg",
  "notes \"final\".txt", "design_mockup.fig", "contract (signed).pdf", "data.csv",
] as const;
export const ATTACHMENT_HOSTS = ["asana", "asana", "asana", "gdrive", "dropbox", "box", "onedrive", "external"] as const;

/** An attachment a mutation added, in export form. */
export function extraAttachment(a: ExtraAttachment, parent: object): Record<string, unknown> {
  const out: Record<string, unknown> = {
    gid: a.gid,
    resource_type: "attachment",
    name: a.name,
    resource_subtype: a.host,
    created_at: isoTime(a.at),
    host: a.host,
    permanent_url: `https://app.asana.com/app/asana/-/get_asset?asset_id=${a.gid}`,
    parent,
  };
  if (a.host === "asana") out.size = a.size;
  return out;
}

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
    const host = rng.pick(ATTACHMENT_HOSTS);
    const a: Record<string, unknown> = {
      gid,
      resource_type: "attachment",
      name: rng.pick(ATTACHMENT_FILES),
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

/** No trashed stories or attachments. */
export const NO_GIDS: ReadonlySet<string> = new Set();

/** Generated attachments with those mutations added, less trashed ones. */
export function withChanges(files: object[], patch: Patch | undefined, parent: object, removed: ReadonlySet<string>): object[] {
  if (patch?.attachments === undefined && removed.size === 0) return files;
  return [...files, ...(patch?.attachments ?? []).map((a) => extraAttachment(a, parent))].filter((a) => !removed.has((a as { gid: string }).gid));
}
