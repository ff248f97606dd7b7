#!/usr/bin/env node
// source-asana-export: the Airbyte commands, the standalone sync and the emulator, one binary.
import { ConnectorError } from "../core/errors.js";
import { Redactor } from "../core/redact.js";
import { describeFailure } from "../core/failure.js";
import { airbyteErrorTrace } from "../sinks/airbyte.js";
import { LineWriter, OutputClosedError } from "../sinks/output.js";
import { checkCommand, discoverCommand, readCommand, specCommand } from "./airbyte.js";
import { processRuntime, type Runtime } from "./context.js";
import { isMainModule } from "./entry.js";
import { CHECK_HELP, DISCOVER_HELP, READ_HELP, SPEC_HELP, SYNC_HELP, renderHelp, usageLine } from "./help.js";
import { READ_SEMI_SPACE_MB, SYNC_SEMI_SPACE_MB, capYoungGeneration, tuneHeap } from "./heap.js";
import { InterruptedError, failureOf, stopOnSignals } from "./signals.js";
import { syncCommand } from "./sync.js";

const USAGE = `Usage: source-asana-export <command> [flags]

Airbyte protocol:
  ${usageLine(SPEC_HELP)}
  ${usageLine(CHECK_HELP)}
  ${usageLine(DISCOVER_HELP)}
  ${usageLine(READ_HELP, ["config", "catalog"])}

Standalone:
  ${usageLine(SYNC_HELP)}

Offline:
  source-asana-export emulator [--port P] [--seed N] [--tasks N] [--teams N] [--messages N] ...

\`source-asana-export <command> --help\` shows a command's flags and the config keys it reads.
`;

/** Each command's own help (the emulator prints its own). */
const HELP: Record<string, string> = {
  spec: renderHelp(SPEC_HELP),
  check: renderHelp(CHECK_HELP),
  discover: renderHelp(DISCOVER_HELP),
  read: renderHelp(READ_HELP, ["config", "catalog"]),
  sync: renderHelp(SYNC_HELP),
};

/** Run one command; returns the exit code. Never throws. */
export async function main(argv: string[], runtime: Runtime): Promise<number> {
  const [command, ...rest] = argv;
  const out = new LineWriter(runtime.stdout);
  const redactor = new Redactor();
  redactor.add(runtime.env.ASANA_SERVICE_ACCOUNT_TOKEN);
  try {
    // `<command> --help` on stderr: stdout carries only protocol messages. The emulator has its own.
    if (command !== "emulator" && command !== undefined && (rest.includes("--help") || rest.includes("-h"))) {
      runtime.stderr.write(HELP[command] ?? USAGE);
      return 0;
    }
    switch (command) {
      case "spec":
        await specCommand(out);
        break;
      case "check":
        await checkCommand(rest, runtime, out, redactor);
        break;
      case "discover":
        await discoverCommand(rest, runtime, out, redactor);
        break;
      case "read":
        await readCommand(rest, runtime, out, redactor);
        break;
      case "sync":
        await syncCommand(rest, runtime, out, redactor);
        break;
      case "emulator": {
        const { EmulatorCliError, runEmulatorCli } = await import("../emulator/main.js");
        try {
          await runEmulatorCli(rest, runtime.stdout);
        } catch (error) {
          // A bad flag, an emulator not running, a refused mutation: the user's to fix, not a bug.
          if (error instanceof EmulatorCliError) throw new ConnectorError(error.message, { code: error.code, failureType: "config_error", cause: error });
          throw error;
        }
        break;
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        runtime.stderr.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new ConnectorError(`Unknown command '${command}'.\n${USAGE}`, { code: "USAGE", failureType: "config_error" });
    }
    await out.flush();
    return 0;
  } catch (caught) {
    const error = failureOf(caught, runtime.signal);
    if (error instanceof OutputClosedError) return 0;
    try {
      await out.line(airbyteErrorTrace(error, redactor, runtime.clock.now()));
      await out.flush();
    } catch {
      // stdout is gone: stderr still says what happened.
    }
    runtime.stderr.write(`source-asana-export ${command ?? ""}: ${describeFailure(error, redactor).message}\n`);
    return error instanceof InterruptedError ? error.exitCode : 1;
  }
}

// Run when executed as a program (not when imported by tests).
if (isMainModule(import.meta.url)) {
  // src/cli/heap.ts: each command's heap settings, measured.
  if (process.argv[2] === "sync") {
    capYoungGeneration(SYNC_SEMI_SPACE_MB);
    tuneHeap();
  } else if (process.argv[2] === "read") {
    capYoungGeneration(READ_SEMI_SPACE_MB);
  }
  process.stdout.on("error", () => undefined);
  // The emulator command handles SIGTERM itself (it closes its servers).
  const stop = process.argv[2] === "emulator" ? undefined : stopOnSignals();
  const code = await main(process.argv.slice(2), { ...processRuntime(), ...(stop ? { signal: stop.signal } : {}) });
  stop?.dispose();
  process.exitCode = code;
}
