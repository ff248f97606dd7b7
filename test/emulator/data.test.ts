// The seeded workspace: determinism, Asana shapes, consistency, text coverage, lookups and scale.
import { describe, expect, it } from "vitest";
import { FIELDS } from "../../src/emulator/data/fields.js";
import { createWorkspace, type WorkspaceOptions } from "../../src/emulator/data/index.js";
import type { AsanaObject, ResourceType, Workspace } from "../../src/emulator/workspace.js";

const START = Date.UTC(2025, 5, 1);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const GID = /^\d{16}$/;

function workspace(overrides: Partial<WorkspaceOptions> = {}): Workspace {
  return createWorkspace({ seed: 7, tasks: 2000, teams: 8, messages: 400, clock: { now: () => START }, ...overrides });
}

function all(ws: Workspace, type: ResourceType): AsanaObject[] {
  return [...ws.objects(type)];
}

function time(v: unknown): number {
  expect(v).toMatch(ISO_TIME);
  return Date.parse(v as string);
}

function expectCompact(v: unknown, type: string): void {
  expect(v).toEqual({ gid: expect.stringMatching(GID), resource_type: type, name: expect.any(String) });
}

function rate(items: AsanaObject[], test: (o: AsanaObject) => boolean): number {
  return items.filter(test).length / items.length;
}

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

describe("determinism", () => {
  it("gives the same objects for the same options, byte for byte", () => {
    const a = workspace({ tasks: 300, messages: 100 });
    const b = workspace({ tasks: 300, messages: 100 });
    expect(a.gid).toBe(b.gid);
    expect(a.userGids()).toEqual(b.userGids());
    for (const type of ["task", "team", "message"] as const) {
      expect(JSON.stringify(all(a, type))).toBe(JSON.stringify(all(b, type)));
    }
    expect(JSON.stringify(a.at("task", 123))).toBe(JSON.stringify(a.at("task", 123)));
  });

  it("differs for another seed", () => {
    const a = workspace({ tasks: 50 });
    const b = workspace({ tasks: 50, seed: 8 });
    expect(JSON.stringify(all(a, "task"))).not.toBe(JSON.stringify(all(b, "task")));
  });
});

describe("gids", () => {
  it("are 16-digit strings, unique across every type and nested object", () => {
    const ws = workspace({ tasks: 500, messages: 200 });
    const seen = new Map<string, string>();
    const visit = (v: unknown, path: string): void => {
      if (Array.isArray(v)) v.forEach((x) => visit(x, path));
      else if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (typeof o.gid === "string" && !o.gid.startsWith("ext-")) {
          expect(o.gid).toMatch(GID);
          const kind = String(o.resource_type ?? path);
          const before = seen.get(o.gid);
          if (before !== undefined) expect(before).toBe(kind);
          seen.set(o.gid, kind);
        }
        for (const [k, x] of Object.entries(o)) visit(x, k);
      }
    };
    for (const type of ["task", "team", "message"] as const) visit(all(ws, type), type);
    expect(seen.size).toBeGreaterThan(3000);
    expect(ws.gid).toMatch(GID);
  });
});

describe("tasks", () => {
  const ws = workspace();
  const tasks = all(ws, "task");
  const byGid = new Map(tasks.map((t) => [t.gid, t]));
  const fields = [...FIELDS.task.defaults, ...FIELDS.task.optIn];

  it("carry exactly every documented field, default and opt-in", () => {
    for (const t of tasks) expect(Object.keys(t).sort()).toEqual([...fields].sort());
  });

  it("have the documented types", () => {
    for (const t of tasks) {
      expect(t.resource_type).toBe("task");
      expect(["default_task", "milestone", "approval", "custom"]).toContain(t.resource_subtype);
      expect(["pending", "approved", "rejected", "changes_requested"]).toContain(t.approval_status);
      expect(["today", "upcoming", "later", "new", "inbox"]).toContain(t.assignee_status);
      expect(typeof t.completed).toBe("boolean");
      expect(typeof t.liked).toBe("boolean");
      expect(typeof t.name).toBe("string");
      expect(typeof t.notes).toBe("string");
      expect(typeof t.is_rendered_as_separator).toBe("boolean");
      expect(Number.isInteger(t.num_subtasks)).toBe(true);
      for (const k of ["due_at", "start_at", "completed_at"]) if (t[k] !== null) time(t[k]);
      for (const k of ["due_on", "start_on"]) if (t[k] !== null) expect(t[k]).toMatch(ISO_DATE);
      for (const k of ["assignee", "completed_by", "assigned_by", "created_by"]) if (t[k] !== null) expectCompact(t[k], "user");
      if (t.assignee_section !== null) expectCompact(t.assignee_section, "section");
      if (t.actual_time_minutes !== null) expect(typeof t.actual_time_minutes).toBe("number");
      if (t.external !== null) expect(t.external).toEqual({ gid: expect.any(String), data: expect.any(String) });
      expectCompact(t.workspace, "workspace");
      expect(t.workspace).toEqual({ gid: ws.gid, resource_type: "workspace", name: ws.name });
      (t.followers as unknown[]).forEach((f) => expectCompact(f, "user"));
      (t.projects as unknown[]).forEach((p) => expectCompact(p, "project"));
      (t.tags as unknown[]).forEach((p) => expectCompact(p, "tag"));
      for (const m of t.memberships as { project: unknown; section: unknown }[]) {
        expect(Object.keys(m)).toEqual(["project", "section"]);
        expectCompact(m.project, "project");
        expectCompact(m.section, "section");
      }
      expect((t.memberships as { project: unknown }[]).map((m) => m.project)).toEqual(t.projects);
      for (const l of t.likes as { gid: string; user: unknown }[]) {
        expect(Object.keys(l)).toEqual(["gid", "user"]);
        expectCompact(l.user, "user");
      }
      for (const d of [...(t.dependencies as unknown[]), ...(t.dependents as unknown[])]) {
        expect(d).toEqual({ gid: expect.stringMatching(GID), resource_type: "task" });
      }
      expect(t.permalink_url).toMatch(/^https:\/\/app\.asana\.com\/.+\d{16}$/);
      expect(t.html_notes).toBe(`<body>${escape(t.notes as string)}</body>`);
    }
  });

  it("keep Asana's consistency rules", () => {
    for (const t of tasks) {
      const created = time(t.created_at);
      const modified = time(t.modified_at);
      expect(created).toBeLessThan(START);
      expect(created).toBeGreaterThan(START - 3 * 366 * 86_400_000);
      expect(modified).toBeGreaterThanOrEqual(created);
      expect(modified).toBeLessThan(START);
      expect(t.completed_at !== null).toBe(t.completed);
      expect(t.completed_by !== null).toBe(t.completed);
      if (t.completed_at !== null) {
        expect(time(t.completed_at)).toBeGreaterThanOrEqual(created);
        expect(time(t.completed_at)).toBeLessThanOrEqual(modified);
      }
      expect(t.approval_status === "pending").toBe(!t.completed);
      expect(t.num_likes).toBe((t.likes as unknown[]).length);
      if (t.due_at !== null) expect(t.due_on).toBe((t.due_at as string).slice(0, 10));
      if (t.start_on !== null) {
        expect(t.due_on).not.toBeNull();
        expect(String(t.start_on) <= String(t.due_on)).toBe(true);
      }
      if (t.start_at !== null) expect(t.due_at).not.toBeNull();
      if (t.resource_subtype === "milestone") expect(t.start_on).toBeNull();
      expect(t.custom_type !== null).toBe(t.resource_subtype === "custom");
      expect(t.custom_type_status_option !== null).toBe(t.resource_subtype === "custom");
      if (t.assignee === null) expect(t.assignee_section).toBeNull();
      if (t.assignee === null) expect(t.assigned_by).toBeNull();
      for (const s of t.stories as { created_at: string }[]) {
        expect(time(s.created_at)).toBeGreaterThanOrEqual(created);
        expect(time(s.created_at)).toBeLessThanOrEqual(modified);
      }
    }
  });

  it("are null at realistic rates", () => {
    const near = (v: number, lo: number, hi: number): void => {
      expect(v).toBeGreaterThanOrEqual(lo);
      expect(v).toBeLessThanOrEqual(hi);
    };
    near(rate(tasks, (t) => t.due_on === null), 0.3, 0.5);
    near(rate(tasks, (t) => t.assignee === null), 0.2, 0.4);
    near(rate(tasks, (t) => t.completed === true), 0.3, 0.6);
    near(rate(tasks, (t) => t.parent !== null), 0.15, 0.5);
    near(rate(tasks, (t) => t.actual_time_minutes === null), 0.6, 0.9);
    near(rate(tasks, (t) => t.external === null), 0.85, 0.98);
    near(rate(tasks, (t) => (t.attachments as unknown[]).length > 0), 0.15, 0.35);
    near(rate(tasks, (t) => (t.stories as unknown[]).length > 0), 0.7, 1);
    for (const subtype of ["default_task", "milestone", "approval", "custom"]) {
      expect(tasks.some((t) => t.resource_subtype === subtype)).toBe(true);
    }
  });

  it("point subtasks at earlier live parents, and count them", () => {
    const children = new Map<string, number>();
    for (const t of tasks) {
      if (t.parent === null) continue;
      const ref = t.parent as { gid: string; name: string; resource_type: string; resource_subtype: string };
      const parent = byGid.get(ref.gid);
      expect(parent).toBeDefined();
      expect(ref).toEqual({ gid: parent?.gid, resource_type: "task", name: parent?.name, resource_subtype: parent?.resource_subtype });
      expect(BigInt(ref.gid) < BigInt(t.gid)).toBe(true);
      expect(time(parent?.created_at)).toBeLessThanOrEqual(time(t.created_at));
      children.set(ref.gid, (children.get(ref.gid) ?? 0) + 1);
    }
    for (const t of tasks) expect(t.num_subtasks).toBe(children.get(t.gid) ?? 0);
    expect(children.size).toBeGreaterThan(50);
  });

  it("list dependencies and dependents symmetrically", () => {
    let links = 0;
    for (const t of tasks) {
      for (const d of t.dependencies as { gid: string }[]) {
        links++;
        const other = byGid.get(d.gid);
        expect((other?.dependents as { gid: string }[]).map((x) => x.gid)).toContain(t.gid);
      }
      for (const d of t.dependents as { gid: string }[]) {
        expect((byGid.get(d.gid)?.dependencies as { gid: string }[]).map((x) => x.gid)).toContain(t.gid);
      }
    }
    expect(links).toBeGreaterThan(50);
  });

  it("carry export-form attachments and compact stories", () => {
    const attachments = tasks.flatMap((t) => t.attachments as Record<string, unknown>[]);
    const stories = tasks.flatMap((t) => t.stories as Record<string, unknown>[]);
    expect(attachments.length).toBeGreaterThan(100);
    for (const a of attachments) {
      expect(a).not.toHaveProperty("download_url");
      expect(a).not.toHaveProperty("view_url");
      expect(a.resource_type).toBe("attachment");
      expect(a.host).toBe(a.resource_subtype);
      time(a.created_at);
      expect("size" in a).toBe(a.host === "asana");
      expect("connected_to_app" in a).toBe(a.host === "gdrive" || a.host === "external");
      expect((a.parent as { resource_type: string }).resource_type).toBe("task");
    }
    for (const s of stories) {
      expect(Object.keys(s)).toEqual(["gid", "resource_type", "created_at", "created_by", "resource_subtype", "text"]);
      expect(s.resource_type).toBe("story");
      expectCompact(s.created_by, "user");
    }
    expect(new Set(stories.map((s) => s.resource_subtype)).size).toBeGreaterThanOrEqual(4);
  });
});

describe("custom fields", () => {
  const typed: Record<string, string> = {
    text: "text_value",
    enum: "enum_value",
    multi_enum: "multi_enum_values",
    number: "number_value",
    date: "date_value",
    people: "people_value",
    reference: "reference_value",
  };
  const values = all(workspace({ tasks: 1000 }), "task").flatMap((t) => t.custom_fields as Record<string, unknown>[]);

  it("cover every type, each with only its own typed value field", () => {
    const all = Object.values(typed);
    for (const [type, key] of Object.entries(typed)) {
      const ofType = values.filter((v) => v.type === type);
      expect(ofType.length).toBeGreaterThan(10);
      for (const v of ofType) {
        expect(v.resource_subtype).toBe(type);
        expect(v.resource_type).toBe("custom_field");
        expect(v.gid).toMatch(GID);
        expect(typeof v.name).toBe("string");
        expect(v).toHaveProperty("display_value");
        expect(v).toHaveProperty(key);
        for (const other of all) if (other !== key) expect(v).not.toHaveProperty(other);
      }
      const unset = (v: Record<string, unknown>): boolean => v[key] === null || (Array.isArray(v[key]) && (v[key] as unknown[]).length === 0);
      expect(ofType.some(unset)).toBe(true);
      expect(ofType.some((v) => !unset(v))).toBe(true);
      for (const v of ofType) expect(v.display_value === null).toBe(unset(v));
    }
  });

  it("shape typed values as the schema says", () => {
    for (const v of values) {
      if (v.type === "enum" && v.enum_value !== null) {
        expect(v.enum_value).toEqual({ gid: expect.stringMatching(GID), resource_type: "enum_option", name: expect.any(String), color: expect.any(String), enabled: expect.any(Boolean) });
      }
      if (v.type === "date" && v.date_value !== null) {
        const d = v.date_value as { date: string; date_time: string | null };
        expect(Object.keys(d)).toEqual(["date", "date_time"]);
        expect(d.date).toMatch(ISO_DATE);
        if (d.date_time !== null) expect(d.date_time.slice(0, 10)).toBe(d.date);
      }
      if (v.type === "number" && v.number_value !== null) expect(typeof v.number_value).toBe("number");
      if (v.type === "people") (v.people_value as unknown[]).forEach((u) => expectCompact(u, "user"));
      if (v.type === "reference") {
        for (const r of v.reference_value as { resource_type: string }[]) expect(["project", "goal"]).toContain(r.resource_type);
      }
    }
  });
});
