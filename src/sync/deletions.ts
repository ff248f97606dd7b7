// Deletions: what the destination was given of each incremental stream (given-keys.ts) against what
// this export shows. A parent (task, message) that is not among the export's live objects is gone;
// so are its child rows, and a child row missing from a re-exported parent. Each is reported once,
// as a deletion record holding the stream's keys with the cursor set to the deletion time.
import { RowRecord } from "../core/row-record.js";
import type { ExportRecord } from "../core/record.js";
import { ABSENT, JsonObjectScanner, STRING, STRING_ESCAPED } from "../export-file/json-scan.js";
import type { StreamDefinition } from "../streams/index.js";
import { KeyEncoder, valueOf, type KeyCursor } from "./key-codec.js";
import { StoredKeys, encodeKeys, reconcile, type ParentKeys } from "./given-keys.js";
import { KeyRuns, PARENT_TYPES, type ParentType } from "./key-runs.js";
import type { ExportPlan, SelectedStream } from "./plan.js";
import type { ConnectorState, GivenKeysBlob } from "./state.js";

const isParentType = (t: string): t is ParentType => t === "task" || t === "message";

/** Where a stream's keys are in its records. */
interface KeyShape {
  /** The record's own key column (a resource: `gid`; a story: `gid`; a custom field value: `custom_field_gid`). */
  readonly child: string;
  /** The parent's gid column, undefined for a resource stream (its key is its own parent). */
  readonly parent: string | undefined;
  /** The parent's type column, when the stream has parents of several types. */
  readonly parentType: string | undefined;
  /** The cursor column a deletion record carries (the deletion time). */
  readonly cursor: string;
}

function keyShape(definition: StreamDefinition): KeyShape | undefined {
  const source = definition.source;
  if (definition.cursorField === undefined) return undefined;
  if (source.kind === "resource") return { child: "gid", parent: undefined, parentType: undefined, cursor: definition.cursorField };
  if (source.kind !== "children") return undefined;
  const child = definition.primaryKey.find((k) => k !== source.parentColumns.gid);
  if (child === undefined) return undefined;
  return { child, parent: source.parentColumns.gid, parentType: source.parentColumns.resourceType, cursor: definition.cursorField };
}

/**
 * The streams whose deletions a job reports: incremental ones with keys it can remember; with
 * `objects`, only the resource streams (tasks, messages), not their child rows.
 */
export function trackedStreams(streams: readonly SelectedStream[], job: ExportPlan, track: "rows" | "objects" | "off"): SelectedStream[] {
  if (track === "off") return [];
  return streams.filter(
    (s) => s.incremental && job.streams.includes(s.definition.name) && keyShape(s.definition) !== undefined && (track === "rows" || s.definition.source.kind === "resource"),
  );
}

/** The parents fed to some tracked child streams, of one type: shared by the streams fed the same lines. */
export class FedParents {
  private readonly gids = new KeyRuns();

  constructor(private readonly type: ParentType) {}

  /** A parent line fed (a gid that is no 64-bit decimal has no rows to track). */
  add(gid: string): void {
    this.gids.addGid(gid, this.type);
  }

  /** The gids sorted, for one of the streams sharing them (each walks them once). */
  sorted(): KeyCursor {
    return this.gids.cursor();
  }
}

const NO_PARENTS: Record<ParentType, FedParents> = { task: new FedParents("task"), message: new FedParents("message") };

class StreamKeys {
  readonly emitted = new KeyRuns();
  /** The parents it was fed, per type (a child stream's; a resource stream needs none). */
  readonly fed: Record<ParentType, FedParents> = { ...NO_PARENTS };
  private readonly scanner: JsonObjectScanner | undefined;
  untrackable = 0;

  constructor(
    readonly definition: StreamDefinition,
    readonly shape: KeyShape,
  ) {
    this.scanner = shape.parent === undefined ? undefined : new JsonObjectScanner([shape.parent, shape.child, ...(shape.parentType === undefined ? [] : [shape.parentType])]);
  }

  note(record: ExportRecord): void {
    if (this.scanner === undefined) {
      if (!isParentType(record.resourceType) || !this.emitted.add(record.gid, record.gid, record.resourceType)) this.untrackable++;
      return;
    }
    const bytes = record.rawBytes;
    const scanner = this.scanner;
    if (!scanner.scan(bytes, 0, bytes.length)) {
      this.untrackable++;
      return;
    }
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const text = (k: number): string | undefined => {
      const kind = scanner.kinds[k] ?? ABSENT;
      const start = scanner.starts[k] ?? 0;
      const end = scanner.ends[k] ?? 0;
      if (kind === STRING) return buf.toString("utf8", start, end);
      if (kind === STRING_ESCAPED) return JSON.parse(buf.toString("utf8", start - 1, end + 1)) as string;
      return undefined;
    };
    const type = this.shape.parentType === undefined ? record.resourceType : (text(2) ?? "");
    if (!isParentType(type) || !this.emitted.add(text(0) ?? "", text(1) ?? "", type)) this.untrackable++;
  }

  /** A deletion record of one key (its words and parent type index). */
  deletion(key: Uint32Array, typeIndex: number, deletedAt: string): ExportRecord {
    const type = PARENT_TYPES[typeIndex] ?? "task";
    const shape = this.shape;
    const row: Record<string, unknown> = {};
    if (shape.parent === undefined) {
      row.gid = String(valueOf(key, 0));
      row.resource_type = type;
    } else {
      row[shape.child] = String(valueOf(key, 2));
      row[shape.parent] = String(valueOf(key, 0));
      if (shape.parentType !== undefined) row[shape.parentType] = type;
    }
    row[shape.cursor] = deletedAt;
    return new RowRecord(row, { resourceType: type, line: 0, offset: 0 }, deletedAt);
  }
}

/** What a job's end hands over: deletion records per stream and the keys each stream's state keeps. */
export interface DeletionResult {
  readonly records: Map<string, ExportRecord[]>;
  readonly given: Map<string, GivenKeysBlob>;
  /** Streams with rows whose keys are no 64-bit decimal gids (their deletions cannot be told). */
  readonly untrackable: Map<string, number>;
}

/** Follows one export job's tracked streams. */
export class DeletionTracker {
  private readonly streams = new Map<string, StreamKeys>();
  private readonly live = new Map<ParentType, KeyRuns>();

  constructor(tracked: readonly SelectedStream[], job: ExportPlan) {
    for (const s of tracked) {
      const shape = keyShape(s.definition);
      if (shape !== undefined) this.streams.set(s.definition.name, new StreamKeys(s.definition, shape));
    }
    // A type's live objects are known when its export is complete (every object, not only changed ones).
    for (const route of job.routes) if (route.complete && isParentType(route.resourceType)) this.live.set(route.resourceType, new KeyRuns());
  }

  /** Whether the tracker wants a line's gid as a live object. */
  wantsLive(type: string): boolean {
    return isParentType(type) && this.live.has(type);
  }

  /** A line of the export: its object exists. */
  noteLive(type: string, gid: string): void {
    if (isParentType(type)) this.live.get(type)?.addGid(gid, type);
  }

  /** Whether a stream's records are followed. */
  tracks(stream: string): boolean {
    return this.streams.has(stream);
  }

  /**
   * Whether the parents fed to a stream must be noted: a tracked child stream's rows of a parent
   * line it is fed are exactly what it emits now. A resource stream's key is its parent, so a parent
   * it was fed is among its emitted keys: its fed parents are not collected.
   */
  followsFed(stream: string): boolean {
    return this.streams.get(stream)?.shape.parent !== undefined;
  }

  /**
   * Where the router notes the parent lines of one type it feeds to these tracked child streams
   * (they are fed the same lines: one group, one bound), so that the gids are held once for all of them.
   */
  fedParents(streams: readonly string[], type: string): FedParents | undefined {
    if (!isParentType(type)) return undefined;
    const parents = new FedParents(type);
    for (const stream of streams) {
      const keys = this.streams.get(stream);
      if (keys === undefined || keys.shape.parent === undefined) continue;
      // One feed per stream and type (a stream is in one group of a type); a second would be a planning bug.
      if (keys.fed[type] !== NO_PARENTS[type]) throw new Error(`stream ${stream} is fed ${type} lines by two groups`);
      keys.fed[type] = parents;
    }
    return parents;
  }

  /** A record emitted to a stream. */
  noteEmitted(stream: string, record: ExportRecord): void {
    this.streams.get(stream)?.note(record);
  }

  /**
   * The deletions of this export against what the state says the destination holds (once: the
   * tracker lets its keys go as it goes). `liveTrusted`
   * false (some lines were skipped as invalid, so an object may be missing without being deleted):
   * only child rows missing from re-exported parents count, no parent is judged gone.
   */
  finish(state: ConnectorState, deletedAt: string, liveTrusted: boolean): DeletionResult {
    const records = new Map<string, ExportRecord[]>();
    const given = new Map<string, GivenKeysBlob>();
    const untrackable = new Map<string, number>();
    for (const [name, keys] of this.streams) {
      const blob = state.streams[name]?.given;
      const before = blob === undefined ? StoredKeys.EMPTY : StoredKeys.decode(blob, `The state of stream '${name}'`);
      // A resource stream's keys are its parents': a given key of a parent it re-exported is among its emitted ones, so no fed set is needed.
      const fed: ParentKeys = keys.shape.parent === undefined ? {} : { task: keys.fed.task.sorted(), message: keys.fed.message.sorted() };
      // A parent type the stream does not read has no live set to judge by: only the read ones count.
      const live: ParentKeys = {};
      for (const type of PARENT_TYPES) {
        const runs = liveTrusted && readsType(keys.definition, type) ? this.live.get(type) : undefined;
        if (runs !== undefined) live[type] = runs.cursor();
      }
      const next = new KeyEncoder();
      const rows: ExportRecord[] = [];
      reconcile(before.cursor(), fed, keys.emitted.cursor(), live, next, (key, type) => rows.push(keys.deletion(key, type, deletedAt)));
      given.set(name, encodeKeys(next));
      records.set(name, rows);
      if (keys.untrackable > 0) untrackable.set(name, keys.untrackable);
      // Let the stream's keys go before the next stream's are merged.
      this.streams.delete(name);
    }
    this.live.clear();
    return { records, given, untrackable };
  }
}

function readsType(definition: StreamDefinition, type: ParentType): boolean {
  const source = definition.source;
  if (source.kind === "resource") return source.resourceType === type;
  if (source.kind === "children") return source.parents.includes(type);
  return false;
}
