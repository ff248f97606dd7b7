// Routing: one line of the export to N (stream, record) pairs. Each type's lines go to the groups
// of the plan (plan.ts): a group takes the lines of its parameter (known by its marker), once per gid
// (an object may come twice: two parameters, or Asana repeating it), drops lines older than a
// consumer's own bound, and hands each line to its consumers' derivers (derive.ts).
import type { ExportRecord } from "../core/record.js";
import { SeenGids } from "./seen-gids.js";
import type { DeletionTracker, FedParents } from "./deletions.js";
import { DeriveContext, compileDeriver, type Deriver, type Emit } from "./derive.js";
import { MissingCursorError } from "./errors.js";
import type { ExportPlan, LineGroup, SelectedStream } from "./plan.js";

interface CompiledConsumer {
  readonly deriver: Deriver;
  /** The stream is incremental: its lines must carry the cursor. */
  readonly incremental: boolean;
  /** Lines not modified after this (epoch ms) are not for it. */
  readonly afterMs: number | undefined;
}

/** Where the parents fed to a group's tracked child streams with one bound are noted (once for all of them). */
interface CompiledFeed {
  readonly afterMs: number | undefined;
  readonly parents: FedParents;
}

interface CompiledGroup {
  readonly marker: string | undefined;
  readonly seen: SeenGids;
  readonly consumers: readonly CompiledConsumer[];
  readonly feeds: readonly CompiledFeed[];
  readonly needsCursor: boolean;
}

/** What the router counted, for the sync's log lines. */
export interface RouteStats {
  /** Lines dropped because their object was seen already (by every group they could serve), by type. */
  duplicates: Map<string, number>;
  /** Lines of incremental streams skipped without their cursor (on_invalid_record = skip). */
  missingCursor: number;
}

/** Whether a line modified at `modifiedMs` (undefined: no cursor) is for a consumer with this bound (undefined: every line). */
function within(afterMs: number | undefined, modifiedMs: number | undefined): boolean {
  return afterMs === undefined || (modifiedMs !== undefined && modifiedMs > afterMs);
}

/** Routes the lines of one export job. */
export class Router {
  private readonly groups = new Map<string, CompiledGroup[]>();
  private readonly derivers: Deriver[] = [];
  readonly stats: RouteStats = { duplicates: new Map(), missingCursor: 0 };
  /** Top-level fields the lines must keep spans for (markers, cursor, derived fields). */
  readonly fields: readonly string[];
  /** Resource types the reference streams find anywhere in a line, in the order the decode must index them. */
  readonly referenceTypes: readonly string[];

  constructor(
    plan: ExportPlan,
    private readonly onInvalidRecord: "fail" | "skip",
    private readonly deletions?: DeletionTracker,
  ) {
    const derivers = new Map<string, Deriver>();
    const shared = new DeriveContext();
    const fields = new Set<string>();
    const deriverOf = (stream: SelectedStream, extra: ReadonlySet<string>): Deriver => {
      let deriver = derivers.get(stream.definition.name);
      if (deriver === undefined) {
        deriver = compileDeriver(stream, stream.definition.source.kind === "resource" ? extra : new Set(), shared);
        derivers.set(stream.definition.name, deriver);
        this.derivers.push(deriver);
        for (const f of deriver.fields) fields.add(f);
      }
      return deriver;
    };
    for (const route of plan.routes) {
      // A resource stream's lines are cut of the fields asked for other streams: their spans are kept.
      for (const f of route.extraFields) fields.add(f);
      const compile = (group: LineGroup): CompiledGroup => {
        if (group.marker !== undefined) fields.add(group.marker);
        const consumers = group.consumers.map((c) => ({
          deriver: deriverOf(c.stream, route.extraFields),
          incremental: c.stream.incremental && c.stream.definition.supportsIncremental,
          afterMs: c.after === undefined ? undefined : Date.parse(c.after),
        }));
        const needsCursor = consumers.some((c) => c.incremental || c.afterMs !== undefined);
        if (needsCursor) fields.add("modified_at");
        // The tracked streams of the group with the same bound are fed the same lines: one set of their parents.
        const feeds: CompiledFeed[] = [];
        const bounds = new Map<number | undefined, string[]>();
        for (const { deriver, afterMs } of consumers) {
          if (deletions?.followsFed(deriver.stream) !== true) continue;
          const names = bounds.get(afterMs);
          if (names === undefined) bounds.set(afterMs, [deriver.stream]);
          else names.push(deriver.stream);
        }
        for (const [afterMs, names] of bounds) {
          const parents = deletions?.fedParents(names, route.resourceType);
          if (parents !== undefined) feeds.push({ afterMs, parents });
        }
        return { marker: group.marker, seen: new SeenGids(), consumers, feeds, needsCursor };
      };
      this.groups.set(route.resourceType, [route.wide, route.narrow].filter((g): g is LineGroup => g !== undefined).map(compile));
    }
    this.fields = [...fields];
    this.referenceTypes = shared.referenceTypes;
  }

  /** The resource types this job exports. */
  get types(): ReadonlySet<string> {
    return new Set(this.groups.keys());
  }

  /** Hand one line to every stream it feeds. */
  route(line: ExportRecord, emit: Emit): void {
    const groups = this.groups.get(line.resourceType);
    if (groups === undefined) return;
    // Every line of a complete export is a live object, whatever group takes it (or none).
    if (this.deletions?.wantsLive(line.resourceType) === true) this.deletions.noteLive(line.resourceType, line.gid);
    let taken = false;
    let served = false;
    for (const group of groups) {
      if (group.marker !== undefined && !line.has(group.marker)) continue;
      served = true;
      if (!group.seen.add(line.gid)) continue;
      taken = true;
      let modifiedMs: number | undefined;
      if (group.needsCursor) {
        if (!line.hasString("modified_at")) {
          if (group.consumers.some((c) => c.incremental)) {
            if (this.onInvalidRecord === "fail") {
              const stream = group.consumers.find((c) => c.incremental)?.deriver.stream ?? "";
              throw new MissingCursorError(stream, line.gid, "modified_at", line.line);
            }
            this.stats.missingCursor++;
            continue;
          }
        } else modifiedMs = Date.parse(line.field("modified_at") as string);
      }
      for (const feed of group.feeds) if (within(feed.afterMs, modifiedMs)) feed.parents.add(line.gid);
      for (const consumer of group.consumers) if (within(consumer.afterMs, modifiedMs)) consumer.deriver.derive(line, emit);
    }
    if (served && !taken) this.stats.duplicates.set(line.resourceType, (this.stats.duplicates.get(line.resourceType) ?? 0) + 1);
  }

  /** The end of the export: the streams that collect (references) hand out their rows. */
  finish(emit: Emit): void {
    for (const deriver of this.derivers) deriver.finish?.(emit);
  }
}
