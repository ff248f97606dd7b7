// Airbyte discovery (AirbyteStream) and the ConfiguredAirbyteCatalog a `read` receives.
// Protocol 0.3.2 has no column-selection key: Airbyte removes unselected columns from the configured
// stream's `json_schema.properties`, so those property names are the selection.
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { DELETION_COLUMNS } from "../core/record.js";
import { requireStream, STREAMS, type StreamDefinition } from "./definitions.js";
import { normalizeSelection, withDeletionColumn } from "./fields.js";
import { describeIssues, type JsonSchemaObject } from "./json-schema.js";

/** Airbyte sync modes. */
export const SYNC_MODES = ["full_refresh", "incremental"] as const;
/** An Airbyte sync mode. */
export type SyncMode = (typeof SYNC_MODES)[number];
/** Airbyte destination sync modes (protocol 0.3.2). */
export const DESTINATION_SYNC_MODES = ["append", "overwrite", "append_dedup", "update", "soft_delete"] as const;
/** An Airbyte destination sync mode. */
export type DestinationSyncMode = (typeof DESTINATION_SYNC_MODES)[number];

/** AirbyteStream as this source declares it in a CATALOG message. */
export interface AirbyteStream {
  name: string;
  json_schema: JsonSchemaObject;
  supported_sync_modes: SyncMode[];
  source_defined_cursor: boolean;
  default_cursor_field?: string[];
  source_defined_primary_key: string[][];
  is_resumable: boolean;
}

/** The AirbyteStream of one stream definition (a fresh copy the caller may change). */
export function airbyteStream(stream: StreamDefinition): AirbyteStream {
  const base = {
    name: stream.name,
    json_schema: structuredClone(withDeletionColumn(stream, stream.schema, DELETION_COLUMNS.airbyte)),
    supported_sync_modes: stream.supportsIncremental ? ["full_refresh", "incremental"] : ["full_refresh"],
    source_defined_cursor: stream.cursorField !== undefined,
    source_defined_primary_key: stream.primaryKey.map((column) => [column]),
    // The protocol: true when the stream supports incremental.
    is_resumable: stream.supportsIncremental,
  } satisfies AirbyteStream;
  return stream.cursorField === undefined ? base : { ...base, default_cursor_field: [stream.cursorField] };
}

/** The streams of a discover CATALOG, in catalog order. */
export function airbyteStreams(): AirbyteStream[] {
  return STREAMS.map(airbyteStream);
}

const oneOf = (values: readonly string[]) => (issue: { input?: unknown }) =>
  issue.input === undefined
    ? `is required (one of ${values.join(", ")})`
    : `must be one of ${values.join(", ")}, got ${JSON.stringify(issue.input)}`;

// Unknown keys are kept at every level: the platform adds keys over time (generation_id, sync_id, ...).
const configuredJsonSchema = z.looseObject(
  { properties: z.record(z.string(), z.looseObject({}), { error: "must map field names to schemas" }).optional() },
  { error: "must be the stream's JSON Schema (an object)" },
);
const configuredAirbyteStream = z.looseObject(
  {
    name: z.string({ error: "must be the stream name (a string)" }).min(1, "must not be empty"),
    json_schema: configuredJsonSchema,
  },
  { error: "must be the AirbyteStream object from discover" },
);
const configuredStreamSchema = z.looseObject({
  stream: configuredAirbyteStream,
  sync_mode: z.enum(SYNC_MODES, { error: oneOf(SYNC_MODES) }),
  destination_sync_mode: z.enum(DESTINATION_SYNC_MODES, { error: oneOf(DESTINATION_SYNC_MODES) }),
  cursor_field: z.array(z.string()).optional(),
  primary_key: z.array(z.array(z.string())).optional(),
});

/** zod schema of a ConfiguredAirbyteCatalog (structure only; parseConfiguredCatalog checks the meaning). */
export const configuredCatalogSchema = z.looseObject(
  { streams: z.array(configuredStreamSchema, { error: "must be an array of configured streams" }) },
  { error: "must be a ConfiguredAirbyteCatalog object with a streams array" },
);

/** One stream a `read` must sync, resolved against our definitions. */
export interface ConfiguredStream {
  readonly stream: StreamDefinition;
  readonly syncMode: SyncMode;
  readonly destinationSyncMode: DestinationSyncMode;
  /**
   * Selected top-level fields (normalized: schema order, gid, resource_type and cursor included), or
   * undefined when the configured json_schema has no `properties` (then the type's defaults).
   */
  readonly selectedFields: readonly string[] | undefined;
}

/** Parse and check a ConfiguredAirbyteCatalog; every problem is a ConfigError saying what to fix. */
export function parseConfiguredCatalog(input: unknown): ConfiguredStream[] {
  const parsed = configuredCatalogSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(`the configured catalog is invalid: ${describeIssues(parsed.error.issues, "catalog")}`, "CATALOG_INVALID");
  }
  const seen = new Set<string>();
  return parsed.data.streams.map((configured, index) => {
    const where = `catalog.streams[${index}]`;
    const stream = requireStream(configured.stream.name, `${where}.stream.name`);
    if (seen.has(stream.name)) {
      throw new ConfigError(`${where} lists stream '${stream.name}' a second time; keep one entry per stream`, "CATALOG_INVALID");
    }
    seen.add(stream.name);
    if (configured.sync_mode === "incremental" && !stream.supportsIncremental) {
      throw new ConfigError(
        `${where}: stream '${stream.name}' supports only full_refresh, but sync_mode is incremental; set sync_mode to full_refresh`,
        "UNSUPPORTED_SYNC_MODE",
      );
    }
    return {
      stream,
      syncMode: configured.sync_mode,
      destinationSyncMode: configured.destination_sync_mode,
      selectedFields: selection(stream, configured.stream.json_schema.properties, where),
    };
  });
}

function selection(
  stream: StreamDefinition,
  properties: Record<string, unknown> | undefined,
  where: string,
): readonly string[] | undefined {
  if (properties === undefined) return undefined;
  // The deletion column is ours to fill, not a field of the export.
  const names = Object.keys(properties).filter((name) => name !== DELETION_COLUMNS.airbyte);
  const unknown = names.filter((name) => stream.schema.properties[name] === undefined);
  if (unknown.length > 0) {
    throw new ConfigError(
      `${where}.stream.json_schema.properties names ${unknown.map((n) => `'${n}'`).join(", ")}, not a field of stream ` +
        `'${stream.name}'; run discover again and reselect the stream's fields`,
      "UNKNOWN_FIELD",
    );
  }
  return Object.freeze(normalizeSelection(stream, names));
}
