// The seeded, deterministic Asana workspace the emulator serves: reference data built eagerly,
// tasks and messages generated per slot on demand, mutations kept in a small overlay (which a
// snapshot copies, so an export sees the workspace as it was when its job was created).
import { freezeContext, type GenContext } from "./context.js";
import { buildCustomFields, CUSTOM_FIELD_COUNT } from "./custom-fields.js";
import { GidSpace, KIND } from "./gids.js";
import { generateMessage } from "./message.js";
import { RoundRunner } from "./mutate-round.js";
import { Mutator } from "./mutations.js";
import { hashKey, PURPOSE } from "./prng.js";
import { buildReference } from "./reference.js";
import { SlotTable } from "./state.js";
import { generateTask } from "./task.js";
import { generateTeam } from "./team.js";
import { isoTime } from "./time.js";
import { MutationError } from "../mutation-error.js";
import type { AsanaObject, EmulatorClock, MutationResult, ResourceType, Workspace, WorkspaceView } from "../workspace.js";


/** How big a workspace to generate, from which seed, on which clock. */
export interface WorkspaceOptions {
  seed: number;
  tasks: number;
  teams: number;
  messages: number;
  /** Users in the workspace (default 100). */
  users?: number;
  /** Projects in the workspace (default 24). */
  projects?: number;
  clock: EmulatorClock;
  /** Every this many tasks (from slot 49) one has notes over 100 KB (default 5000). */
  largeNoteEvery?: number;
}

const MAX_SLOTS = 100_000_000;

function checkCount(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`WorkspaceOptions.${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/** Build a seeded workspace whose objects are generated on demand. */
export function createWorkspace(options: WorkspaceOptions): Workspace {
  const seed = checkCount("seed", options.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const gids = new GidSpace(hashKey(seed, PURPOSE.workspace, 1));
  const ref = buildReference(
    seed,
    gids,
    checkCount("users", options.users ?? 100, 1, 10_000),
    checkCount("projects", options.projects ?? 24, 0, 10_000),
    CUSTOM_FIELD_COUNT,
  );
  const ctx: GenContext = {
    seed,
    ref,
    fields: buildCustomFields(ref),
    start: options.clock.now(),
    largeNoteEvery: checkCount("largeNoteEvery", options.largeNoteEvery ?? 5000, 1, MAX_SLOTS),
    teams: checkCount("teams", options.teams, 0, 100_000),
    tasks: new SlotTable(checkCount("tasks", options.tasks, 0, MAX_SLOTS)),
    messages: new SlotTable(checkCount("messages", options.messages, 0, MAX_SLOTS)),
    deletedTeams: new Map(),
    added: { next: 0 },
  };
  const live = view(ctx);
  const mutator = new Mutator(ctx, options.clock, live.at);
  const rounds = new RoundRunner(ctx, mutator, live.at);
  const object = (type: ResourceType, gid: string): AsanaObject => {
    const found = live.get(type, gid);
    if (found === undefined) throw new MutationError("unknown-object", `${type}: Unknown object: ${gid} (no live ${type} has this gid)`);
    return found;
  };
  const createdObject = (result: MutationResult): AsanaObject => object(result.target.resource_type, result.target.gid);

  return {
    ...live,
    snapshot() {
      const takenAt = options.clock.now();
      mutator.snapshotTaken(takenAt);
      return { ...view(freezeContext(ctx)), takenAt };
    },
    deleted(type) {
      const kind = KINDS[type];
      const entries = type === "team" ? [...ctx.deletedTeams] : [...(type === "task" ? ctx.tasks : ctx.messages).deletions()];
      return entries
        .map(([index, d]) => ({ resource_type: type, gid: gids.gid(kind, index), deleted_at: isoTime(d.at), cause: d.cause, ...(d.via === undefined ? {} : { via: d.via }) }))
        .sort((a, b) => (a.deleted_at === b.deleted_at ? (a.gid < b.gid ? -1 : 1) : a.deleted_at < b.deleted_at ? -1 : 1));
    },
    apply: (mutation) => mutator.apply(mutation),
    mutate: (round) => rounds.run(round),
    create: (type) => createdObject(mutator.apply({ kind: type === "task" ? "create-task" : "create-message" })),
    modify(type, gid) {
      rounds.modifyOne(type, mutator.liveIndex(type, gid));
      return object(type, gid);
    },
    remove(type, gid) {
      mutator.apply(type === "task" ? { kind: "delete-task", task: gid } : { kind: "delete-message", message: gid });
    },
  };
}

const KINDS = { task: KIND.task, team: KIND.team, message: KIND.message } as const;

/** The read-only view of a context: generated on demand from the seed and the overlay. */
function view(ctx: GenContext): WorkspaceView {
  const at = (type: ResourceType, index: number): AsanaObject | undefined => {
    if (!Number.isSafeInteger(index)) return undefined;
    if (type === "task") return generateTask(ctx, index);
    if (type === "message") return generateMessage(ctx, index);
    return generateTeam(ctx, index);
  };
  const slots = (type: ResourceType): number => (type === "task" ? ctx.tasks.slots : type === "message" ? ctx.messages.slots : ctx.teams);
  return {
    gid: ctx.ref.workspace.gid,
    name: ctx.ref.workspace.name,
    slots,
    at,
    *objects(type) {
      const n = slots(type);
      for (let i = 0; i < n; i++) {
        const o = at(type, i);
        if (o !== undefined) yield o;
      }
    },
    count: (type) => (type === "task" ? ctx.tasks.live : type === "message" ? ctx.messages.live : ctx.teams - ctx.deletedTeams.size),
    get(type, gid) {
      const index = ctx.ref.gids.indexOf(KINDS[type], gid);
      return index === undefined ? undefined : at(type, index);
    },
    userGids: () => ctx.ref.users.map((u) => u.gid),
  };
}
