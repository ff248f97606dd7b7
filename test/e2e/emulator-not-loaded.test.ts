// The emulator ships in the package, but the connector's own commands never load it: a module
// resolution hook (registered before the CLI starts) records every module the process resolves.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { scratch } from "../helpers/airbyte.js";
import { SOURCE_BIN, TAP_BIN } from "../helpers/cli.js";

const dir = scratch();
const hooks = join(dir, "record-resolved.mjs");
writeFileSync(
  hooks,
  'import { appendFileSync } from "node:fs";\n' +
    "export async function resolve(specifier, context, next) {\n" +
    "  const resolved = await next(specifier, context);\n" +
    '  appendFileSync(process.env.RESOLVED_LOG, resolved.url + "\\n");\n' +
    "  return resolved;\n" +
    "}\n",
);
const register = join(dir, "register.mjs");
writeFileSync(register, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

/** The URLs of the package's own modules a command resolved. */
function resolvedModules(bin: string, args: string[]): string[] {
  const log = join(dir, `resolved-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, "");
  const run = spawnSync(process.execPath, ["--import", pathToFileURL(register).href, bin, ...args], {
    env: { ...process.env, RESOLVED_LOG: log, ASANA_SERVICE_ACCOUNT_TOKEN: "" },
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return readFileSync(log, "utf8").split("\n").filter((url) => url.includes("/dist/src/"));
}

describe("the emulator is not loaded by the connector's commands", () => {
  it("sees the modules a command loads (the emulator command loads the emulator)", () => {
    const loaded = resolvedModules(SOURCE_BIN, ["emulator", "--help"]);
    expect(loaded.some((url) => url.endsWith("/dist/src/emulator/main.js"))).toBe(true);
  });

  it.each([
    ["source-asana-export spec", SOURCE_BIN, ["spec"]],
    ["source-asana-export sync --help", SOURCE_BIN, ["sync", "--help"]],
    ["tap-asana-export --about", TAP_BIN, ["--about"]],
  ])("%s", (_name, bin, args) => {
    const loaded = resolvedModules(bin, args);
    expect(loaded.length).toBeGreaterThan(5);
    expect(loaded.filter((url) => url.includes("/dist/src/emulator/"))).toEqual([]);
  });
});
