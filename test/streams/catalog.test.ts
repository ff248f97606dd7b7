import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { STREAM_NAMES, airbyteStreams, parseConfiguredCatalog, requireStream } from "../../src/streams/index.js";
import type { AirbyteStream } from "../../src/streams/catalog.js";

/** A ConfiguredAirbyteStream as the platform sends it, built from our discovery output. */
function configured(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const discovered = airbyteStreams().find((s) => s.name === name);
  return {
    stream: discovered ?? { name, json_schema: {}, supported_sync_modes: ["full_refresh"] },
    sync_mode: "full_refresh",
    destination_sync_mode: "append",
    ...overrides,
  };
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("airbyteStreams", () => {
  const byName = (name: string): AirbyteStream => {
    const stream = airbyteStreams().find((s) => s.name === name);
    if (stream === undefined) throw new Error(name);
    return stream;
  };

  it("declares each stream with its schema, modes, cursor and primary key", () => {
    expect(airbyteStreams().map((s) => s.name)).toEqual([...STREAM_NAMES]);
    const { json_schema, ...tasks } = byName("tasks");
    expect(tasks).toEqual({
      name: "tasks",
      supported_sync_modes: ["full_refresh", "incremental"],
      source_defined_cursor: true,
      default_cursor_field: ["modified_at"],
      source_defined_primary_key: [["gid"]],
      is_resumable: true,
    });
    // The schema file's, with Airbyte's deletion column (a nullable date-time) for the streams that report deletions.
    const { _ab_cdc_deleted_at: deletion, ...own } = json_schema.properties;
    expect(deletion).toEqual({ type: ["null", "string"], format: "date-time" });
    expect({ ...json_schema, properties: own }).toEqual(requireStream("tasks", "test").schema);
    const { json_schema: teamSchema, ...teams } = byName("teams");
    expect(teamSchema).toEqual(requireStream("teams", "test").schema);
    expect(teams).toEqual({
      name: "teams",
      supported_sync_modes: ["full_refresh"],
      source_defined_cursor: false,
      source_defined_primary_key: [["gid"]],
      is_resumable: false,
    });
    expect(byName("messages").default_cursor_field).toEqual(["modified_at"]);
    const { json_schema: _valuesSchema, ...values } = byName("task_custom_field_values");
    expect(values).toEqual({
      name: "task_custom_field_values",
      supported_sync_modes: ["full_refresh", "incremental"],
      source_defined_cursor: true,
      default_cursor_field: ["task_modified_at"],
      source_defined_primary_key: [["task_gid"], ["custom_field_gid"]],
      is_resumable: true,
    });
    expect(byName("stories").default_cursor_field).toEqual(["parent_modified_at"]);
    expect(byName("task_memberships")).toMatchObject({ supported_sync_modes: ["full_refresh"], source_defined_primary_key: [["task_gid"], ["project_gid"]], is_resumable: false });
    expect(byName("users")).toMatchObject({ supported_sync_modes: ["full_refresh"], source_defined_primary_key: [["gid"]], source_defined_cursor: false });
  });

  it("returns copies a caller may change without touching the definitions", () => {
    const stream = byName("tasks");
    delete stream.json_schema.properties["name"];
    expect(byName("tasks").json_schema.properties["name"]).toBeDefined();
  });
});

describe("parseConfiguredCatalog", () => {
  it("accepts the platform's extra keys at every level", () => {
    const catalog = {
      streams: [
        configured("tasks", { sync_mode: "incremental", destination_sync_mode: "append_dedup", cursor_field: ["modified_at"],
          primary_key: [["gid"]], generation_id: 3, minimum_generation_id: 0, sync_id: 99, include_files: false }),
        configured("teams", { destination_sync_mode: "overwrite" }),
      ],
      some_future_key: { nested: true },
    };
    const [tasks, teams] = parseConfiguredCatalog(catalog);
    expect(tasks?.stream.name).toBe("tasks");
    expect(tasks?.syncMode).toBe("incremental");
    expect(tasks?.destinationSyncMode).toBe("append_dedup");
    expect(teams?.syncMode).toBe("full_refresh");
    expect(teams?.destinationSyncMode).toBe("overwrite");
  });

  it("an unchanged discovered schema selects every field, opt-ins included", () => {
    const [tasks] = parseConfiguredCatalog({ streams: [configured("tasks")] });
    expect(tasks?.selectedFields).toEqual(Object.keys(requireStream("tasks", "test").schema.properties ?? {}));
  });

  it("a trimmed json_schema selects its properties, plus gid, resource_type and the cursor", () => {
    const stream = { name: "tasks", json_schema: { type: "object", properties: { notes: {}, name: { type: "string" } } } };
    const [tasks] = parseConfiguredCatalog({ streams: [configured("tasks", { stream })] });
    expect(tasks?.selectedFields).toEqual(["gid", "resource_type", "name", "modified_at", "notes"]);
  });

  it("a json_schema without properties means the type's default fields", () => {
    const [teams] = parseConfiguredCatalog({ streams: [configured("teams", { stream: { name: "teams", json_schema: {} } })] });
    expect(teams?.selectedFields).toBeUndefined();
  });

  it("an empty catalog is valid", () => {
    expect(parseConfiguredCatalog({ streams: [] })).toEqual([]);
  });

  it("names an unknown stream and lists the valid ones", () => {
    const error = configError(() => parseConfiguredCatalog({ streams: [configured("tasks"), configured("portfolios")] }));
    expect(error.message).toBe(
      `catalog.streams[1].stream.name names stream 'portfolios', which this source does not have; valid streams: ${STREAM_NAMES.join(", ")}`,
    );
    expect(error.code).toBe("UNKNOWN_STREAM");
    expect(error.failureType).toBe("config_error");
  });

  it("refuses incremental on a full-refresh-only stream, saying what to set", () => {
    const error = configError(() => parseConfiguredCatalog({ streams: [configured("teams", { sync_mode: "incremental" })] }));
    expect(error.message).toBe(
      "catalog.streams[0]: stream 'teams' supports only full_refresh, but sync_mode is incremental; set sync_mode to full_refresh",
    );
    expect(error.code).toBe("UNSUPPORTED_SYNC_MODE");
  });

  it("refuses unknown sync modes and missing destination sync modes with the path and the choices", () => {
    const badMode = configError(() => parseConfiguredCatalog({ streams: [configured("tasks", { sync_mode: "cdc" })] }));
    expect(badMode.message).toContain('catalog.streams[0].sync_mode: must be one of full_refresh, incremental, got "cdc"');
    const { destination_sync_mode: _d, ...withoutDestination } = configured("tasks");
    const missing = configError(() => parseConfiguredCatalog({ streams: [withoutDestination] }));
    expect(missing.message).toContain(
      "catalog.streams[0].destination_sync_mode: is required (one of append, overwrite, append_dedup, update, soft_delete)",
    );
    const bad = configError(() => parseConfiguredCatalog({ streams: [configured("tasks", { destination_sync_mode: "upsert" })] }));
    expect(bad.message).toContain('destination_sync_mode: must be one of append, overwrite, append_dedup, update, soft_delete, got "upsert"');
    expect(bad.code).toBe("CATALOG_INVALID");
  });

  it("refuses a catalog that is not one", () => {
    expect(configError(() => parseConfiguredCatalog([])).message).toBe(
      "the configured catalog is invalid: catalog: must be a ConfiguredAirbyteCatalog object with a streams array",
    );
    expect(configError(() => parseConfiguredCatalog({ streams: {} })).message).toContain(
      "catalog.streams: must be an array of configured streams",
    );
    expect(configError(() => parseConfiguredCatalog({ streams: [{ sync_mode: "full_refresh" }] })).message).toContain(
      "catalog.streams[0].stream: must be the AirbyteStream object from discover",
    );
  });

  it("refuses the same stream twice", () => {
    const error = configError(() => parseConfiguredCatalog({ streams: [configured("tasks"), configured("tasks")] }));
    expect(error.message).toBe("catalog.streams[1] lists stream 'tasks' a second time; keep one entry per stream");
  });

  it("refuses selected fields the stream does not have, naming them", () => {
    const stream = { name: "teams", json_schema: { properties: { name: {}, color: {}, owner: {} } } };
    const error = configError(() => parseConfiguredCatalog({ streams: [configured("teams", { stream })] }));
    expect(error.message).toBe(
      "catalog.streams[0].stream.json_schema.properties names 'color', 'owner', not a field of stream 'teams'; " +
        "run discover again and reselect the stream's fields",
    );
    expect(error.code).toBe("UNKNOWN_FIELD");
  });
});
