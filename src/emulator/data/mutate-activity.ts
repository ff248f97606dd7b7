// Changes to what hangs off a task or a message: comments, attachments, likes, followers, and a
// message's own title and text. Whether each moves modified_at is the kind table's business
// (mutation-kinds.ts): a task's stories and attachments do ("story is created on a task", "story is
// trashed", "attachment is trashed", "attachments" updated), a message's do not (its modified_at "does
// not currently reflect any changes in associations such as comments"); likes and followers never do.
import { ATTACHMENT_FILES, ATTACHMENT_HOSTS } from "./activity.js";
import { KIND } from "./gids.js";
import { addedGid, choose, indexOfGid, type PlanInput, type Planner } from "./plan.js";
import type { LikeEntry } from "./state.js";
import { comment as commentText, sentence } from "./text.js";

const userOf = (input: PlanInput, gid: string | undefined): number => (gid === undefined ? 0 : (input.ctx.ref.gids.indexOf(KIND.user, gid) ?? 0));

/** The user the caller named (which must exist), or undefined. */
function namedUser(input: PlanInput): number | undefined {
  return input.option == null ? undefined : indexOfGid(input.ctx, KIND.user, input.option, input.ctx.ref.users.length, "user");
}

const comment: Planner = (input) => {
  const user = input.rng.int(input.ctx.ref.users.length);
  const text = commentText(input.rng, input.index + input.version);
  return {
    related: [],
    write(at, modifiedAt) {
      // A task's comment is stamped with its new modified_at; a message's with the time of the change.
      input.state().stories.push({ gid: addedGid(input.ctx), at: input.type === "task" ? modifiedAt : at, user, subtype: "comment_added", text });
    },
  };
};

const attach: Planner = (input) => {
  const name = input.rng.pick(ATTACHMENT_FILES);
  const host = input.rng.pick(ATTACHMENT_HOSTS);
  const size = input.rng.range(200, 25_000_000);
  return {
    related: [],
    write(at, modifiedAt) {
      const patch = input.state().patch;
      patch.attachments = [...(patch.attachments ?? []), { gid: addedGid(input.ctx), at: input.type === "task" ? modifiedAt : at, name, host, size }];
    },
  };
};

/** Trash one child (story or attachment) by gid. */
function trash(input: PlanInput, candidates: string[], what: string): ReturnType<Planner> {
  const named = input.option == null ? undefined : (g: string) => g === input.option;
  const gid = choose(input, candidates, named, `has no ${what} to trash`, `has no ${what} ${String(input.option)}`);
  return {
    related: [],
    write() {
      const patch = input.state().patch;
      patch.removedChildren = [...(patch.removedChildren ?? []), gid];
    },
  };
}

// Only comments can be trashed: Asana's stories endpoint deletes a story only for its author, and
// system stories ("assigned to", "marked complete") have none to delete them.
const deleteStory: Planner = (input) =>
  trash(input, (input.current.stories as Array<{ gid: string; resource_subtype: string }>).filter((s) => s.resource_subtype === "comment_added").map((s) => s.gid), "comment");

const deleteAttachment: Planner = (input) => trash(input, (input.current.attachments as Array<{ gid: string }>).map((a) => a.gid), "attachment");

const likesOf = (input: PlanInput): LikeEntry[] =>
  (input.current.likes as Array<{ gid: string; user: { gid: string } }>).map((l) => ({ gid: l.gid, user: userOf(input, l.user.gid) }));

const like: Planner = (input) => {
  const likes = likesOf(input);
  const free = [...input.ctx.ref.users.keys()].filter((u) => !likes.some((l) => l.user === u));
  const wanted = namedUser(input);
  const user = choose(input, free, wanted === undefined ? undefined : (u) => u === wanted, "is liked by every user already", `is liked by ${String(input.option)} already`);
  return {
    related: [],
    write() {
      input.state().patch.likes = [...likes, { gid: addedGid(input.ctx), user }];
    },
  };
};

const unlike: Planner = (input) => {
  const likes = likesOf(input);
  const wanted = namedUser(input);
  const gone = choose(input, likes, wanted === undefined ? undefined : (l) => l.user === wanted, "has no likes", `is not liked by ${String(input.option)}`);
  return {
    related: [],
    write() {
      input.state().patch.likes = likes.filter((l) => l !== gone);
    },
  };
};

const followersOf = (input: PlanInput): number[] => (input.current.followers as Array<{ gid: string }>).map((f) => userOf(input, f.gid));

const addFollower: Planner = (input) => {
  const followers = followersOf(input);
  const free = [...input.ctx.ref.users.keys()].filter((u) => !followers.includes(u));
  const wanted = namedUser(input);
  const user = choose(input, free, wanted === undefined ? undefined : (u) => u === wanted, "is followed by every user already", `is followed by ${String(input.option)} already`);
  return {
    related: [],
    write() {
      input.state().patch.followers = [...followers, user];
    },
  };
};

const removeFollower: Planner = (input) => {
  const followers = followersOf(input);
  const wanted = namedUser(input);
  const user = choose(input, followers, wanted === undefined ? undefined : (u) => u === wanted, "has no followers", `is not followed by ${String(input.option)}`);
  return {
    related: [],
    write() {
      input.state().patch.followers = followers.filter((u) => u !== user);
    },
  };
};

const editMessage: Planner = (input) => {
  const retitle = input.rng.chance(0.5);
  const line = `\nEdit ${input.version}: ${sentence(input.rng)}`;
  const title = `${String(input.current.title).replace(/ \(edited \d+\)$/, "")} (edited ${input.version})`;
  return {
    related: [],
    write() {
      const patch = input.state().patch;
      if (retitle) patch.name = title;
      else patch.notesSuffix = `${patch.notesSuffix ?? ""}${line}`;
    },
  };
};

/** Planners of the kinds tasks and messages share, and of edit-message. */
export const ACTIVITY_PLANNERS = {
  comment,
  attach,
  "delete-story": deleteStory,
  "delete-attachment": deleteAttachment,
  like,
  unlike,
  "add-follower": addFollower,
  "remove-follower": removeFollower,
  "edit-message": editMessage,
} satisfies Record<string, Planner>;
