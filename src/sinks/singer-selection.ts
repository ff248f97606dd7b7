// A Singer catalog given back to the tap (`--catalog`, `--properties`) -> the streams to sync, their
// replication method and selected fields. Rules of the Singer spec, as the Meltano SDK applies them:
// `inclusion: automatic` is always selected and `unsupported` never; otherwise `selected` decides,
// then the legacy `selected` key (on the entry or its schema), then `selected-by-default`. The
// metadata we discovered fills what the given catalog leaves out, so a stream or field without
// metadata behaves as discovered.
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { DELETION_COLUMNS } from "../core/record.js";
import { normalizeSelection, requireStream, type StreamDefinition } from "../streams/index.js";
import { defaultReplicationMethod, fieldMetadata, streamMetadata, type ReplicationMethod } from "./singer-catalog.js";

/** A stream the catalog selects, resolved against our definitions. */
export interface SingerStreamChoice {
  stream: StreamDefinition;
  method: ReplicationMethod;
  /** Selected top-level fields, normalized (schema order; gid, resource_type and the cursor included). */
  selectedFields: string[];
}

/** The outcome of reading a catalog: the selected streams, and notes worth a log line. */
export interface SingerSelection {
  streams: SingerStreamChoice[];
  notes: string[];
}

const metadataList = z.array(
  z.looseObject({
    breadcrumb: z.array(z.union([z.string(), z.number()]), { error: "must be a list such as [] or [\"properties\", \"name\"]" }),
    metadata: z.looseObject({}, { error: "must be an object" }),
  }),
  { error: "must be a list of {breadcrumb, metadata} entries" },
);

const catalogEntry = z.looseObject({
  tap_stream_id: z.string().optional(),
  stream: z.string().optional(),
  schema: z.looseObject({ selected: z.unknown().optional(), properties: z.looseObject({}).optional() }).optional(),
  selected: z.unknown().optional(),
  replication_method: z.unknown().optional(),
  replication_key: z.unknown().optional(),
  metadata: metadataList.optional(),
});

const catalogShape = z.looseObject(
  { streams: z.array(catalogEntry, { error: "must be a list of catalog entries" }) },
  { error: "must be a Singer catalog: an object with a streams list (the output of --discover)" },
);

type Entry = z.infer<typeof catalogEntry>;
type Metadata = Record<string, unknown>;

function flag(value: unknown): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

/** Whether a breadcrumb is selected; `legacy` is the old-style `selected` key, if any. */
export function isSelected(metadata: Metadata, legacy?: unknown): boolean {
  if (metadata.inclusion === "automatic") return true;
  if (metadata.inclusion === "unsupported") return false;
  return flag(metadata.selected) ?? flag(legacy) ?? flag(metadata["selected-by-default"]) ?? false;
}

function breadcrumbMetadata(entry: Entry, breadcrumb: readonly string[]): Metadata {
  const key = JSON.stringify(breadcrumb);
  const found = entry.metadata?.find((m) => JSON.stringify(m.breadcrumb) === key);
  return found?.metadata ?? {};
}

function replicationMethod(stream: StreamDefinition, stored: Metadata, entry: Entry, where: string, notes: string[]): ReplicationMethod {
  const asked = stored["replication-method"] ?? entry.replication_method;
  if (asked === undefined || asked === null || asked === "") return defaultReplicationMethod(stream);
  if (asked !== "INCREMENTAL" && asked !== "FULL_TABLE") {
    throw new ConfigError(
      `${where}: replication-method ${JSON.stringify(asked)} is not supported by stream '${stream.name}'; use INCREMENTAL or FULL_TABLE`,
      "UNSUPPORTED_SYNC_MODE",
    );
  }
  if (asked === "INCREMENTAL" && !stream.supportsIncremental) {
    notes.push(`Stream '${stream.name}' has no replication key; it is synced FULL_TABLE (its forced-replication-method).`);
    return "FULL_TABLE";
  }
  const key = stored["replication-key"] ?? entry.replication_key;
  if (asked === "INCREMENTAL" && key !== undefined && key !== null && key !== stream.cursorField) {
    throw new ConfigError(
      `${where}: replication-key ${JSON.stringify(key)} is not valid for stream '${stream.name}'; its only valid replication key is '${String(stream.cursorField)}'`,
      "UNSUPPORTED_SYNC_MODE",
    );
  }
  return asked;
}

function selectedFields(stream: StreamDefinition, entry: Entry, where: string): string[] {
  const known = Object.keys(stream.schema.properties);
  const legacySchema = entry.schema?.properties ?? {};
  const chosen = known.filter((field) => {
    const md = { ...fieldMetadata(stream, field), ...breadcrumbMetadata(entry, ["properties", field]) };
    const legacy = legacySchema[field];
    return isSelected(md, typeof legacy === "object" && legacy !== null ? (legacy as Metadata).selected : undefined);
  });
  for (const m of entry.metadata ?? []) {
    const [kind, field, ...rest] = m.breadcrumb;
    if (kind !== "properties" || typeof field !== "string" || rest.length > 0 || known.includes(field) || field === DELETION_COLUMNS.singer) continue;
    if (m.metadata.selected === true) {
      throw new ConfigError(
        `${where} selects field '${field}', which stream '${stream.name}' does not have; run --discover again and reselect`,
        "UNKNOWN_FIELD",
      );
    }
  }
  return normalizeSelection(stream, chosen);
}

/** The streams a Singer catalog selects, in catalog order; problems are ConfigErrors saying what to fix. */
export function parseSingerCatalog(input: unknown, source = "--catalog"): SingerSelection {
  const parsed = catalogShape.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("") ?? "";
    throw new ConfigError(`${source}: catalog${path} ${issue?.message ?? "is invalid"}`, "CATALOG_INVALID");
  }
  const notes: string[] = [];
  const seen = new Set<string>();
  const streams: SingerStreamChoice[] = [];
  for (const [index, entry] of parsed.data.streams.entries()) {
    const where = `${source}: catalog.streams[${index}]`;
    const id = entry.tap_stream_id ?? entry.stream;
    if (id === undefined) throw new ConfigError(`${where} has no tap_stream_id; use the catalog that --discover printed`, "CATALOG_INVALID");
    const stored = breadcrumbMetadata(entry, []);
    const legacy = entry.selected ?? entry.schema?.selected;
    let stream: StreamDefinition;
    try {
      stream = requireStream(id, `${where}.tap_stream_id`);
    } catch (error) {
      if (!isSelected(stored, legacy)) continue; // a stale, unselected entry does no harm
      throw error;
    }
    if (seen.has(stream.name)) throw new ConfigError(`${where} lists stream '${stream.name}' a second time; keep one entry per stream`, "CATALOG_INVALID");
    seen.add(stream.name);
    const md = { ...streamMetadata(stream), ...stored };
    if (!isSelected(md, legacy)) continue;
    streams.push({ stream, method: replicationMethod(stream, stored, entry, where, notes), selectedFields: selectedFields(stream, entry, where) });
  }
  return { streams, notes };
}
