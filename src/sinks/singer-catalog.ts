// Singer discovery: the catalog of the streams with their metadata breadcrumbs
// (Singer spec "Metadata"; the Meltano SDK's standard stream and property metadata).
import { DELETION_COLUMNS } from "../core/record.js";
import { alwaysSelected, STREAMS, withDeletionColumn, type JsonSchemaObject, type StreamDefinition } from "../streams/index.js";

/** Singer replication methods this tap knows (LOG_BASED is refused). */
export type ReplicationMethod = "INCREMENTAL" | "FULL_TABLE";

/** Metadata of one breadcrumb: `[]` for the stream, `["properties", field]` for a top-level field. */
export interface MetadataEntry {
  breadcrumb: string[];
  metadata: Record<string, unknown>;
}

/** One stream of a Singer catalog. */
export interface SingerCatalogEntry {
  tap_stream_id: string;
  stream: string;
  schema: JsonSchemaObject;
  key_properties: string[];
  replication_key?: string;
  replication_method: ReplicationMethod;
  metadata: MetadataEntry[];
}

/** A Singer catalog, as `--discover` prints it and `--catalog` takes it back. */
export interface SingerCatalog {
  streams: SingerCatalogEntry[];
}

/** The replication method a stream uses when the catalog names none. */
export function defaultReplicationMethod(stream: StreamDefinition): ReplicationMethod {
  return stream.supportsIncremental ? "INCREMENTAL" : "FULL_TABLE";
}

/** The stream breadcrumb's metadata as discovered. */
export function streamMetadata(stream: StreamDefinition): Record<string, unknown> {
  return {
    inclusion: "available",
    "selected-by-default": true,
    "table-key-properties": [...stream.primaryKey],
    ...(stream.cursorField === undefined
      ? { "forced-replication-method": "FULL_TABLE" }
      : { "valid-replication-keys": [stream.cursorField], "replication-key": stream.cursorField }),
    "replication-method": defaultReplicationMethod(stream),
  };
}

/**
 * A field breadcrumb's metadata as discovered: gid, resource_type and the cursor are `automatic`
 * (identity, routing and state need them); opt-in fields are not selected by default, because they
 * make Asana's export larger and the export omits them unless asked.
 */
export function fieldMetadata(stream: StreamDefinition, field: string): Record<string, unknown> {
  if (alwaysSelected(stream).includes(field)) return { inclusion: "automatic", "selected-by-default": true };
  return { inclusion: "available", "selected-by-default": !stream.optInFields.includes(field) };
}

/** The Singer catalog entry of one stream (a fresh copy the caller may change). */
export function singerCatalogEntry(stream: StreamDefinition): SingerCatalogEntry {
  const metadata: MetadataEntry[] = [{ breadcrumb: [], metadata: streamMetadata(stream) }];
  for (const field of Object.keys(stream.schema.properties)) {
    metadata.push({ breadcrumb: ["properties", field], metadata: fieldMetadata(stream, field) });
  }
  // The tap fills it on deletion records of an incremental sync: always there, never chosen.
  if (stream.supportsIncremental) metadata.push({ breadcrumb: ["properties", DELETION_COLUMNS.singer], metadata: { inclusion: "automatic" } });
  return {
    tap_stream_id: stream.name,
    stream: stream.name,
    schema: structuredClone(withDeletionColumn(stream, stream.schema, DELETION_COLUMNS.singer)),
    key_properties: [...stream.primaryKey],
    ...(stream.cursorField === undefined ? {} : { replication_key: stream.cursorField }),
    replication_method: defaultReplicationMethod(stream),
    metadata,
  };
}

/** The catalog `--discover` prints: every stream, in catalog order. */
export function singerCatalog(): SingerCatalog {
  return { streams: STREAMS.map(singerCatalogEntry) };
}
