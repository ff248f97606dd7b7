// The files in examples/ work as the README says: the configured catalog and state parse, and the
// incremental example shows exactly the changed objects arriving in its second read.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseConfiguredCatalog } from "../../src/streams/index.js";
import { parseStateInput } from "../../src/sync/state-input.js";

const example = (path: string): string => fileURLToPath(new URL(`../../examples/${path}`, import.meta.url));

describe("examples/", () => {
  it("airbyte/configured_catalog.json selects every stream with a few columns, incremental where there is a cursor", () => {
    const catalog = parseConfiguredCatalog(JSON.parse(readFileSync(example("airbyte/configured_catalog.json"), "utf8")));
    expect(catalog.map((c) => [c.stream.name, c.syncMode])).toEqual([
      ["tasks", "incremental"],
      ["teams", "full_refresh"],
      ["messages", "incremental"],
    ]);
    for (const c of catalog) expect(c.selectedFields).toEqual(expect.arrayContaining(["gid", "resource_type"]));
  });

  it("airbyte/state.json is a per-stream Airbyte state the connector reads", () => {
    const state = parseStateInput(JSON.parse(readFileSync(example("airbyte/state.json"), "utf8")), "examples/airbyte/state.json", ["tasks", "teams", "messages"]);
    expect(state.streams.tasks?.cursor).toBe("2024-06-01T00:00:00.000Z");
  });

  it("incremental-read.mjs: the second read brings exactly what changed and what was deleted (teams whole: full refresh)", () => {
    const run = spawnSync(process.execPath, [example("incremental-read.mjs")], { encoding: "utf8", timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const second = run.stdout.split("3. read again")[1] ?? "";
    expect(second).toMatch(/^ {3}11 records: tasks 7, messages 1, teams 3$/m);
    const listed = second.split("\n").filter((l) => /^ {3}(tasks|messages) /.test(l));
    expect(listed.filter((l) => /\(changed\)$/.test(l))).toHaveLength(6);
    // The two deleted tasks, each once, as a deletion record.
    const deleted = listed.filter((l) => /\(deleted at \S+\)$/.test(l));
    expect(deleted).toHaveLength(2);
    expect(listed).toHaveLength(8);
    const named = run.stdout.match(/deleted {2}task (\d+)/g)?.map((m) => m.split(" ").at(-1));
    expect(deleted.map((l) => l.trim().split(/\s+/)[1]).sort()).toEqual([...(named ?? [])].sort());
  });
});
