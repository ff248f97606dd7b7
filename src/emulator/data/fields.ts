// Top-level field names each exported resource type carries by default, and those only exported
// when named in `fields` (per ASANA_EXPORT_API.md "Fields").
import type { ResourceType } from "../workspace.js";

/** Default and opt-in top-level fields of one resource type. */
export interface FieldSet {
  defaults: readonly string[];
  optIn: readonly string[];
}

const TASK_DEFAULTS = [
  "gid",
  "resource_type",
  "name",
  "resource_subtype",
  "approval_status",
  "assignee_status",
  "completed",
  "completed_at",
  "completed_by",
  "created_at",
  "due_at",
  "due_on",
  "start_at",
  "start_on",
  "liked",
  "likes",
  "memberships",
  "modified_at",
  "notes",
  "num_likes",
  "actual_time_minutes",
  "assignee",
  "assignee_section",
  "custom_fields",
  "custom_type",
  "custom_type_status_option",
  "followers",
  "parent",
  "projects",
  "tags",
  "workspace",
  "permalink_url",
  "attachments",
  "stories",
] as const;

const TASK_OPT_IN = [
  "created_by",
  "dependencies",
  "dependents",
  "external",
  "html_notes",
  "is_rendered_as_separator",
  "num_subtasks",
  "assigned_by",
] as const;

const TEAM_DEFAULTS = [
  "gid",
  "resource_type",
  "name",
  "organization",
  "permalink_url",
  "visibility",
  "edit_team_name_or_description_access_level",
  "edit_team_visibility_or_trash_team_access_level",
  "member_invite_management_access_level",
  "guest_invite_management_access_level",
  "join_request_management_access_level",
  "team_member_removal_access_level",
  "team_content_management_access_level",
  "endorsed",
  "custom_field_settings",
  "members",
] as const;

const TEAM_OPT_IN = ["description", "html_description"] as const;

const MESSAGE_DEFAULTS = [
  "gid",
  "resource_type",
  "resource_subtype",
  "status_type",
  "created_by",
  "created_at",
  "modified_at",
  "title",
  "text",
  "num_likes",
  "likes",
  "followers",
  "parents",
  "stories",
  "attachments",
] as const;

const MESSAGE_OPT_IN = ["html_notes"] as const;

/** Per type: the top-level fields exported without `fields`, and the opt-in ones. */
export const FIELDS: Record<ResourceType, FieldSet> = {
  task: { defaults: TASK_DEFAULTS, optIn: TASK_OPT_IN },
  team: { defaults: TEAM_DEFAULTS, optIn: TEAM_OPT_IN },
  message: { defaults: MESSAGE_DEFAULTS, optIn: MESSAGE_OPT_IN },
};
