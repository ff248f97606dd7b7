// The seeded, deterministic Asana workspace the emulator serves (first minimal version; grows).
import type { AsanaObject, EmulatorClock, MutationSummary, ResourceType, Workspace } from "../workspace.js";

export { FIELDS } from "./fields.js";

/** How big a workspace to generate, from which seed, on which clock. */
export interface WorkspaceOptions {
  seed: number;
  tasks: number;
  teams: number;
  messages: number;
  users?: number;
  projects?: number;
  clock: EmulatorClock;
  largeNoteEvery?: number;
}

/** Build a seeded workspace whose objects are generated on demand. */
export function createWorkspace(options: WorkspaceOptions): Workspace {
  const base = 1_200_000_000_000_000 + (options.seed % 90) * 10_000_000_000_000;
  const offsets: Record<ResourceType, number> = { task: 20, team: 2, message: 21 };
  const counts: Record<ResourceType, number> = { task: options.tasks, team: options.teams, message: options.messages };
  const gid = String(base);
  const make = (type: ResourceType, i: number): AsanaObject => ({
    gid: String(base + offsets[type] * 10_000_000_000 + i),
    resource_type: type,
    name: `${type} ${i}`,
    modified_at: new Date(options.clock.now() - 1000).toISOString(),
  });
  const empty = (): MutationSummary => ({ created: [], modified: [], deleted: [] });
  const ws: Workspace = {
    gid,
    name: `Workspace ${options.seed}`,
    slots: (type) => counts[type],
    at: (type, i) => (i >= 0 && i < counts[type] ? make(type, i) : undefined),
    *objects(type) {
      for (let i = 0; i < counts[type]; i++) yield make(type, i);
    },
    count: (type) => counts[type],
    get: (type, g) => {
      const i = Number(g) - base - offsets[type] * 10_000_000_000;
      return Number.isInteger(i) && i >= 0 && i < counts[type] ? make(type, i) : undefined;
    },
    userGids: () => [],
    create: (type) => make(type, counts[type]++),
    modify: (type, g) => {
      const o = ws.get(type, g);
      if (!o) throw new Error(`no live ${type} ${g}`);
      return o;
    },
    remove: () => undefined,
    mutate: () => empty(),
  };
  return ws;
}
