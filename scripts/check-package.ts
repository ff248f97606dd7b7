// The README's install paths, run as a user would (CI runs this after the test suite):
//   1. `npm pack` (prepack builds dist/), then `npm install -g` of the tarball into a temporary prefix;
//   2. `npm install -g` of the checkout itself (a link), into another temporary prefix.
// From each prefix, outside the repository: `source-asana-export spec`, `check` against the emulator
// the package ships (started from the installed bin too), `sync --help` and `tap-asana-export --about`.
//   node dist/scripts/check-package.js          (exit code 0 when every step passed)
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../../..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };
const work = mkdtempSync(join(tmpdir(), "asana-export-package-"));
const began = performance.now();

function step(text: string): void {
  process.stderr.write(`[check-package ${((performance.now() - began) / 1000).toFixed(1).padStart(5)}s] ${text}\n`);
}

class CheckFailed extends Error {}

function fail(text: string): never {
  throw new CheckFailed(text);
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion; a non-zero exit fails the check with its output. */
function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; allowFailure?: boolean } = {}): Run {
  const result = spawnSync(command, args, { cwd: options.cwd ?? work, env: options.env ?? process.env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) fail(`${command} ${args.join(" ")} could not start: ${result.error.message}`);
  const out = { status: result.status, stdout: result.stdout, stderr: result.stderr };
  if (out.status !== 0 && options.allowFailure !== true) {
    fail(`${command} ${args.join(" ")} exited with ${String(out.status)}\n${out.stdout.slice(-2000)}\n${out.stderr.slice(-2000)}`);
  }
  return out;
}

/** The environment of a user whose PATH starts with the prefix's bin folder. */
function userEnv(prefix: string): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${join(prefix, "bin")}${delimiter}${process.env.PATH ?? ""}`, ASANA_SERVICE_ACCOUNT_TOKEN: "" };
}

function lines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return fail(`a line of stdout is not JSON: ${l.slice(0, 200)}`);
      }
    });
}

/** Start the installed emulator and read the connector config it prints. */
async function startEmulator(env: NodeJS.ProcessEnv): Promise<{ config: Record<string, unknown>; stop(): Promise<void> }> {
  const child = spawn("source-asana-export", ["emulator", "--port", "0", "--tasks", "40", "--teams", "2", "--messages", "5", "--job-seconds", "0"], {
    cwd: work,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const exited = new Promise<void>((done) => child.once("close", () => done()));
  const config = await new Promise<Record<string, unknown>>((done, reject) => {
    child.once("error", reject);
    child.once("close", (code) => reject(new CheckFailed(`the emulator exited with ${String(code)} before it served: ${stderr}`)));
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      stdout += t;
      const m = /Connector config\.json:\n(\{[\s\S]*?\n\})\n/.exec(stdout);
      if (m?.[1] !== undefined) done(JSON.parse(m[1]) as Record<string, unknown>);
    });
  });
  return {
    config,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The commands a user runs after installing, from a folder outside the repository. */
async function exercise(label: string, prefix: string): Promise<void> {
  const env = userEnv(prefix);
  const which = run("sh", ["-c", "command -v source-asana-export && command -v tap-asana-export"], { env }).stdout.trim().split("\n");
  if (!which.every((p) => p.startsWith(prefix))) fail(`${label}: the bins on the PATH are not the installed ones: ${which.join(", ")}`);

  const spec = lines(run("source-asana-export", ["spec"], { env }).stdout);
  const onDisk = JSON.parse(readFileSync(join(root, "spec.json"), "utf8")) as unknown;
  if (spec.length !== 1 || spec[0]?.type !== "SPEC" || JSON.stringify(spec[0]?.spec) !== JSON.stringify(onDisk)) {
    fail(`${label}: \`spec\` did not print one SPEC message equal to spec.json: ${JSON.stringify(spec).slice(0, 300)}`);
  }
  step(`${label}: spec ok`);

  const emulator = await startEmulator(env);
  try {
    const configPath = join(work, `${label}-config.json`);
    writeFileSync(configPath, JSON.stringify(emulator.config));
    const status = lines(run("source-asana-export", ["check", "--config", configPath], { env }).stdout).find((m) => m.type === "CONNECTION_STATUS");
    const connection = status?.connectionStatus as { status?: string; message?: string } | undefined;
    if (connection?.status !== "SUCCEEDED") fail(`${label}: check against the emulator did not succeed: ${JSON.stringify(status)}`);
    step(`${label}: check against the installed emulator ok (${connection.message ?? ""})`);
  } finally {
    await emulator.stop();
  }

  const help = run("source-asana-export", ["sync", "--help"], { env });
  if (!/--state-file/.test(help.stdout + help.stderr)) fail(`${label}: \`sync --help\` does not document --state-file`);
  const about = JSON.parse(run("tap-asana-export", ["--about", "--format", "json"], { env }).stdout) as { name?: string; version?: string };
  if (about.name !== "tap-asana-export" || about.version !== pkg.version) fail(`${label}: --about says ${JSON.stringify(about).slice(0, 200)}`);
  step(`${label}: sync --help and tap-asana-export --about ok`);

  // The README's example, from the installed package's folder.
  const example = join(prefix, "lib", "node_modules", pkg.name, "examples", "incremental-read.mjs");
  const read = run(process.execPath, [example], { env });
  if (!/^ {3}\d+ records: tasks \d+, messages \d+, teams \d+$/m.test(read.stdout.split("3. read again")[1] ?? "")) {
    fail(`${label}: examples/incremental-read.mjs did not show its second read:\n${read.stdout.slice(-1500)}`);
  }
  step(`${label}: examples/incremental-read.mjs ok`);
}

async function main(): Promise<void> {
  step(`npm pack (prepack builds dist/) into ${work}`);
  const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], { cwd: root }).stdout) as { filename: string; files: { path: string }[] }[];
  const tarball = packed[0];
  if (tarball === undefined) fail("npm pack printed no package");
  const files = new Set(tarball.files.map((f) => f.path));
  for (const needed of ["dist/src/cli/source-main.js", "dist/src/cli/tap-main.js", "dist/src/emulator/index.js", "dist/src/emulator/main.js", "schemas/tasks.json", "spec.json", "README.md"]) {
    if (!files.has(needed)) fail(`the package lacks ${needed}`);
  }
  const strays = [...files].filter((f) => /^(src|test|bench)\//.test(f) || f.endsWith(".map") || f.startsWith("dist/test/"));
  if (strays.length > 0) fail(`the package carries files users do not need: ${strays.slice(0, 5).join(", ")}`);
  step(`packed ${tarball.filename}: ${files.size} files`);

  const fromTarball = join(work, "prefix-tarball");
  step("npm install -g <tarball> (dependencies from the registry)");
  run("npm", ["install", "--global", "--prefix", fromTarball, "--no-audit", "--no-fund", join(work, tarball.filename)]);
  await exercise("tarball", fromTarball);

  const fromCheckout = join(work, "prefix-checkout");
  step("npm install -g <checkout> (a link to this built checkout)");
  run("npm", ["install", "--global", "--prefix", fromCheckout, "--no-audit", "--no-fund", root]);
  await exercise("checkout", fromCheckout);
}

let code = 0;
try {
  await main();
  step("every install path works");
} catch (error) {
  code = 1;
  step(`FAILED: ${error instanceof CheckFailed ? error.message : (error as Error).stack ?? String(error)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);
