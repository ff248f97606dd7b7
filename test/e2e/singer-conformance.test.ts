// The Meltano SDK's standard tap tests, mirrored through the built `tap-asana-export` against the
// emulator: CLI prints, discovery and its round trip, valid final state, stream and attribute checks.
// Also the command line itself: --config merging and usage errors.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { STREAMS, alwaysSelected } from "../../src/streams/index.js";
import { expectedRows, rowKey } from "../helpers/truth.js";
import { conformanceProblems } from "../helpers/singer-conformance.js";
import { discover, emulatorConfig, tap, tapArgs, tapSync, type Json, type TapRun } from "../helpers/singer.js";

const spec = JSON.parse(readFileSync(new URL("../../spec.json", import.meta.url), "utf8")) as { connectionSpecification: Json };
const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string; bin: Record<string, string> };

let em: Emulator;
let catalog: { streams: Json[] };
let roundTrip: TapRun;

beforeAll(async () => {
  em = await startEmulator({ seed: 21, tasks: 300, teams: 5, messages: 60 });
  catalog = await discover(emulatorConfig(em));
  // Discovery round trip: the printed catalog is the input of the sync, as Meltano passes it.
  roundTrip = await tapSync({ configs: [emulatorConfig(em)], catalog });
});
afterAll(async () => em.close());

describe("tap-asana-export: CLI prints", () => {
  it("prints --about (text, json, markdown), --help and --version", async () => {
    const [text, json, markdown, help, version] = await Promise.all([
      tap(["--about"]),
      tap(["--about", "--format", "json"]),
      tap(["--about", "--format", "markdown"]),
      tap(["--help"]),
      tap(["--version"]),
    ]);
    for (const r of [text, json, markdown, help, version]) expect(r.code, r.stderr).toBe(0);
    const about = JSON.parse(json.stdout) as Json;
    expect(about.name).toBe("tap-asana-export");
    expect(about.version).toBe(pkg.version);
    expect(typeof about.description).toBe("string");
    expect(about.capabilities).toEqual(expect.arrayContaining(["about", "catalog", "discover", "state", "batch", "activate-version"]));
    expect(about.settings).toEqual(spec.connectionSpecification);
    expect(markdown.stdout).toMatch(/^# `tap-asana-export`/);
    expect(markdown.stdout).toContain("| workspace | True |");
    expect(markdown.stdout).toContain("- `activate-version`");
    expect(text.stdout).toContain(`Version: ${pkg.version}`);
    expect(help.stdout).toContain("--properties");
    expect(version.stdout.trim()).toBe(`tap-asana-export v${pkg.version}`);
  });
});

describe("tap-asana-export: discovery", () => {
  it("describes every stream with Singer metadata breadcrumbs", () => {
    expect(catalog.streams.map((s) => s.tap_stream_id)).toEqual(STREAMS.map((s) => s.name));
    for (const def of STREAMS) {
      const entry = catalog.streams.find((s) => s.tap_stream_id === def.name) as Json & { metadata: { breadcrumb: string[]; metadata: Json }[] };
      expect(entry.stream).toBe(def.name);
      // The schema file's, plus Singer's deletion column on the streams whose deletions are reported.
      const deletion = def.supportsIncremental ? ["_sdc_deleted_at"] : [];
      const { _sdc_deleted_at: column, ...own } = (entry.schema as { properties: Json }).properties;
      expect(column).toEqual(def.supportsIncremental ? { type: ["null", "string"], format: "date-time" } : undefined);
      expect({ ...(entry.schema as Json), properties: own }).toEqual(def.schema);
      const root = entry.metadata.find((m) => m.breadcrumb.length === 0)?.metadata;
      expect(root).toMatchObject({ inclusion: "available", "selected-by-default": true, "table-key-properties": [...def.primaryKey] });
      if (def.supportsIncremental) {
        expect(root?.["valid-replication-keys"]).toEqual([def.cursorField]);
        expect(root?.["forced-replication-method"]).toBeUndefined();
      } else {
        expect(root?.["forced-replication-method"]).toBe("FULL_TABLE");
        expect(root?.["valid-replication-keys"]).toBeUndefined();
      }
      const fields = entry.metadata.filter((m) => m.breadcrumb.length > 0);
      expect(fields.map((m) => m.breadcrumb)).toEqual([...Object.keys(def.schema.properties), ...deletion].map((f) => ["properties", f]));
      const automatic = fields.filter((m) => m.metadata.inclusion === "automatic").map((m) => m.breadcrumb[1]);
      expect(automatic).toEqual([...alwaysSelected(def), ...deletion]);
      expect(automatic).toEqual(expect.arrayContaining([...def.primaryKey, ...(def.cursorField === undefined ? [] : [def.cursorField])]));
      for (const m of fields) expect(["automatic", "available"]).toContain(m.metadata.inclusion);
    }
  });

  it("round trip: the discovered catalog syncs every stream and passes the standard tap tests", () => {
    expect(roundTrip.code, roundTrip.stderr).toBe(0);
    expect(conformanceProblems(roundTrip)).toEqual([]);
    for (const def of STREAMS) {
      const keys = (roundTrip.records.get(def.name) ?? []).map((r) => rowKey(r, def.primaryKey)).sort();
      expect(keys, def.name).toEqual(expectedRows(em.workspace, def.name).map((r) => rowKey(r, def.primaryKey)).sort());
      const schema = roundTrip.schemas.get(def.name) as Json;
      expect(schema.key_properties).toEqual([...def.primaryKey]);
      expect(schema.bookmark_properties).toEqual(def.supportsIncremental ? [def.cursorField] : []);
    }
    for (const m of roundTrip.recordMessages.get("tasks") ?? []) expect(Number.isNaN(Date.parse(String(m.time_extracted)))).toBe(false);
    expect(roundTrip.stdout).not.toContain(em.token);
    expect(roundTrip.stderr).not.toContain(em.token);
    expect(roundTrip.stderr).toMatch(/INFO .*Export .* is ready/);
  });
});

describe("tap-asana-export: command line", () => {
  it("merges --config files: a later file's top-level key replaces an earlier one's whole", async () => {
    const good = emulatorConfig(em);
    const batch = { batch_config: { encoding: { format: "jsonl" } } };
    const [overridden, shallow] = await Promise.all([
      // The first file's bad workspace is replaced by the second's.
      tap(["--discover", ...tapArgs({ configs: [{ ...good, workspace: "acme" }, { workspace: good.workspace }] })]),
      // batch_config of the second file replaces the first's whole: its encoding is gone.
      tap(["--discover", ...tapArgs({ configs: [{ ...good, ...batch }, { batch_config: { storage: { root: "/tmp" } } }] })]),
    ]);
    expect(overridden.code, overridden.stderr).toBe(0);
    expect(shallow.code).toBe(1);
    expect(shallow.stderr).toContain("config.batch_config.encoding is missing");
    expect(shallow.stderr).not.toContain(em.token);
  });

  it("refuses unknown flags and incomplete command lines with a message on stderr and exit 1", async () => {
    const config = tapArgs({ configs: [emulatorConfig(em)] });
    const results = await Promise.all([
      tap(["--bogus"]),
      tap(["--state", "s.json"]),
      tap(["--about", "--format", "yaml"]),
      tap([...config, "--catalog", "a.json", "--properties", "b.json"]),
    ]);
    const [unknown, none, yaml, both] = results;
    for (const r of results) {
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^tap-asana-export: /);
    }
    expect(unknown?.stderr).toContain("'--bogus'");
    expect(none?.stderr).toContain("--config is required");
    expect(yaml?.stderr).toContain("--format must be one of text, json, markdown");
    expect(both?.stderr).toContain("not both");
  });
});

describe("examples/meltano/meltano.yml", () => {
  type Extractor = {
    name: string;
    executable: string;
    pip_url?: string;
    capabilities: string[];
    settings: { name: string; kind: string; sensitive?: boolean }[];
    select: string[];
    metadata: Record<string, Json>;
  };
  const project = parse(readFileSync(new URL("../../examples/meltano/meltano.yml", import.meta.url), "utf8")) as { plugins: { extractors: Extractor[] } };
  const tapDef = project.plugins.extractors.find((e) => e.name === "tap-asana-export") as Extractor;

  it("defines the installed executable with its capabilities, typed settings and a sensitive token", () => {
    expect(pkg.bin[tapDef.executable]).toBe("dist/src/cli/tap-main.js");
    expect(tapDef.pip_url).toBeUndefined();
    expect(tapDef.capabilities.sort()).toEqual(["about", "activate-version", "batch", "catalog", "discover", "state"]);
    const known = [...Object.keys(spec.connectionSpecification.properties as Json), "batch_config"];
    for (const setting of tapDef.settings) {
      expect(known, setting.name).toContain(setting.name);
      expect(setting.kind, setting.name).toEqual(expect.any(String));
    }
    expect(tapDef.settings.find((s) => s.name === "service_account_token")?.sensitive).toBe(true);
    expect(tapDef.settings.map((s) => s.name)).toEqual(expect.arrayContaining(["workspace", "start_date", "batch_config"]));
  });

  it("selects and configures only real streams and fields", () => {
    for (const pattern of tapDef.select) {
      const [stream, field] = pattern.replace(/^!/, "").split(".");
      const def = STREAMS.find((s) => s.name === stream);
      expect(def, pattern).toBeDefined();
      if (field !== "*") expect(Object.keys(def?.schema.properties ?? {}), pattern).toContain(field);
    }
    for (const stream of Object.keys(tapDef.metadata)) expect(STREAMS.map((s) => s.name)).toContain(stream);
  });
});
