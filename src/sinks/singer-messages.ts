// Singer message encoding: one JSON object per line. A leaf: it knows the protocol (Singer spec plus
// the Meltano SDK's ACTIVATE_VERSION and BATCH), nothing of the sync that feeds it.

/** Encoding of BATCH files, as the Meltano SDK names it. */
export interface BatchEncoding {
  format: "jsonl" | "parquet";
  compression: "gzip" | "none";
}

/** What a SCHEMA message declares about a stream. */
export interface SchemaMessageInput {
  stream: string;
  schema: object;
  keyProperties: readonly string[];
  /** The replication key of an incremental stream; empty for full-table streams. */
  bookmarkProperties: readonly string[];
}

/** A SCHEMA message line. */
export function schemaMessage(input: SchemaMessageInput): string {
  return JSON.stringify({
    type: "SCHEMA",
    stream: input.stream,
    schema: input.schema,
    key_properties: input.keyProperties,
    bookmark_properties: input.bookmarkProperties,
  });
}

/**
 * The text around a record's raw JSON in a RECORD line: `${head}${raw}${tail}`. The raw line was
 * parsed and checked upstream, so it is spliced in rather than stringified a second time.
 */
export function recordFrame(stream: string, timeExtracted: string, version?: number): { head: string; tail: string } {
  const versionPart = version === undefined ? "" : `,"version":${version}`;
  return {
    head: `{"type":"RECORD","stream":${JSON.stringify(stream)},"record":`,
    tail: `${versionPart},"time_extracted":${JSON.stringify(timeExtracted)}}`,
  };
}

/** A STATE message line; `value` is the whole state (`{"bookmarks": {...}}`). */
export function stateMessage(value: object): string {
  return JSON.stringify({ type: "STATE", value });
}

/** An ACTIVATE_VERSION message line: the target may drop rows of the stream with an older version. */
export function activateVersionMessage(stream: string, version: number): string {
  return JSON.stringify({ type: "ACTIVATE_VERSION", stream, version });
}

/** A BATCH message line: files (file:// URLs) holding raw records of the stream. */
export function batchMessage(stream: string, encoding: BatchEncoding, manifest: readonly string[]): string {
  return JSON.stringify({ type: "BATCH", stream, encoding, manifest });
}
