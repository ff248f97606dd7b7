// The selection rules of a Singer catalog given back to the tap (pure functions, no CLI): what the
// e2e runs rely on, edge by edge. (Pure logic; it sits with the Singer tests it supports.)
import { describe, expect, it } from "vitest";
import { singerCatalog } from "../../src/sinks/singer-catalog.js";
import { parseSingerCatalog } from "../../src/sinks/singer-selection.js";
import { STREAMS, STREAM_NAMES } from "../../src/streams/index.js";
import { FIELDS } from "../../src/emulator/data/fields.js";

type Entry = ReturnType<typeof singerCatalog>["streams"][number];

/** The discovered catalog of the export's own three streams, edited. */
function catalogWith(edit: (entries: Entry[]) => void): unknown {
  const catalog = singerCatalog();
  catalog.streams = catalog.streams.filter((e) => ["tasks", "teams", "messages"].includes(e.tap_stream_id));
  edit(catalog.streams);
  return catalog;
}

const entry = (entries: Entry[], name: string): Entry => entries.find((e) => e.tap_stream_id === name) as Entry;
const root = (e: Entry): Record<string, unknown> => e.metadata[0]?.metadata as Record<string, unknown>;
const field = (e: Entry, name: string): Record<string, unknown> =>
  e.metadata.find((m) => m.breadcrumb[1] === name)?.metadata as Record<string, unknown>;

describe("parseSingerCatalog", () => {
  it("the discovered catalog as is: every stream, default fields, default replication methods", () => {
    const { streams, notes } = parseSingerCatalog(singerCatalog());
    expect(streams.map((s) => [s.stream.name, s.method])).toEqual(STREAMS.map((s) => [s.name, s.supportsIncremental ? "INCREMENTAL" : "FULL_TABLE"]));
    // The default fields as the emulator (our stand-in for Asana's documentation) knows them.
    expect([...(streams[1]?.selectedFields ?? [])].sort()).toEqual([...FIELDS.team.defaults].sort());
    expect(notes).toEqual([]);
  });

  it("selected decides over selected-by-default; legacy keys count; automatic fields stay; unsupported never", () => {
    const { streams } = parseSingerCatalog(
      catalogWith((entries) => {
        root(entry(entries, "tasks")).selected = false;
        const teams = entry(entries, "teams");
        delete root(teams)["selected-by-default"];
        (teams as unknown as Record<string, unknown>).selected = true; // legacy stream flag
        field(teams, "name").inclusion = "unsupported";
        field(teams, "html_description").selected = true; // an opt-in, asked for
        field(teams, "gid").selected = false; // automatic: ignored
        const messages = entry(entries, "messages");
        for (const m of messages.metadata.slice(1)) m.metadata.selected = false;
      }),
    );
    expect(streams.map((s) => s.stream.name)).toEqual(["teams", "messages"]);
    expect(streams[0]?.selectedFields).toContain("html_description");
    expect(streams[0]?.selectedFields).toContain("gid");
    expect(streams[0]?.selectedFields).not.toContain("name");
    expect(streams[1]?.selectedFields).toEqual(["gid", "resource_type", "modified_at"]);
  });

  it("replication-method: FULL_TABLE honoured, INCREMENTAL on teams noted, LOG_BASED and a foreign replication-key refused", () => {
    const chosen = parseSingerCatalog(
      catalogWith((entries) => {
        root(entry(entries, "tasks"))["replication-method"] = "FULL_TABLE";
        root(entry(entries, "teams"))["replication-method"] = "INCREMENTAL";
      }),
    );
    expect(chosen.streams.map((s) => s.method)).toEqual(["FULL_TABLE", "FULL_TABLE", "INCREMENTAL"]);
    expect(chosen.notes).toEqual([expect.stringContaining("'teams'")]);
    expect(() => parseSingerCatalog(catalogWith((e) => void (root(entry(e, "tasks"))["replication-method"] = "LOG_BASED")))).toThrow(
      /replication-method "LOG_BASED" is not supported by stream 'tasks'; use INCREMENTAL or FULL_TABLE/,
    );
    expect(() => parseSingerCatalog(catalogWith((e) => void (root(entry(e, "tasks"))["replication-key"] = "created_at")))).toThrow(
      /replication-key "created_at" is not valid for stream 'tasks'/,
    );
  });

  it("stale entries: unselected unknown streams and fields are ignored, selected ones are errors that say what to do", () => {
    const stale = { tap_stream_id: "portfolios", stream: "portfolios", schema: {}, metadata: [{ breadcrumb: [], metadata: { selected: false } }] };
    expect(parseSingerCatalog(catalogWith((e) => void e.push(stale as unknown as Entry))).streams).toHaveLength(3);
    const selected = { ...stale, metadata: [{ breadcrumb: [], metadata: { selected: true } }] };
    expect(() => parseSingerCatalog(catalogWith((e) => void e.push(selected as unknown as Entry)))).toThrow(`stream 'portfolios', which this source does not have; valid streams: ${STREAM_NAMES.join(", ")}`);
    const withField = (selectedFlag: boolean) =>
      catalogWith((e) => void entry(e, "tasks").metadata.push({ breadcrumb: ["properties", "colour"], metadata: { selected: selectedFlag } }));
    expect(parseSingerCatalog(withField(false)).streams).toHaveLength(3);
    expect(() => parseSingerCatalog(withField(true))).toThrow(/selects field 'colour', which stream 'tasks' does not have; run --discover again/);
  });

  it("malformed catalogs and duplicate streams are errors naming the flag and the place", () => {
    expect(() => parseSingerCatalog({ stream: [] }, "--properties")).toThrow(/^--properties: catalog\.streams must be a list/);
    expect(() => parseSingerCatalog({ streams: [{ tap_stream_id: "tasks", metadata: {} }] })).toThrow(/catalog\.streams\[0\]\.metadata must be a list/);
    expect(() => parseSingerCatalog(catalogWith((e) => void e.push(structuredClone(entry(e, "tasks")))))).toThrow(/lists stream 'tasks' a second time/);
  });
});
