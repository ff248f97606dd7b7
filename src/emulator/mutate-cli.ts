// `source-asana-export emulator mutate`: change a running emulator's workspace from the shell, through
// its loopback control endpoint (server/control.ts), and print what changed as JSON.
import { parseArgs } from "node:util";
import { request } from "undici";
import { z } from "zod";
import { EmulatorCliError, usageErrorOf } from "./cli-error.js";
import { describeIssues, GROUPS, KIND_NAMES, MUTATION_KINDS, type KindSpec, mutationSchema, roundSchema } from "./mutation-kinds.js";

/** The environment variable the admin token may come from. */
export const ADMIN_TOKEN_ENV = "ASANA_EMULATOR_ADMIN_TOKEN";

const kindLines = KIND_NAMES.map((k) => {
  const spec: KindSpec = MUTATION_KINDS[k];
  const target = spec.targets.length === 0 ? "" : ` --${spec.targets.join("|--")} GID`;
  const option = spec.option === undefined ? "" : ` [--${spec.option} ${spec.option === "assignee" ? "GID|none" : "GID"}]`;
  const moves = spec.targets.length === 0 || k.startsWith("delete-") ? "" : Object.entries(spec.moves).map(([t, m]) => `${t}: ${m ? "moves" : "keeps"} modified_at`).join(", ");
  return `    ${k}${target}${option}\n        ${spec.summary}${moves === "" ? "" : ` (${moves})`}`;
}).join("\n");

/** The help of `emulator mutate`. */
export const MUTATE_USAGE = `Usage: source-asana-export emulator mutate [--port P] [--host H] [--token T] (--kind K ... | --round SPEC)

Changes the workspace of a running emulator (through its control endpoint, loopback only) and prints
what changed as JSON: for one mutation, the target, whether its modified_at moved, and every object
whose export changed (with the fields); for a round, the gids created, modified (modified_at moved),
silent (changed while modified_at stood still) and deleted, and how many of each kind ran.

  --port N            the emulator's API port (default 4010)
  --host H            its interface (default 127.0.0.1)
  --token T           the admin token it printed at start (default: env ${ADMIN_TOKEN_ENV})
  --kind K            one mutation of kind K, on the target --task/--message/--team GID; a choice the
                      kind takes (below) is drawn from the seed unless given
  --round SPEC        a seeded random round, counts per pool or kind: e.g.
                      creates=5,modifies=20,silent=10,moves=5,deletes=2,delete-team=1

Pools:
${Object.entries(GROUPS).map(([g, text]) => `  ${g.padEnd(9)} ${text}`).join("\n")}

Kinds (modified_at as Asana's OpenAPI text says; no change ever moves another object's):
${kindLines}

Deleted objects, and any object's current state:
  curl -s -H "Authorization: Bearer $${ADMIN_TOKEN_ENV}" http://127.0.0.1:4010/_emulator/deleted
  curl -s -H "Authorization: Bearer $${ADMIN_TOKEN_ENV}" http://127.0.0.1:4010/_emulator/objects/task/GID
`;

/** A request to the control endpoint, from the command line. */
export interface MutateCommand {
  url: string;
  token: string;
  body: { data: unknown };
}

/** `creates=5,modifies=20` as an object of counts (validated against the round schema). */
function parseRound(text: string): z.infer<typeof roundSchema> {
  const round: Record<string, number> = {};
  for (const part of text.split(",").filter((p) => p.trim() !== "")) {
    const m = /^\s*([a-z-]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m) throw new EmulatorCliError("EMULATOR_USAGE", `--round must be name=count pairs separated by commas (e.g. creates=5,modifies=20), got '${part}'`);
    round[m[1] as string] = Number(m[2]);
  }
  const parsed = roundSchema.safeParse(round);
  if (!parsed.success) throw new EmulatorCliError("EMULATOR_USAGE", `--round: ${describeIssues(parsed.error, "round")}; pools are ${Object.keys(GROUPS).join(", ")}, kinds are ${KIND_NAMES.join(", ")}`);
  return parsed.data;
}

/** Turn `emulator mutate` flags into the request to make (throws with a message naming the flag). */
export function parseMutateArgs(argv: string[], env: Readonly<Record<string, string | undefined>>): MutateCommand | "help" {
  try {
    return parseFlags(argv, env);
  } catch (error) {
    throw usageErrorOf(error, "source-asana-export emulator mutate --help");
  }
}

function parseFlags(argv: string[], env: Readonly<Record<string, string | undefined>>): MutateCommand | "help" {
  const gidFlag = { type: "string" } as const;
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      token: { type: "string" },
      kind: { type: "string" },
      round: { type: "string" },
      task: gidFlag,
      message: gidFlag,
      team: gidFlag,
      parent: gidFlag,
      section: gidFlag,
      project: gidFlag,
      tag: gidFlag,
      user: gidFlag,
      dependency: gidFlag,
      field: gidFlag,
      assignee: gidFlag,
      help: { type: "boolean" },
    },
  });
  if (values.help) return "help";
  const port = Number(values.port ?? "4010");
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new EmulatorCliError("EMULATOR_USAGE", `--port must be an integer from 1 to 65535, got '${values.port ?? ""}'`);
  const host = values.host ?? "127.0.0.1";
  const token = values.token ?? env[ADMIN_TOKEN_ENV];
  if (token === undefined || token === "") throw new EmulatorCliError("EMULATOR_USAGE", `emulator mutate needs the admin token the emulator printed at start: --token T or env ${ADMIN_TOKEN_ENV}`);
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}/_emulator`;
  if ((values.kind === undefined) === (values.round === undefined)) throw new EmulatorCliError("EMULATOR_USAGE", "emulator mutate takes either --kind K (one mutation) or --round SPEC (a seeded round), not both or neither");
  if (values.round !== undefined) {
    const others = Object.keys(values).filter((k) => !["port", "host", "token", "round"].includes(k));
    if (others.length > 0) throw new EmulatorCliError("EMULATOR_USAGE", `--round takes no --${others.join(", --")}`);
    return { url: `${origin}/rounds`, token, body: { data: parseRound(values.round) } };
  }
  const { port: _p, host: _h, token: _t, round: _r, help: _help, assignee, ...rest } = values;
  const mutation: Record<string, unknown> = { ...rest };
  if (assignee !== undefined) mutation.assignee = assignee === "none" ? null : assignee;
  const parsed = mutationSchema.safeParse(mutation);
  if (!parsed.success) throw new EmulatorCliError("EMULATOR_USAGE", `--kind: ${describeIssues(parsed.error, "mutation")} (each key is a flag: --task, --user, ...)`);
  return { url: `${origin}/mutations`, token, body: { data: parsed.data } };
}

const errorBody = z.object({ errors: z.array(z.object({ message: z.string() })).min(1) });

/** Run `emulator mutate`: call the control endpoint and print its answer's data as JSON. */
export async function runMutateCli(argv: string[], out: NodeJS.WritableStream, env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const command = parseMutateArgs(argv, env);
  if (command === "help") {
    out.write(MUTATE_USAGE);
    return;
  }
  let answer: { status: number; text: string };
  try {
    const res = await request(command.url, {
      method: "POST",
      headers: { authorization: `Bearer ${command.token}`, "content-type": "application/json" },
      body: JSON.stringify(command.body),
    });
    answer = { status: res.statusCode, text: await res.body.text() };
  } catch (error) {
    const origin = new URL(command.url).origin;
    throw new EmulatorCliError("EMULATOR_UNREACHABLE", `could not reach the emulator at ${origin} (is \`source-asana-export emulator --port ${new URL(command.url).port}\` running?): ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    throw new Error(`the emulator answered ${answer.status} with a body that is not JSON: ${answer.text.slice(0, 200)}`);
  }
  if (answer.status !== 200) {
    const failure = errorBody.safeParse(json);
    throw new EmulatorCliError("EMULATOR_REFUSED", `the emulator refused it (${answer.status}): ${failure.success ? failure.data.errors.map((e) => e.message).join("; ") : answer.text.slice(0, 200)}`);
  }
  const data = z.object({ data: z.unknown() }).safeParse(json);
  if (!data.success) throw new Error(`the emulator answered 200 without data: ${answer.text.slice(0, 200)}`);
  out.write(`${JSON.stringify(data.data.data, null, 2)}\n`);
}
