// Durable file replacement: write a temporary file beside the target, fsync it, rename it over the
// target, fsync the folder. A reader sees the old file or the new one, never a part of either.
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { PRIVATE_FILE_MODE, makeDirectory } from "../../core/make-directory.js";

/** Flush a folder's entries (renames, creations) to disk; a no-op where folders cannot be opened (Windows). */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Some platforms refuse fsync on directories; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

/** A hidden temporary name beside `path`, unique to this call. */
export function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.partial`);
}

/** Whether a file name is one tempNameFor gave for a target named `targetName` (so it is ours to remove). */
export function isTempNameFor(name: string, targetName: string): boolean {
  return name.startsWith(`.${targetName}.`) && /^\.[0-9a-f]{8}\.partial$/.test(name.slice(targetName.length + 1));
}

/** Replace `path` with `text` atomically and durably (creating its folder); both private to their owner. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await makeDirectory(dirname(path));
  const temp = tempNameFor(path);
  try {
    const handle = await open(temp, "wx", PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dirname(path));
}
