// One message (a conversation post or a status update), generated from (seed, slot) and the overlay.
import { attachments, baseLikes, extraAttachment, likeObjects, stories, type StorySpec } from "./activity.js";
import { baseCreatedAt, baseModifiedAt, type GenContext } from "./context.js";
import { KIND } from "./gids.js";
import { PURPOSE, type Rng, rngFor } from "./prng.js";
import type { Compact } from "./reference.js";
import { teamCompact } from "./team.js";
import { appendText, comment, htmlWrap, notes, taskName } from "./text.js";
import { isoTime } from "./time.js";
import type { AsanaObject } from "../workspace.js";

const PROJECT_STATUS = ["on_track", "at_risk", "off_track", "on_hold", "complete", "dropped"] as const;
const GOAL_STATUS = ["on_track", "at_risk", "off_track", "achieved", "partial", "missed", "dropped"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

/** The subtype and generated title of a message, which its attachments repeat. */
function messageHead(ctx: GenContext, index: number): { subtype: "default" | "status_update"; title: string } {
  const rng = rngFor(ctx.seed, PURPOSE.messageHead, index);
  const subtype = rng.chance(0.4) ? "status_update" : "default";
  const title = subtype === "status_update" ? "Status update" : taskName(rng, index);
  return { subtype, title };
}

/** The generated parents of a message (deleted teams included). */
function parentsOf(ctx: GenContext, rng: Rng, statusUpdate: boolean): { parents: Compact[]; goal: boolean } {
  const { ref } = ctx;
  if (statusUpdate) {
    const r = rng.float();
    const pool = r < 0.6 && ref.projectRefs.length > 0 ? ref.projectRefs : r < 0.8 ? ref.portfolios : ref.goals;
    return { parents: [rng.pick(pool)], goal: pool === ref.goals };
  }
  const parents: Compact[] = [];
  if (ref.projectRefs.length > 0 && (ctx.teams === 0 || rng.chance(0.6))) parents.push(rng.pick(ref.projectRefs));
  if (ctx.teams > 0 && (parents.length === 0 || rng.chance(0.3))) parents.push(teamCompact(ctx, rng.int(ctx.teams)));
  if (parents.length === 0) parents.push(rng.pick(ref.portfolios));
  return { parents, goal: false };
}

function isDeletedTeam(ctx: GenContext, gid: string): boolean {
  const index = ctx.ref.gids.indexOf(KIND.team, gid);
  return index !== undefined && ctx.deletedTeams.has(index);
}

/** The message in a slot, or undefined when the slot is deleted or does not exist. */
export function generateMessage(ctx: GenContext, index: number): AsanaObject | undefined {
  const table = ctx.messages;
  if (!table.isLive(index)) return undefined;
  const { gids, users } = ctx.ref;
  const st = table.state(index);
  const patch = st?.patch;
  const rng = rngFor(ctx.seed, PURPOSE.message, index);
  const head = messageHead(ctx, index);
  const gid = gids.gid(KIND.message, index);
  const u = rng.float();
  const created = st?.createdAt ?? baseCreatedAt(ctx.start, u, index, table.baseCount);
  const historyEnd = st?.createdAt ?? baseModifiedAt(rng, created, ctx.start);
  const when = (): number => created + Math.floor(rng.float() * (historyEnd - created));
  const statusUpdate = head.subtype === "status_update";
  const generated = parentsOf(ctx, rng, statusUpdate);
  const goal = generated.goal;
  // A deleted team drops out of the parents (its messages posted nowhere else went with it).
  const parents = patch?.parents ?? generated.parents.filter((p) => p.resource_type !== "team" || !isDeletedTeam(ctx, p.gid));
  const statusType = statusUpdate ? rng.pick(goal ? GOAL_STATUS : PROJECT_STATUS) : null;
  const date = new Date(created);
  const generatedTitle = statusUpdate ? `${head.title} - ${MONTHS[date.getUTCMonth()] ?? "Jan"} ${date.getUTCDate()}` : head.title;
  const title = patch?.name ?? generatedTitle;
  const text = appendText(notes(rng, index), patch?.notesSuffix);
  const author = rng.int(users.length);
  const likeUsers = rng.chance(0.35) ? rng.distinct(rng.range(1, 6), users.length) : [];
  const followerIdx = [author];
  for (let k = rng.range(0, 4); k > 0; k--) {
    const f = rng.int(users.length);
    if (!followerIdx.includes(f)) followerIdx.push(f);
  }
  const specs: StorySpec[] = [];
  for (let c = rng.chance(0.6) ? rng.range(1, 4) : 0; c > 0; c--) {
    specs.push({ at: when(), user: rng.int(users.length), subtype: "comment_added", text: comment(rng, index + c) });
  }
  const self = { gid, resource_type: "message", name: title, resource_subtype: head.subtype };
  const removed = new Set(patch?.removedChildren ?? []);
  const files = [...attachments(rng, gids, KIND.messageAttachment, index, self, created, historyEnd + 1), ...(patch?.attachments ?? []).map((a) => extraAttachment(a, self))].filter(
    (a) => !removed.has((a as { gid: string }).gid),
  );
  const likeList = patch?.likes ?? baseLikes(gids, KIND.messageLike, index, likeUsers);
  return {
    gid,
    resource_type: "message",
    resource_subtype: head.subtype,
    status_type: statusType,
    created_by: users[author],
    created_at: isoTime(created),
    modified_at: isoTime(st?.modifiedAt ?? historyEnd),
    title,
    text: text.plain,
    num_likes: likeList.length,
    likes: likeObjects(likeList, users),
    followers: (patch?.followers ?? followerIdx).map((f) => users[f]),
    parents,
    stories: stories(gids, KIND.messageStory, index, specs, st?.stories ?? [], users, removed),
    attachments: files,
    html_notes: htmlWrap(text.escaped),
  };
}
