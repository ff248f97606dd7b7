// The footer's `created_by`, in the form Parquet readers parse to recognise a writer and its build
// (`<application> version <semver> (build <id>)`): the package's version, and a hash of the
// writer's own code, so a file can always be traced to the code that wrote it.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { packageRoot } from "../../streams/index.js";

/** The files of the writer (this folder, compiled or not), in a stable order. */
function writerFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(js|ts)$/.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** `source-asana-export version 0.1.0 (build 1a2b3c4d5e6f)`. */
export function parquetCreatedBy(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: unknown };
  const version = typeof pkg.version === "string" ? pkg.version : "0.0.0";
  const hash = createHash("sha256");
  for (const file of writerFiles(dirname(fileURLToPath(import.meta.url)))) hash.update(readFileSync(file));
  return `source-asana-export version ${version} (build ${hash.digest("hex").slice(0, 12)})`;
}
