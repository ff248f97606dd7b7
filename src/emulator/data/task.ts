// One task, generated from (seed, slot) and the overlay, with every default and opt-in field. Every
// random draw happens whatever the overlay holds; the overlay replaces what it changed afterwards.
import { attachments, baseLikes, likeObjects, NO_GIDS, stories, type StorySpec, withChanges } from "./activity.js";
import { baseCreatedAt, baseModifiedAt, type GenContext, isLargeNote } from "./context.js";
import { customFieldValue, emptyCustomFieldValue } from "./custom-fields.js";
import { KIND } from "./gids.js";
import { PURPOSE, rngFor } from "./prng.js";
import { dependenciesOf, dependentsOf, parentOf, subtasksOf, taskHead } from "./task-graph.js";
import { appendText, comment, htmlWrap, largeNotes, notes } from "./text.js";
import { DAY, HOUR, isoDate, isoTime } from "./time.js";
import type { Membership } from "./state.js";
import type { AsanaObject } from "../workspace.js";

/** The custom fields (indexes, ascending) a task carries: those of its projects. */
function fieldsOf(ctx: GenContext, memberships: readonly Membership[]): number[] {
  const out: number[] = [];
  for (const m of memberships) for (const f of ctx.ref.projects[m.project]?.customFields ?? []) if (!out.includes(f)) out.push(f);
  return out.sort((a, b) => a - b);
}

const ASSIGNEE_STATUS = ["today", "upcoming", "later", "new", "inbox"] as const;
const APPROVAL_DONE = ["approved", "rejected", "changes_requested"] as const;

/** The task in a slot, or undefined when the slot is deleted or does not exist. */
export function generateTask(ctx: GenContext, index: number): AsanaObject | undefined {
  const table = ctx.tasks;
  if (!table.isLive(index)) return undefined;
  const { seed, ref } = ctx;
  const { gids, users } = ref;
  const st = table.state(index);
  const patch = st?.patch;
  const created0 = st?.createdAt;
  const rng = rngFor(seed, PURPOSE.task, index);
  const gid = gids.gid(KIND.task, index);
  const head = taskHead(seed, table, index);
  const u = rng.float();
  const created = created0 ?? baseCreatedAt(ctx.start, u, index, table.baseCount);
  const historyEnd = created0 ?? baseModifiedAt(rng, created, ctx.start);
  const when = (): number => created + Math.floor(rng.float() * (historyEnd - created));

  const creator = rng.int(users.length);
  const baseDone = created0 === undefined && rng.chance(0.45);
  const baseDoneAt = when();
  const baseDoneBy = rng.int(users.length);
  const approvalDone = rng.pick(APPROVAL_DONE);
  const baseAssignee = rng.chance(0.3) ? null : rng.int(users.length);
  const assigneeStatus = rng.pick(ASSIGNEE_STATUS);
  const sectionDraw = rng.float();
  const assignerDraw = rng.float();
  const assigner = rng.int(users.length);
  const completed = patch?.completed ?? baseDone;
  const completedAt = patch?.completedAt !== undefined ? patch.completedAt : baseDone ? baseDoneAt : null;
  const completedBy = patch?.completedBy !== undefined ? patch.completedBy : baseDone ? baseDoneBy : null;
  const assignee = patch?.assignee !== undefined ? patch.assignee : baseAssignee;

  const hasDue = rng.chance(0.6);
  const dueMs = Math.floor((created + rng.range(-2, 60) * DAY) / HOUR) * HOUR;
  const dueTimed = rng.chance(0.3);
  const hasStart = hasDue && head.subtype !== "milestone" && rng.chance(0.25);
  const startMs = dueMs - rng.range(1, 14) * DAY;
  const startTimed = dueTimed && rng.chance(0.5);
  let dueOn = hasDue ? isoDate(dueMs) : null;
  let dueAt = hasDue && dueTimed ? isoTime(dueMs) : null;
  let startOn = hasStart ? isoDate(startMs) : null;
  let startAt = hasStart && startTimed ? isoTime(startMs) : null;
  if (patch?.dueOn !== undefined) {
    dueOn = patch.dueOn;
    dueAt = startOn = startAt = null;
  }
  if (patch?.startOn !== undefined) {
    startOn = patch.startOn;
    startAt = null;
  }

  const parent = parentOf(seed, table, index);
  const projectDraw = rng.float();
  const projectCount = ref.projects.length === 0 ? 0 : parent !== null ? (projectDraw < 0.3 ? 1 : 0) : projectDraw < 0.1 ? 0 : projectDraw < 0.8 ? 1 : 2;
  const projectIdx = rng.distinct(projectCount, ref.projects.length);
  const baseMemberships: Membership[] = [];
  for (const p of projectIdx) {
    const project = ref.projects[p];
    if (project !== undefined) baseMemberships.push({ project: p, section: rng.int(project.sections.length) });
  }
  const baseFields = fieldsOf(ctx, baseMemberships);
  const baseValues: Array<Readonly<Record<string, unknown>>> = [];
  for (const f of baseFields) {
    const def = ctx.fields[f];
    if (def !== undefined) baseValues.push(customFieldValue(def, rng, ref, created));
  }
  const baseTags = rng.chance(0.4) ? rng.distinct(rng.range(1, 3), ref.tags.length) : [];
  const baseLikeUsers = rng.chance(0.3) ? rng.distinct(rng.range(1, 5), users.length) : [];
  const followerIdx = [creator];
  if (assignee !== null && !followerIdx.includes(assignee)) followerIdx.push(assignee);
  for (let k = rng.int(3); k > 0; k--) {
    const f = rng.int(users.length);
    if (!followerIdx.includes(f)) followerIdx.push(f);
  }

  // The overlay, applied after every draw.
  const currentMemberships = patch?.memberships ?? baseMemberships;
  const memberships: object[] = [];
  const projects: object[] = [];
  for (let k = 0; k < currentMemberships.length; k++) {
    const m = currentMemberships[k] as Membership;
    const project = ref.projects[m.project];
    if (project === undefined) continue;
    projects.push(project.ref);
    memberships.push({ project: project.ref, section: project.sections[m.section] ?? null });
  }
  let customFields: object[] = baseValues;
  if (patch?.memberships !== undefined || patch?.customFields !== undefined) {
    customFields = [];
    for (const f of patch.memberships === undefined ? baseFields : fieldsOf(ctx, currentMemberships)) {
      const def = ctx.fields[f];
      const k = baseFields.indexOf(f);
      if (def !== undefined) customFields.push(patch.customFields?.[f] ?? (k < 0 ? undefined : baseValues[k]) ?? emptyCustomFieldValue(def));
    }
  }
  const tags = (patch?.tags ?? baseTags).map((t) => ref.tags[t]);
  const likeList = patch?.likes ?? baseLikes(gids, KIND.taskLike, index, baseLikeUsers);
  const followers = patch?.followers ?? followerIdx;
  const removed = patch?.removedChildren === undefined ? NO_GIDS : new Set(patch.removedChildren);

  const specs: StorySpec[] = [];
  const firstProject = ref.projects[projectIdx[0] ?? -1];
  if (firstProject !== undefined) {
    specs.push({ at: created, user: creator, subtype: "added_to_project", text: `added to ${firstProject.ref.name}` });
  }
  if (baseAssignee !== null) {
    specs.push({ at: when(), user: creator, subtype: "assigned", text: `assigned to ${users[baseAssignee]?.name ?? "someone"}` });
  }
  for (let c = rng.chance(0.5) ? rng.range(1, 3) : 0; c > 0; c--) {
    specs.push({ at: when(), user: rng.int(users.length), subtype: "comment_added", text: comment(rng, index + c) });
  }
  if (baseDone) specs.push({ at: baseDoneAt, user: baseDoneBy, subtype: "marked_complete", text: "marked this task complete" });
  if (hasDue && rng.chance(0.3)) {
    specs.push({ at: when(), user: creator, subtype: "due_date_changed", text: `changed the due date to ${isoDate(dueMs)}` });
  }
  const taskRef = { gid, resource_type: "task", name: head.name, resource_subtype: head.subtype };
  const files = withChanges(attachments(rng, gids, KIND.taskAttachment, index, taskRef, created, historyEnd + 1), patch, taskRef, removed);

  const customType = head.subtype === "custom" ? rng.pick(ref.customTypes) : null;
  const actualTime = rng.chance(0.25) ? rng.range(5, 2400) : null;
  const external = rng.chance(0.08) ? { gid: `ext-${rng.range(1000, 999999)}`, data: `{"source":"jira","key":"OPS-${index}"}` } : null;
  const separator = head.subtype === "default_task" && rng.chance(0.01);
  const text = appendText(isLargeNote(index, ctx.largeNoteEvery) ? largeNotes(rngFor(seed, PURPOSE.taskLarge, index), index) : notes(rng, index), patch?.notesSuffix);
  const parentHead = parent === null ? null : taskHead(seed, table, parent);
  const userRef = (i: number | null): object | null => (i === null ? null : (users[i] ?? null));

  return {
    gid,
    resource_type: "task",
    name: head.name,
    resource_subtype: head.subtype,
    approval_status: completed ? (head.subtype === "approval" ? approvalDone : "approved") : "pending",
    assignee_status: assignee === null ? "upcoming" : assigneeStatus,
    completed,
    completed_at: completedAt === null ? null : isoTime(completedAt),
    completed_by: userRef(completedBy),
    created_at: isoTime(created),
    due_at: dueAt,
    due_on: dueOn,
    start_at: startAt,
    start_on: startOn,
    liked: false,
    likes: likeObjects(likeList, users),
    memberships,
    modified_at: isoTime(st?.modifiedAt ?? historyEnd),
    notes: text.plain,
    num_likes: likeList.length,
    actual_time_minutes: actualTime,
    assignee: userRef(assignee),
    assignee_section: assignee !== null && sectionDraw < 0.5 ? (ref.userTaskSections[assignee]?.[Math.floor(sectionDraw * 8)] ?? null) : null,
    custom_fields: customFields,
    custom_type: customType?.ref ?? null,
    custom_type_status_option: customType === null ? null : rng.pick(customType.statuses),
    followers: followers.map((f) => users[f]),
    parent: parent === null || parentHead === null ? null : { gid: gids.gid(KIND.task, parent), resource_type: "task", name: parentHead.name, resource_subtype: parentHead.subtype },
    projects,
    tags,
    workspace: ref.workspace,
    permalink_url: `https://app.asana.com/1/${ref.workspace.gid}/task/${gid}`,
    attachments: files,
    stories: stories(gids, KIND.taskStory, index, specs, st?.stories ?? [], users, removed),
    created_by: users[creator],
    dependencies: dependenciesOf(seed, table, index).map((j) => ({ gid: gids.gid(KIND.task, j), resource_type: "task" })),
    dependents: dependentsOf(seed, table, index).map((j) => ({ gid: gids.gid(KIND.task, j), resource_type: "task" })),
    external,
    html_notes: htmlWrap(text.escaped),
    is_rendered_as_separator: separator,
    num_subtasks: subtasksOf(seed, table, index).length,
    assigned_by: assignee === null || assignerDraw < 0.1 ? null : userRef(assigner),
  };
}
