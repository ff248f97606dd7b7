// Teams: a handful, generated on demand; a deleted one is gone (its index stays taken).
import { customFieldCompact } from "./custom-fields.js";
import type { GenContext } from "./context.js";
import { KIND } from "./gids.js";
import { PURPOSE, rngFor } from "./prng.js";
import type { Compact } from "./reference.js";
import { htmlBody, NOTE_SPECIALS, sentence } from "./text.js";
import type { AsanaObject } from "../workspace.js";

const TEAM_NAMES = [
  "Engineering", "Marketing", "Design", "Sales", "Customer Success", "Finance", "People Ops",
  "Legal", "Data", "Platform", "Mobile", "Growth", "Support 🛟", "Équipe Paris", "東京チーム",
  "فريق دبي", "צוות תל אביב", "Security", "IT", "Research",
] as const;
const VISIBILITY = ["secret", "request_to_join", "public"] as const;
const LEVELS = ["all_team_members", "only_team_admins"] as const;
const CONTENT_LEVELS = ["no_restriction", "only_team_admins"] as const;

/** The name of team `index`. */
export function teamName(seed: number, index: number): string {
  const rng = rngFor(seed, PURPOSE.teamName, index);
  const base = TEAM_NAMES[(index + rng.int(3)) % TEAM_NAMES.length] ?? "Team";
  return index < TEAM_NAMES.length - 2 ? base : `${base} ${index + 1}`;
}

/** A team's compact reference. */
export function teamCompact(ctx: GenContext, index: number): Compact {
  return { gid: ctx.ref.gids.gid(KIND.team, index), resource_type: "team", name: teamName(ctx.seed, index) };
}

/** The team in a slot, or undefined outside [0, teams) or when deleted. */
export function generateTeam(ctx: GenContext, index: number): AsanaObject | undefined {
  if (!Number.isInteger(index) || index < 0 || index >= ctx.teams || ctx.deletedTeams.has(index)) return undefined;
  const { ref } = ctx;
  const rng = rngFor(ctx.seed, PURPOSE.team, index);
  const self = teamCompact(ctx, index);
  const members = rng.distinct(rng.range(Math.min(3, ref.users.length), Math.min(40, ref.users.length)), ref.users.length).map((u) => ref.users[u]);
  const settings = rng.distinct(rng.range(0, 3), ctx.fields.length).map((f, k) => {
    const def = ctx.fields[f];
    return {
      gid: ref.gids.gid(KIND.customFieldSetting, index * 8 + k),
      resource_type: "custom_field_setting",
      custom_field: def === undefined ? null : customFieldCompact(def),
      is_important: rng.chance(0.5),
      parent: self,
    };
  });
  const description = rng.chance(0.2) ? "" : `${sentence(rng)}\n${sentence(rng)} ${NOTE_SPECIALS[index % NOTE_SPECIALS.length]}`;
  const visibility = rng.pick(VISIBILITY);
  return {
    gid: self.gid,
    resource_type: "team",
    name: self.name,
    organization: ref.workspace,
    permalink_url: `https://app.asana.com/1/${ref.workspace.gid}/team/${self.gid}`,
    visibility,
    edit_team_name_or_description_access_level: rng.pick(LEVELS),
    edit_team_visibility_or_trash_team_access_level: rng.pick(LEVELS),
    member_invite_management_access_level: rng.pick(LEVELS),
    guest_invite_management_access_level: rng.pick(LEVELS),
    join_request_management_access_level: rng.pick(LEVELS),
    team_member_removal_access_level: rng.pick(LEVELS),
    team_content_management_access_level: rng.pick(CONTENT_LEVELS),
    endorsed: rng.chance(0.2),
    custom_field_settings: settings,
    members,
    description,
    html_description: htmlBody(description),
  };
}
