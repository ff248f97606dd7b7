// A `fields` list Asana refuses (a 400 naming one of its dotted paths): the run asks again with
// top-level field names, says so, and delivers every record; for `read` and `sync`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { airbyteRead, emulatorConfig, fullCatalog, scratch, type Json } from "../helpers/airbyte.js";
import { expectedRows, rowKey } from "../helpers/truth.js";
import { manifests, runSync } from "../e2e/sync-helpers.js";

let em: Emulator;
beforeAll(async () => {
  // A server that takes only top-level field names.
  em = await startEmulator({ seed: 71, tasks: 120, teams: 2, messages: 10, maxFieldDepth: 1, jobPollsUntilDone: 0 });
});
afterAll(async () => em.close());

const postStatuses = (from: number): number[] => em.requests.slice(from).filter((q) => q.method === "POST").map((q) => q.status);

describe("a fields list Asana refuses", () => {
  it("read: falls back to top-level fields with a warning; every task, nested objects in their compact form", async () => {
    const from = em.requests.length;
    const catalog = fullCatalog("full_refresh", ["tasks"]) as { streams: { stream: { json_schema: { properties: Json } } }[] };
    const stream = catalog.streams[0];
    if (stream === undefined) throw new Error("no tasks stream");
    const props = stream.stream.json_schema.properties;
    stream.stream.json_schema.properties = { gid: props.gid, name: props.name, assignee: props.assignee };
    const r = await airbyteRead(emulatorConfig(em), catalog);
    expect(r.code, r.stderr).toBe(0);
    expect(postStatuses(from)).toEqual([400, 201]);
    const warning = r.messages.find((m) => m.type === "LOG" && String((m.log as Json).message).startsWith("Asana refused the export's fields list"));
    expect(String((warning?.log as Json | undefined)?.message)).toMatch(/nested too deeply.*exporting top-level fields instead/);
    const tasks = r.records.get("tasks") ?? [];
    expect(tasks.map((t) => t.gid).sort()).toEqual([...em.workspace.objects("task")].map((t) => t.gid).sort());
    // Under opt_fields rules a top-level name of an object gives its gid only.
    for (const t of tasks) if (t.assignee !== null) expect(Object.keys(t.assignee as Json)).toEqual(["gid"]);
  });

  it("sync: a join stream alone still gets every row from the top-level fields", async () => {
    const from = em.requests.length;
    const out = scratch();
    const r = await runSync(em, out, {}, ["--streams", "task_tags", "--format", "jsonl"]);
    expect(r.code, r.stderr).toBe(0);
    expect(postStatuses(from)).toEqual([400, 201]);
    expect(r.stderr).toContain("exporting top-level fields instead");
    const [manifest] = manifests(out);
    expect(manifest?.streams.task_tags?.rows).toBe(expectedRows(em.workspace, "task_tags").length);
    expect(expectedRows(em.workspace, "task_tags").map((row) => rowKey(row, ["task_gid", "tag_gid"])).length).toBeGreaterThan(0);
  });
});
