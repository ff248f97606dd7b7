import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** Whether the module at `moduleUrl` is the program node was started with (bins are symlinks). */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}
