// Before any test runs: tests spawn the built CLI under dist/, so dist/ must be the build of the
// sources in this tree. A dist/ older than any of its sources is rebuilt first (tsc), so a bare
// `npx vitest run` never tests a stale build. `npm test` has just built it: then this only compares
// file times. schemas/ and spec.json are read at run time from the package root, not copied into
// dist/, so they cannot be stale there.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Every .ts source under `dir` (recursive), declaration files aside. */
function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** Why dist/src is not the build of src/ (empty when it is). */
export function staleness(): string[] {
  const config = statSync(join(root, "tsconfig.json")).mtimeMs;
  const problems: string[] = [];
  for (const source of sources("src")) {
    const output = join(root, "dist", source.replace(/\.ts$/, ".js"));
    if (!existsSync(output)) problems.push(`${source} was never built`);
    else if (statSync(output).mtimeMs < Math.max(statSync(join(root, source)).mtimeMs, config)) problems.push(`${source} changed after its build`);
  }
  return problems;
}

export default function setup(): void {
  const before = staleness();
  if (before.length === 0) return;
  process.stderr.write(`dist/ is stale (${before.length} files, e.g. ${before[0]}): building it first with tsc -p tsconfig.json\n`);
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const built = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: root, encoding: "utf8" });
  if (built.status !== 0) {
    throw new Error(`dist/ is stale and the build failed; the tests would run an old CLI. Fix the build (npm run build):\n${built.stdout}${built.stderr}`);
  }
  const after = staleness();
  if (after.length > 0) throw new Error(`dist/ is still stale after building (e.g. ${after[0]}): check tsconfig.json's outDir`);
}
