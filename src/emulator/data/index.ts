// The seeded, deterministic Asana workspace the emulator serves: reference data built eagerly,
// tasks and messages generated per slot on demand, mutations kept in a small overlay.
import { type GenContext } from "./context.js";
import { buildCustomFields, CUSTOM_FIELD_COUNT } from "./custom-fields.js";
import { GidSpace, KIND } from "./gids.js";
import { generateMessage } from "./message.js";
import { Mutator } from "./mutations.js";
import { hashKey, PURPOSE } from "./prng.js";
import { buildReference } from "./reference.js";
import { SlotTable } from "./state.js";
import { generateTask } from "./task.js";
import { generateTeam } from "./team.js";
import type { AsanaObject, EmulatorClock, ResourceType, Workspace } from "../workspace.js";


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
  };
  const at = (type: ResourceType, index: number): AsanaObject | undefined => {
    if (!Number.isSafeInteger(index)) return undefined;
    if (type === "task") return generateTask(ctx, index);
    if (type === "message") return generateMessage(ctx, index);
    return generateTeam(ctx, index);
  };
  const mutator = new Mutator(ctx, options.clock, at);
  const slots = (type: ResourceType): number =>
    type === "task" ? ctx.tasks.slots : type === "message" ? ctx.messages.slots : ctx.teams;
  const kinds = { task: KIND.task, team: KIND.team, message: KIND.message } as const;
  const mutable = (type: ResourceType): "task" | "message" => {
    if (type !== "task" && type !== "message") throw new Error(`${String(type)}s are not mutable`);
    return type;
  };

  return {
    gid: ref.workspace.gid,
    name: ref.workspace.name,
    slots,
    at,
    *objects(type) {
      const n = slots(type);
      for (let i = 0; i < n; i++) {
        const o = at(type, i);
        if (o !== undefined) yield o;
      }
    },
    count: (type) => (type === "task" ? ctx.tasks.live : type === "message" ? ctx.messages.live : ctx.teams),
    get(type, gid) {
      const index = gids.indexOf(kinds[type], gid);
      return index === undefined ? undefined : at(type, index);
    },
    userGids: () => ref.users.map((u) => u.gid),
    create: (type) => mutator.create(mutable(type)),
    modify: (type, gid) => mutator.modify(mutable(type), gid),
    remove(type, gid) {
      mutator.remove(mutable(type), gid);
    },
    mutate: (round) => mutator.mutate(round),
  };
}
