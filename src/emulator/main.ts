// `source-asana-export emulator`: start the emulator from command-line flags, print how to reach
// it, and serve until SIGINT or SIGTERM.
import { parseArgs } from "node:util";
import { type Emulator, type EmulatorOptions, startEmulator } from "./index.js";
import { EmulatorCliError, usageErrorOf } from "./cli-error.js";
import { ADMIN_TOKEN_ENV, runMutateCli } from "./mutate-cli.js";
import { type Fault, parseFault } from "./server/fault-plan.js";

const USAGE = `Usage: source-asana-export emulator [options]
       source-asana-export emulator mutate [--port P] [--token T] (--kind K ... | --round SPEC)

Serves a seeded Asana workspace through the resource export API on loopback. Its changes follow
Asana's modified_at rules: a task's name, notes, completion, assignee, due date, custom fields,
stories and attachments move modified_at; section and project moves, tags, followers, likes, the
start date and dependencies do not. An export shows the workspace as it was when its job was created.
\`emulator mutate\` changes a running emulator from another shell (\`emulator mutate --help\`: every kind).

  --port N            API port (default 4010; 0 picks a free one)
  --storage-port N    download host port (default 0: a free one)
  --host H            interface (default 127.0.0.1)
  --seed N            workspace seed (default 1)
  --tasks N           tasks (default 500)
  --teams N           teams (default 10)
  --messages N        messages (default 200)
  --token T           service account token (default derived from the seed)
  --admin-token T     token of the control endpoint that \`emulator mutate\` calls (default derived
                      from the seed; printed at start)
  --job-seconds S     an export job takes at least S seconds (default 2)
  --url-ttl S         download URL lifetime in seconds (default 300)
  --gzip-level N      1..9 (default 6)
  --rate-limit N      requests per minute per token (default 1500)
  --max-in-flight N   concurrent requests per token (default 50)
  --type-parameters M two export parameters of one resource type: duplicate (an object matching
                      both comes twice, the default), union (once, with both field sets) or
                      reject (the request is refused with a 400)
  --max-field-depth N refuse export fields paths of more than N dotted segments with a 400
  --error-rate R      answer this share (0..1) of all requests with a 503, seeded
  --fault JSON        arm a fault, e.g. '{"kind":"status","status":500,"target":"get-job","skip":1}'
                      (repeatable; kinds: status, rate-limit, latency, hold, reset, expire-url,
                      job-failed, job-slow, file-truncated, file-malformed-line, file-unknown-type,
                      file-missing-modified-at, file-missing-gid, file-huge-line, file-invalid-utf8)
  --help              this text
`;

function integer(name: string, text: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new EmulatorCliError("EMULATOR_USAGE", `--${name} must be an integer from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

function real(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
    throw new EmulatorCliError("EMULATOR_USAGE", `--${name} must be a number from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

export { EmulatorCliError } from "./cli-error.js";

/** Turn emulator flags into options (throws with a message naming the flag on bad input). */
export function parseEmulatorArgs(argv: string[]): EmulatorOptions | "help" {
  try {
    return parseFlags(argv);
  } catch (error) {
    throw usageErrorOf(error, "source-asana-export emulator --help");
  }
}

function parseFlags(argv: string[]): EmulatorOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      "storage-port": { type: "string" },
      host: { type: "string" },
      seed: { type: "string" },
      tasks: { type: "string" },
      teams: { type: "string" },
      messages: { type: "string" },
      token: { type: "string" },
      "admin-token": { type: "string" },
      "job-seconds": { type: "string" },
      "url-ttl": { type: "string" },
      "gzip-level": { type: "string" },
      "rate-limit": { type: "string" },
      "max-in-flight": { type: "string" },
      "error-rate": { type: "string" },
      "type-parameters": { type: "string" },
      "max-field-depth": { type: "string" },
      fault: { type: "string", multiple: true },
      help: { type: "boolean" },
    },
  });
  if (values.help) return "help";
  const faults: Fault[] = (values.fault ?? []).map((text) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new EmulatorCliError("EMULATOR_USAGE", `--fault must be a JSON object, got '${text}'`);
    }
    try {
      return parseFault(parsed);
    } catch (error) {
      throw new EmulatorCliError("EMULATOR_USAGE", `--fault: ${(error as Error).message}`, { cause: error });
    }
  });
  const errorRate = real("error-rate", values["error-rate"], 0, 1);
  if (errorRate !== undefined && errorRate > 0) faults.push({ kind: "status", status: 503, target: "any", rate: errorRate });
  const jobSeconds = real("job-seconds", values["job-seconds"], 0, 86_400) ?? 2;
  const options: EmulatorOptions = {
    port: integer("port", values.port, 4010, 0, 65_535),
    storagePort: integer("storage-port", values["storage-port"], 0, 0, 65_535),
    host: values.host ?? "127.0.0.1",
    seed: integer("seed", values.seed, 1, 0),
    tasks: integer("tasks", values.tasks, 500, 0),
    teams: integer("teams", values.teams, 10, 0),
    messages: integer("messages", values.messages, 200, 0),
    jobPollsUntilDone: 1,
    jobMsUntilDone: Math.round(jobSeconds * 1000),
    downloadUrlTtlSeconds: integer("url-ttl", values["url-ttl"], 300, 0),
    gzipLevel: integer("gzip-level", values["gzip-level"], 6, 1, 9),
    requestsPerMinute: integer("rate-limit", values["rate-limit"], 1500, 1),
    maxInFlight: integer("max-in-flight", values["max-in-flight"], 50, 1),
    faults,
  };
  if (values.token !== undefined) options.token = values.token;
  if (values["admin-token"] !== undefined) {
    if (!/^\S+$/.test(values["admin-token"])) throw new EmulatorCliError("EMULATOR_USAGE", "--admin-token must be a non-empty token without spaces");
    options.adminToken = values["admin-token"];
  }
  if (values["max-field-depth"] !== undefined) options.maxFieldDepth = integer("max-field-depth", values["max-field-depth"], 0, 1);
  const typeParameters = values["type-parameters"];
  if (typeParameters !== undefined) {
    if (typeParameters !== "duplicate" && typeParameters !== "union" && typeParameters !== "reject") {
      throw new EmulatorCliError("EMULATOR_USAGE", `--type-parameters must be duplicate, union or reject, got '${typeParameters}'`);
    }
    options.typeParameters = typeParameters;
  }
  return options;
}

/** What the CLI prints once the emulator listens. */
export function describeEmulator(emu: Emulator, options: EmulatorOptions): string {
  const port = new URL(emu.baseUrl).port;
  const body = JSON.stringify({ data: { workspace: emu.workspaceGid, export_request_parameters: [{ resource_type: "task" }] } });
  const config = JSON.stringify({ workspace: emu.workspaceGid, service_account_token: emu.token, base_url: emu.baseUrl }, null, 2);
  return [
    "Asana export emulator",
    `  base URL:      ${emu.baseUrl}`,
    `  download host: ${emu.storageUrl}`,
    `  workspace:     ${emu.workspaceGid} (${emu.workspace.name}: ${options.tasks ?? 500} tasks, ${options.teams ?? 10} teams, ${options.messages ?? 200} messages)`,
    `  token:         ${emu.token}   (service account)`,
    `  other tokens:  ${emu.tokens.regularUser}   (regular user: 403 on exports)`,
    `                 ${emu.tokens.unpaidServiceAccount}   (workspace ${emu.unpaidWorkspaceGid} without the plan: 402)`,
    `  admin token:   ${emu.adminToken}   (control endpoint ${emu.controlUrl}, loopback only)`,
    "",
    "Try:",
    `  curl -s -X POST '${emu.baseUrl}/exports/resource' \\`,
    `    -H 'Authorization: Bearer ${emu.token}' -H 'Content-Type: application/json' \\`,
    `    -d '${body}'`,
    `  curl -s '${emu.baseUrl}/jobs/<job gid>' -H 'Authorization: Bearer ${emu.token}'`,
    `  curl -s '<download_url>' | gunzip | head`,
    "",
    "Change the workspace from another shell (then sync again):",
    `  export ${ADMIN_TOKEN_ENV}='${emu.adminToken}'`,
    `  source-asana-export emulator mutate --port ${port} --round creates=5,modifies=20,silent=10,deletes=2`,
    `  source-asana-export emulator mutate --port ${port} --kind move-section --task <task gid>`,
    "",
    "Connector config.json:",
    config,
    "",
    "Serving until Ctrl-C.",
    "",
  ].join("\n");
}

/**
 * Run the emulator CLI: print where it listens and serve until SIGINT/SIGTERM (or `signal` aborts);
 * `mutate ...` changes a running one instead.
 */
export async function runEmulatorCli(argv: string[], out: NodeJS.WritableStream, signal?: AbortSignal): Promise<void> {
  if (argv[0] === "mutate") {
    await runMutateCli(argv.slice(1), out, process.env);
    return;
  }
  const options = parseEmulatorArgs(argv);
  if (options === "help") {
    out.write(USAGE);
    return;
  }
  const emu = await startEmulator(options);
  out.write(describeEmulator(emu, options));
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
  });
  await emu.close();
  out.write("Emulator stopped.\n");
}
