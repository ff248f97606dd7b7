// The seeded workspace: teams, messages, parser-testing text, large notes, lookup by gid, and scale.
import { describe, expect, it } from "vitest";
import { FIELDS } from "../../src/emulator/data/fields.js";
import { createWorkspace, type WorkspaceOptions } from "../../src/emulator/data/index.js";
import type { AsanaObject, Workspace } from "../../src/emulator/workspace.js";

const START = Date.UTC(2025, 5, 1);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const GID = /^\d{16}$/;

function workspace(overrides: Partial<WorkspaceOptions> = {}): Workspace {
  return createWorkspace({ seed: 11, tasks: 500, teams: 12, messages: 600, clock: { now: () => START }, ...overrides });
}

function expectCompact(v: unknown, type: string): void {
  expect(v).toEqual({ gid: expect.stringMatching(GID), resource_type: type, name: expect.any(String) });
}

describe("teams", () => {
  const ws = workspace();
  const teams = [...ws.objects("team")];
  const levels = ["all_team_members", "only_team_admins"];

  it("carry every documented field with the documented values", () => {
    expect(teams).toHaveLength(12);
    expect(ws.count("team")).toBe(12);
    for (const t of teams) {
      expect(Object.keys(t).sort()).toEqual([...FIELDS.team.defaults, ...FIELDS.team.optIn].sort());
      expect(t.resource_type).toBe("team");
      expect(t.organization).toEqual({ gid: ws.gid, resource_type: "workspace", name: ws.name });
      expect(["secret", "request_to_join", "public"]).toContain(t.visibility);
      for (const k of Object.keys(t).filter((k) => k.endsWith("_access_level") && k !== "team_content_management_access_level")) {
        expect(levels).toContain(t[k]);
      }
      expect(["no_restriction", "only_team_admins"]).toContain(t.team_content_management_access_level);
      expect(typeof t.endorsed).toBe("boolean");
      expect((t.members as unknown[]).length).toBeGreaterThan(0);
      (t.members as unknown[]).forEach((m) => expectCompact(m, "user"));
      for (const s of t.custom_field_settings as Record<string, unknown>[]) {
        expect(s.resource_type).toBe("custom_field_setting");
        expect(s.parent).toEqual({ gid: t.gid, resource_type: "team", name: t.name });
        expect((s.custom_field as { resource_type: string }).resource_type).toBe("custom_field");
      }
      expect(typeof t.description).toBe("string");
      expect(String(t.html_description)).toMatch(/^<body>[\s\S]*<\/body>$/);
    }
    expect(ws.at("team", 12)).toBeUndefined();
  });
});

describe("messages", () => {
  const ws = workspace();
  const messages = [...ws.objects("message")];

  it("carry every documented field with consistent values", () => {
    const projectStatus = ["on_track", "at_risk", "off_track", "on_hold", "complete", "dropped"];
    const goalStatus = ["on_track", "at_risk", "off_track", "achieved", "partial", "missed", "dropped"];
    for (const m of messages) {
      expect(Object.keys(m).sort()).toEqual([...FIELDS.message.defaults, ...FIELDS.message.optIn].sort());
      expect(m.resource_type).toBe("message");
      expect(["default", "status_update"]).toContain(m.resource_subtype);
      expect(m.created_at).toMatch(ISO_TIME);
      expect(Date.parse(m.modified_at as string)).toBeGreaterThanOrEqual(Date.parse(m.created_at as string));
      expect(Date.parse(m.modified_at as string)).toBeLessThan(START);
      expectCompact(m.created_by, "user");
      expect(m.num_likes).toBe((m.likes as unknown[]).length);
      const parents = m.parents as { resource_type: string }[];
      expect(parents.length).toBeGreaterThan(0);
      parents.forEach((p) => expectCompact(p, p.resource_type));
      if (m.resource_subtype === "status_update") {
        expect(parents).toHaveLength(1);
        expect(parents[0]?.resource_type === "goal" ? goalStatus : projectStatus).toContain(m.status_type);
      } else {
        expect(m.status_type).toBeNull();
        for (const p of parents) expect(["project", "team", "portfolio"]).toContain(p.resource_type);
      }
      expect(typeof m.title).toBe("string");
      expect(m.html_notes).toMatch(/^<body>[\s\S]*<\/body>$/);
    }
    const kinds = new Set(messages.flatMap((m) => (m.parents as { resource_type: string }[]).map((p) => p.resource_type)));
    expect([...kinds].sort()).toEqual(["goal", "portfolio", "project", "team"]);
    expect(messages.some((m) => (m.stories as unknown[]).length > 0)).toBe(true);
    expect(messages.some((m) => (m.attachments as unknown[]).length > 0)).toBe(true);
  });
});

describe("text that tests a parser", () => {
  it("puts every kind of tricky text in the first few dozen tasks", () => {
    const ws = workspace({ tasks: 30 });
    const text = [...ws.objects("task")].map((t) => `${String(t.name)}\n${String(t.notes)}`).join("\n");
    expect(text).toMatch(/\u200d/u); // ZWJ sequences
    expect(text).toMatch(/[\u{1F300}-\u{1FAFF}]/u); // emoji, astral plane
    expect(text).toMatch(/[\u{1D400}-\u{1D7FF}]/u); // mathematical alphanumerics, astral
    expect(text).toMatch(/\p{Script=Han}/u);
    expect(text).toMatch(/\p{Script=Arabic}/u);
    expect(text).toMatch(/\p{Script=Hebrew}/u);
    expect(text).toMatch(/\p{M}/u); // combining marks
    for (const c of ["\n", "\r\n", "\t", '"', "\\", "\u2028", "\u2029", "<", "&"]) expect(text).toContain(c);
  });

  it("survives a JSON round trip unchanged", () => {
    const ws = workspace({ tasks: 60, messages: 30 });
    for (const o of [...ws.objects("task"), ...ws.objects("message"), ...ws.objects("team")]) {
      expect(JSON.parse(JSON.stringify(o))).toEqual(o);
    }
  });
});

describe("large notes", () => {
  const big = (t: AsanaObject): boolean => Buffer.byteLength(String(t.notes)) > 100 * 1024;

  it("exist in any workspace of 50 tasks", () => {
    const tasks = [...workspace({ tasks: 50 }).objects("task")];
    expect(tasks.filter(big)).toHaveLength(1);
  });

  it("come every largeNoteEvery tasks", () => {
    const tasks = [...workspace({ tasks: 400, largeNoteEvery: 100 }).objects("task")];
    expect(tasks.filter(big).map((t) => tasks.indexOf(t))).toEqual([49, 149, 249, 349]);
    expect(String(tasks[49]?.html_notes).length).toBeGreaterThan(100 * 1024);
  });
});

describe("get", () => {
  const ws = workspace();

  it("finds every type by gid and nothing else", () => {
    for (const type of ["task", "team", "message"] as const) {
      for (const i of [0, 1, ws.slots(type) - 1]) {
        const o = ws.at(type, i);
        expect(ws.get(type, String(o?.gid))).toEqual(o);
      }
    }
    const task = ws.at("task", 3);
    expect(ws.get("message", String(task?.gid))).toBeUndefined();
    expect(ws.get("task", "1")).toBeUndefined();
    expect(ws.get("task", "not-a-gid")).toBeUndefined();
    expect(ws.get("task", String(BigInt(String(ws.at("task", 499)?.gid)) + 1n))).toBeUndefined();
    expect(ws.at("task", -1)).toBeUndefined();
    expect(ws.at("task", 1.5)).toBeUndefined();
  });

  it("lists the users", () => {
    const users = ws.userGids();
    expect(users).toHaveLength(100);
    expect(new Set(users).size).toBe(100);
    const assignees = [...ws.objects("task")].map((t) => (t.assignee as { gid: string } | null)?.gid).filter((g) => g !== undefined);
    for (const g of assignees) expect(users).toContain(g);
  });
});

describe("scale", () => {
  it("iterates 200,000 tasks without keeping them", () => {
    const ws = workspace({ tasks: 200_000, messages: 0 });
    let n = 0;
    let bytes = 0;
    for (const t of ws.objects("task")) {
      n++;
      if (n % 1000 === 0) bytes += JSON.stringify(t).length;
    }
    expect(n).toBe(200_000);
    expect(ws.count("task")).toBe(200_000);
    expect(bytes).toBeGreaterThan(0);
    expect(process.memoryUsage().heapUsed).toBeLessThan(1024 * 1024 * 1024);
  });
});
