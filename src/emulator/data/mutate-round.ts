// A seeded random round of mutations: counts per pool and per kind become a list of draws
// (creations first, deletions last, the rest shuffled), each draw finds a live object not yet
// targeted this round on which its kind applies, and the results add up to one summary.
import { MutationError } from "../mutation-error.js";
import { KIND_NAMES, MUTATION_KINDS, type KindSpec, type MutationKind, type MutationRound, roundSchema, describeIssues } from "../mutation-kinds.js";
import type { AsanaObject, MutationResult, MutationSummary, ResourceType } from "../workspace.js";
import type { GenContext } from "./context.js";
import { KIND } from "./gids.js";
import type { Mutator } from "./mutations.js";
import type { SlotRef } from "./plan.js";
import { PURPOSE, type Rng, rngFor } from "./prng.js";

type Generate = (type: ResourceType, index: number) => AsanaObject | undefined;
type Target = "task" | "message" | "team";

/** One draw: the kinds it may be, per target type. */
type Draw = Partial<Record<Target, readonly MutationKind[]>>;

const TYPE_KIND = { task: KIND.task, message: KIND.message, team: KIND.team } as const;

/** The kinds of a pool, per target type. */
function pool(name: "modifies" | "silent" | "moves" | "deletes"): Draw {
  const of = (type: "task" | "message"): MutationKind[] =>
    KIND_NAMES.filter((k) => {
      const spec: KindSpec = MUTATION_KINDS[k];
      if (!(spec.targets as readonly string[]).includes(type)) return false;
      if (name === "modifies") return spec.moves[type] === true;
      if (name === "silent") return spec.moves[type] === false;
      return spec.groups?.includes(name) === true;
    });
  return { task: of("task"), message: of("message") };
}

const POOLS = { modifies: pool("modifies"), silent: pool("silent"), moves: pool("moves"), deletes: pool("deletes") } as const;

function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Runs mutation rounds over one workspace; the k-th round's randomness is keyed by k. */
export class RoundRunner {
  private rounds = 0;

  constructor(
    private readonly ctx: GenContext,
    private readonly mutator: Mutator,
    private readonly generate: Generate,
  ) {}

  /** Run one round (throws a MutationError "invalid" for a bad round and changes nothing). */
  run(input: MutationRound): MutationSummary {
    const parsed = roundSchema.safeParse(input);
    if (!parsed.success) throw new MutationError("invalid", describeIssues(parsed.error, "mutation round"));
    const round = parsed.data;
    const rng = rngFor(this.ctx.seed, PURPOSE.mutateRound, this.rounds++);
    // The first before-image of every object a mutation could change, to compare with the end.
    const firstSeen = new Map<string, [SlotRef, string, unknown]>();
    this.mutator.observer = (slot, before) => {
      if (!firstSeen.has(before.gid)) firstSeen.set(before.gid, [slot, JSON.stringify(before), before.modified_at]);
    };
    try {
      return this.runRound(round, rng, firstSeen);
    } finally {
      this.mutator.observer = undefined;
    }
  }

  private runRound(round: MutationRound, rng: Rng, firstSeen: ReadonlyMap<string, [SlotRef, string, unknown]>): MutationSummary {
    const results: MutationResult[] = [];
    const touched = new Set<string>();
    const note = (result: MutationResult): void => {
      results.push(result);
      for (const ref of [result.target, ...result.created, ...result.deleted]) touched.add(ref.gid);
    };
    const creates: Array<"create-task" | "create-message"> = [];
    for (let c = 0; c < (round.creates ?? 0); c++) {
      const tasks = this.ctx.tasks.slots;
      const total = tasks + this.ctx.messages.slots;
      creates.push(total === 0 || rng.float() * total < tasks ? "create-task" : "create-message");
    }
    for (let c = 0; c < (round["create-task"] ?? 0); c++) creates.push("create-task");
    for (let c = 0; c < (round["create-message"] ?? 0); c++) creates.push("create-message");
    for (const kind of creates) note(this.mutator.apply({ kind }));

    const middle: Draw[] = [];
    for (const name of ["modifies", "silent", "moves"] as const) for (let c = 0; c < (round[name] ?? 0); c++) middle.push(POOLS[name]);
    const deletes: Draw[] = [];
    for (let c = 0; c < (round.deletes ?? 0); c++) deletes.push(POOLS.deletes);
    for (const kind of KIND_NAMES) {
      if (kind === "create-task" || kind === "create-message") continue;
      const spec: KindSpec = MUTATION_KINDS[kind];
      const draw: Draw = Object.fromEntries(spec.targets.map((t) => [t, [kind]]));
      for (let c = 0; c < (round[kind] ?? 0); c++) (spec.groups?.includes("deletes") === true || kind === "delete-team" ? deletes : middle).push(draw);
    }
    for (const draw of [...shuffle(rng, middle), ...deletes]) {
      const result = this.findAndApply(rng, draw, touched);
      if (result !== undefined) note(result);
    }
    return this.summarize(results, firstSeen);
  }

  /** One seeded change of the `modifies` pool (it moves modified_at) to a live task or message. */
  modifyOne(type: "task" | "message", index: number): MutationResult {
    const table = type === "task" ? this.ctx.tasks : this.ctx.messages;
    const rng = rngFor(this.ctx.seed, PURPOSE.modifyOne, index, table.state(index)?.version ?? 0);
    for (const kind of shuffle(rng, [...(POOLS.modifies[type] ?? [])])) {
      try {
        return this.mutator.applyAt(kind, type, index);
      } catch (error) {
        if (!(error instanceof MutationError) || error.reason !== "not-applicable") throw error;
      }
    }
    throw new MutationError("not-applicable", `no change that moves modified_at applies to ${type} ${this.ctx.ref.gids.gid(TYPE_KIND[type], index)}`);
  }

  private live(type: Target): number {
    if (type === "team") return this.ctx.teams - this.ctx.deletedTeams.size;
    return (type === "task" ? this.ctx.tasks : this.ctx.messages).live;
  }

  private slots(type: Target): number {
    return type === "team" ? this.ctx.teams : (type === "task" ? this.ctx.tasks : this.ctx.messages).slots;
  }

  /** The first type drawn in proportion to live objects, then the others. */
  private typeOrder(rng: Rng, types: Target[]): Target[] {
    const total = types.reduce((sum, t) => sum + this.live(t), 0);
    let r = rng.float() * total;
    const first = types.find((t) => (r -= this.live(t)) < 0) ?? types[0];
    return first === undefined ? [] : [first, ...types.filter((t) => t !== first)];
  }

  /** Apply one of the draw's kinds to a live object not yet touched this round, if any fits. */
  private findAndApply(rng: Rng, draw: Draw, touched: ReadonlySet<string>): MutationResult | undefined {
    for (const type of this.typeOrder(rng, Object.keys(draw) as Target[])) {
      const kinds = shuffle(rng, [...(draw[type] ?? [])]);
      const n = this.slots(type);
      const start = rng.int(Math.max(n, 1));
      for (let k = 0; k < n; k++) {
        const index = (start + k) % n;
        if (this.generate(type, index) === undefined || touched.has(this.ctx.ref.gids.gid(TYPE_KIND[type], index))) continue;
        for (const kind of kinds) {
          try {
            return this.mutator.applyAt(kind, type, index);
          } catch (error) {
            if (!(error instanceof MutationError) || error.reason !== "not-applicable") throw error;
          }
        }
      }
    }
    return undefined;
  }

  /** What the round did, net: each object compared between its first before-image and now. */
  private summarize(results: readonly MutationResult[], firstSeen: ReadonlyMap<string, [SlotRef, string, unknown]>): MutationSummary {
    const kinds: Partial<Record<MutationKind, number>> = {};
    const created: string[] = [];
    const deleted: string[] = [];
    for (const r of results) {
      kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
      for (const c of r.created) created.push(c.gid);
      for (const d of r.deleted) deleted.push(d.gid);
    }
    const fresh = new Set(created);
    const modified: string[] = [];
    const silent: string[] = [];
    for (const [gid, [slot, before, modifiedAt]] of firstSeen) {
      const now = this.generate(slot.type, slot.index);
      if (now === undefined || fresh.has(gid) || JSON.stringify(now) === before) continue;
      (now.modified_at === modifiedAt ? silent : modified).push(gid);
    }
    return { created: created.filter((g) => !deleted.includes(g)), modified, silent, deleted, kinds };
  }
}
