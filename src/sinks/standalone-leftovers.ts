// What a killed standalone sync leaves in its output folder, and how the next run clears it before it
// writes anything: its temporaries (only names our writers give; a file of anyone else is never
// touched), and the data files it had already renamed to their final names when it was killed before
// writing the manifest (no manifest lists them, so a glob read of the folder would count their rows
// twice once the next sync exports them again: the state never advanced past them).
import { readFile, readdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Logger } from "../core/logger.js";
import { isTempNameFor } from "./files/atomic.js";
import { isTempPartName } from "./files/rotating.js";
import { manifestSchema } from "./standalone-manifest.js";

/** The folder of the manifests, under the output folder. */
export const MANIFESTS = "_manifests";

/** `2026-11-28T17:14:03.123Z` -> `20261128T171403123Z`: sortable, and valid on every file system. */
export function fileSafeTime(iso: string): string {
  return iso.replace(/[-:.]/g, "");
}

/** A published data file's name: `<fileSafeTime of the export's created_at>-<part>.<ext>`; the time, when it is one. */
function publishedTime(name: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-\d{5}\.[a-z0-9]+(\.[a-z0-9]+)?$/.exec(name);
  if (m === null) return undefined;
  const time = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  return Number.isNaN(time) ? undefined : time;
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/**
 * Delete the temporary files a killed run left: parts in the stream folders, and the atomic-write
 * temporaries of manifests, the state file and its pending side file. Returns how many.
 */
export async function removeStaleTemporaries(outDir: string, streams: readonly string[], statePath: string): Promise<number> {
  let removed = 0;
  const remove = async (dir: string, mine: (name: string) => boolean): Promise<void> => {
    for (const name of (await namesIn(dir)).filter(mine)) {
      await rm(join(dir, name), { force: true });
      removed++;
    }
  };
  for (const stream of streams) await remove(join(outDir, stream), isTempPartName);
  await remove(join(outDir, MANIFESTS), (name) => {
    const target = /^\.(\d+\.json)\./.exec(name)?.[1];
    return target !== undefined && isTempNameFor(name, target);
  });
  const state = basename(statePath);
  await remove(dirname(statePath), (name) => isTempNameFor(name, state) || isTempNameFor(name, `.${state}.pending`));
  return removed;
}

/**
 * Delete the data files that no manifest lists and that are newer than every manifest: the ones a
 * run killed between renaming its files and writing its manifest published. Files older than the
 * newest manifest are left alone (a user may have pruned manifests), as is everything when a
 * manifest cannot be read. Returns the paths removed, relative to the output folder.
 */
export async function removeUnlistedFiles(outDir: string, streams: readonly string[], stateExists: boolean, logger: Logger): Promise<string[]> {
  const listed = new Set<string>();
  let newest = Number.NEGATIVE_INFINITY;
  const manifests = (await namesIn(join(outDir, MANIFESTS))).filter((n) => /^\d+\.json$/.test(n));
  for (const name of manifests) {
    const parsed = manifestSchema.safeParse(await readFile(join(outDir, MANIFESTS, name), "utf8").then(JSON.parse, () => undefined).catch(() => undefined));
    if (!parsed.success) {
      logger("warn", `The manifest ${join(outDir, MANIFESTS, name)} cannot be read, so files no manifest lists are left in place.`);
      return [];
    }
    for (const entry of Object.values(parsed.data.streams)) for (const file of entry.files) listed.add(file.path);
    newest = Math.max(newest, Date.parse(parsed.data.export_created_at));
  }
  // No manifest but a state file: manifests were removed by hand; nothing can be told apart.
  if (manifests.length === 0 && stateExists) return [];
  const removed: string[] = [];
  for (const stream of streams) {
    for (const name of await namesIn(join(outDir, stream))) {
      const time = publishedTime(name);
      const path = `${stream}/${name}`;
      if (time === undefined || listed.has(path) || time <= newest) continue;
      await rm(join(outDir, stream, name), { force: true });
      removed.push(path);
    }
  }
  if (removed.length > 0) {
    logger(
      "warn",
      `Removed ${removed.length} data file(s) that no manifest lists, published by a sync that was stopped before ` +
        `writing its manifest (${removed.slice(0, 3).join(", ")}${removed.length > 3 ? ", ..." : ""}). The state never ` +
        `advanced past them, so this sync exports their rows again.`,
    );
  }
  return removed;
}
