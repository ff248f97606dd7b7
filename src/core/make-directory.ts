// Creating a folder and its missing parents, private by default. Not mkdir({recursive: true}): on
// Node 20 that spins for ever on a path whose parent refuses new entries with ENOENT (`/proc/x`),
// and it reports a path that exists as a file only as a cryptic EEXIST.
import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileSystemError, type FileContext } from "./fs-errors.js";

/** Folders the connector creates: readable by their owner only (the export is a workspace's data). */
export const PRIVATE_FOLDER_MODE = 0o700;
/** Files the connector creates. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Create `path` and any missing parent (each with `mode`; existing ones are left as they are).
 * Throws a ConnectorError naming the path and the fix when the file system refuses.
 */
export async function makeDirectory(path: string, context: FileContext = {}, mode = PRIVATE_FOLDER_MODE): Promise<void> {
  const full = resolve(path);
  const missing: string[] = [];
  // Walk up to the deepest folder that exists: each step is one stat, so this ends at the root.
  for (let current = full; ; ) {
    const kind = await kindOf(current, context);
    if (kind === "folder") break;
    if (kind === "other") throw notAFolder(current, context);
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      await mkdir(folder, { mode });
    } catch (error) {
      // Another process may have made it meanwhile: fine if it is a folder.
      if ((error as NodeJS.ErrnoException).code === "EEXIST" && (await kindOf(folder, context)) === "folder") continue;
      throw fileSystemError(error, folder, { doing: "create the folder", ...context }) ?? error;
    }
  }
}

async function kindOf(path: string, context: FileContext): Promise<"folder" | "other" | "missing"> {
  try {
    return (await stat(path)).isDirectory() ? "folder" : "other";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw fileSystemError(error, path, { doing: "look at", ...context }) ?? error;
  }
}

function notAFolder(path: string, context: FileContext): Error {
  const error = Object.assign(new Error(`EEXIST: not a folder, mkdir '${path}'`), { code: "EEXIST", syscall: "mkdir", path });
  return fileSystemError(error, path, { doing: "create the folder", ...context }) ?? error;
}
