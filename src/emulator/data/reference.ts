// Small reference data built eagerly: the workspace, users, projects and their sections, tags,
// custom types, portfolios, goals and "My tasks" sections. Nested references are frozen because
// they are shared by every generated object.
import type { GidSpace } from "./gids.js";
import { KIND } from "./gids.js";
import type { Rng } from "./prng.js";
import { PURPOSE, rngFor } from "./prng.js";

/** A compact reference `{gid, resource_type, name}` as Asana nests it. */
export interface Compact {
  readonly gid: string;
  readonly resource_type: string;
  readonly name: string;
}

/** A project with its sections and the custom field definitions it carries (by index). */
export interface ProjectRef {
  readonly ref: Compact;
  readonly sections: readonly Compact[];
  readonly customFields: readonly number[];
}

/** A custom type with its status options. */
export interface CustomTypeRef {
  readonly ref: Compact;
  readonly statuses: readonly Compact[];
}

/** Everything small that generated objects point to. */
export interface Reference {
  readonly gids: GidSpace;
  readonly workspace: Compact;
  readonly users: readonly Compact[];
  readonly projects: readonly ProjectRef[];
  /** The projects' compact references, in project order. */
  readonly projectRefs: readonly Compact[];
  readonly tags: readonly Compact[];
  readonly customTypes: readonly CustomTypeRef[];
  readonly portfolios: readonly Compact[];
  readonly goals: readonly Compact[];
  /** Per user, the sections of their "My tasks" list. */
  readonly userTaskSections: readonly (readonly Compact[])[];
}

const FIRST = [
  "Ana", "Ben", "Chloé", "Dmitri", "Elif", "Fatima", "Gráinne", "Hiroshi", "Ines", "Jonas",
  "Kwame", "Łukasz", "Maya", "Nguyễn", "Olu", "Priya", "Quinn", "Rafael", "Søren", "Tomás",
  "Uma", "Valentina", "Wei", "Ximena", "Yusuf", "Zoë", "李", "محمد", "דנה", "Siobhán",
] as const;

const LAST = [
  "Sanchez", "O'Brien", "Müller", "Kowalski", "Tanaka", "Okafor", "Haddad", "Andersson", "Rossi",
  "Dubois", "Nakamura", "García", "Van der Berg", "Ivanova", "Chen", "Patel", "Smith-Jones",
  "伟", "الأحمد", "כהן", "Ng", "D'Angelo", "Øberg", "Mbeki",
] as const;

const PROJECT_WORDS = [
  "Website Redesign", "Q3 Roadmap", "Customer Onboarding", "Hiring Pipeline", "Mobile App",
  "Brand Refresh", "Data Platform", "Security Review", "Sales Enablement", "Product Launch",
  "Office Move", "Content Calendar", "Bug Triage", "Partner Program", "Annual Planning",
  "Localization 🌍", "Événements 2025", "プロジェクト計画", "مشروع التسويق", "Support Escalations",
] as const;

const SECTION_NAMES = ["Backlog", "To do", "In progress", "Review", "Done", "Untitled section"] as const;
const TAG_NAMES = [
  "bug", "urgent", "needs-review", "blocked", "customer", "design", "🔥 hot", "quick win", "legal",
  "finance", "Q4", "tech debt", "documentation", "ops", "élevé", "重要", "مهم", "waiting on \"vendor\"",
] as const;
const MY_TASK_SECTIONS = ["Recently assigned", "Do today", "Do next week", "Do later"] as const;
const PORTFOLIOS = ["Engineering portfolio", "Marketing initiatives", "FY plan", "Customer programs"];
const GOALS = ["Grow ARR 20%", "Reach 99.9% uptime", "Ship v2", "Hire 15 engineers", "NPS ≥ 50"];

function compact(gids: GidSpace, kind: (typeof KIND)[keyof typeof KIND], index: number, resourceType: string, name: string): Compact {
  return Object.freeze({ gid: gids.gid(kind, index), resource_type: resourceType, name });
}

function buildUsers(gids: GidSpace, rng: Rng, n: number): Compact[] {
  const users: Compact[] = [];
  for (let i = 0; i < n; i++) {
    const name = `${rng.pick(FIRST)} ${rng.pick(LAST)}`;
    users.push(compact(gids, KIND.user, i, "user", i < FIRST.length ? name : `${name} ${i}`));
  }
  return users;
}

function buildProjects(gids: GidSpace, rng: Rng, n: number, customFieldCount: number): ProjectRef[] {
  const projects: ProjectRef[] = [];
  let section = 0;
  for (let p = 0; p < n; p++) {
    const base = PROJECT_WORDS[p % PROJECT_WORDS.length] ?? "Project";
    const name = p < PROJECT_WORDS.length ? base : `${base} ${Math.floor(p / PROJECT_WORDS.length) + 1}`;
    const sections: Compact[] = [];
    const sectionCount = rng.range(3, SECTION_NAMES.length);
    for (let s = 0; s < sectionCount; s++) {
      sections.push(compact(gids, KIND.section, section++, "section", SECTION_NAMES[s] ?? "Section"));
    }
    // Project 0 carries every custom field, so any workspace with a project has every type.
    const fields = p === 0 ? [...Array(customFieldCount).keys()] : rng.distinct(rng.range(1, 4), customFieldCount);
    projects.push(
      Object.freeze({
        ref: compact(gids, KIND.project, p, "project", name),
        sections: Object.freeze(sections),
        customFields: Object.freeze(fields),
      }),
    );
  }
  return projects;
}

function buildCustomTypes(gids: GidSpace): CustomTypeRef[] {
  const specs = [
    ["Bug ticket", ["Triage", "Investigating", "Solution pending", "Fixed"]],
    ["Request", ["New", "Accepted", "Declined"]],
  ] as const;
  let option = 0;
  return specs.map(([name, statuses], t) =>
    Object.freeze({
      ref: compact(gids, KIND.customType, t, "custom_type", name),
      statuses: Object.freeze(statuses.map((s) => compact(gids, KIND.customTypeStatus, option++, "custom_type_status_option", s))),
    }),
  );
}

/** Build the reference data of a workspace from its seed. */
export function buildReference(seed: number, gids: GidSpace, users: number, projects: number, customFieldCount: number): Reference {
  const wsRng = rngFor(seed, PURPOSE.workspace, 0);
  const workspace = Object.freeze({
    gid: gids.gid(KIND.workspace, wsRng.int(1_000_000_000)),
    resource_type: "workspace",
    name: `${wsRng.pick(["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Soylent"])} Corp (seed ${seed})`,
  });
  const userList = buildUsers(gids, rngFor(seed, PURPOSE.users, 0), users);
  const tagRng = rngFor(seed, PURPOSE.tags, 0);
  const tagCount = Math.min(TAG_NAMES.length, tagRng.range(12, TAG_NAMES.length));
  const tags = TAG_NAMES.slice(0, tagCount).map((t, i) => compact(gids, KIND.tag, i, "tag", t));
  const userTaskSections = userList.map((_, u) =>
    Object.freeze(MY_TASK_SECTIONS.map((s, k) => compact(gids, KIND.userTaskSection, u * MY_TASK_SECTIONS.length + k, "section", s))),
  );
  const projectList = buildProjects(gids, rngFor(seed, PURPOSE.projects, 0), projects, customFieldCount);
  return Object.freeze({
    gids,
    workspace,
    users: Object.freeze(userList),
    projects: Object.freeze(projectList),
    projectRefs: Object.freeze(projectList.map((p) => p.ref)),
    tags: Object.freeze(tags),
    customTypes: Object.freeze(buildCustomTypes(gids)),
    portfolios: Object.freeze(PORTFOLIOS.map((n, i) => compact(gids, KIND.portfolio, i, "portfolio", n))),
    goals: Object.freeze(GOALS.map((n, i) => compact(gids, KIND.goal, i, "goal", n))),
    userTaskSections: Object.freeze(userTaskSections),
  });
}
