#!/usr/bin/env node
// tap-asana-export: the connector as a Singer tap, with the flags Singer and Meltano use.
import { ConfigError } from "../core/errors.js";
import { Redactor } from "../core/redact.js";
import { describeFailure } from "../core/failure.js";
import { LineWriter, OutputClosedError } from "../sinks/output.js";
import { parseFlags } from "./args.js";
import { processRuntime, type Runtime } from "./context.js";
import { isMainModule } from "./entry.js";
import { READ_SEMI_SPACE_MB, capYoungGeneration } from "./heap.js";
import { InterruptedError, failureOf, stopOnSignals } from "./signals.js";
import { TAP_NAME, aboutFormat, aboutInfo, packageInfo, renderAbout } from "./tap-about.js";
import { discoverMode, syncMode, type SyncInput } from "./tap.js";

const USAGE = `Usage: ${TAP_NAME} --config CONFIG [--config MORE ...] [--discover | --catalog CATALOG] [--state STATE]
       ${TAP_NAME} --about [--format json|markdown|text]

  --config FILE      config.json (may repeat: a top-level key of a later file replaces the same key of
                     an earlier one whole); the token may come from ASANA_SERVICE_ACCOUNT_TOKEN
  --discover         print the Singer catalog of the streams and exit
  --catalog FILE     the catalog to sync: selected streams and fields, replication-method
  --properties FILE  the older name of --catalog
  --state FILE       the last STATE value of the previous run ({"bookmarks": {...}})
  --about            name, version, capabilities and settings (--format json|markdown|text)
  --version          the version
  --help             this text

Without --catalog every stream is synced with its default fields. Messages go to stdout, logs to stderr.
`;

const FLAGS = {
  config: { type: "string", multiple: true },
  discover: { type: "boolean" },
  catalog: { type: "string" },
  properties: { type: "string" },
  state: { type: "string" },
  about: { type: "boolean" },
  format: { type: "string" },
  version: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const SHORT_USAGE = `${TAP_NAME} --config C [--discover | --catalog K] [--state S], or --about [--format json|markdown]; --help shows every flag`;

function usage(message: string): ConfigError {
  return new ConfigError(`${message} Usage: ${SHORT_USAGE}`, "USAGE");
}

/** Run the tap with its argv; returns the exit code. Never throws. */
export async function main(argv: string[], runtime: Runtime): Promise<number> {
  const out = new LineWriter(runtime.stdout);
  const redactor = new Redactor();
  redactor.add(runtime.env.ASANA_SERVICE_ACCOUNT_TOKEN);
  try {
    const flags = parseFlags(argv, FLAGS, SHORT_USAGE);
    if (flags.help) {
      runtime.stdout.write(USAGE);
      return 0;
    }
    if (flags.version) {
      runtime.stdout.write(`${TAP_NAME} v${packageInfo().version}\n`);
      return 0;
    }
    if (flags.format !== undefined && !flags.about) throw usage("--format goes with --about.");
    if (flags.about) {
      runtime.stdout.write(renderAbout(aboutInfo(), aboutFormat(flags.format)));
      return 0;
    }
    const configPaths = flags.config ?? [];
    if (configPaths.length === 0) throw usage("--config is required.");
    if (flags.catalog !== undefined && flags.properties !== undefined) throw usage("Give --catalog or --properties, not both.");
    if (flags.discover) {
      if (flags.catalog !== undefined || flags.properties !== undefined || flags.state !== undefined) {
        throw usage("--discover takes only --config.");
      }
      await discoverMode(configPaths, runtime, out, redactor);
    } else {
      const catalog =
        flags.catalog !== undefined
          ? { path: flags.catalog, flag: "--catalog" }
          : flags.properties !== undefined
            ? { path: flags.properties, flag: "--properties" }
            : undefined;
      const input: SyncInput = { configPaths, ...(catalog ? { catalog } : {}), ...(flags.state !== undefined ? { statePath: flags.state } : {}) };
      await syncMode(input, runtime, out, redactor);
    }
    await out.flush();
    return 0;
  } catch (caught) {
    const error = failureOf(caught, runtime.signal);
    if (error instanceof OutputClosedError) return 0;
    try {
      await out.flush();
    } catch {
      // stdout is gone: stderr still says what happened.
    }
    runtime.stderr.write(`${TAP_NAME}: ${describeFailure(error, redactor).message}\n`);
    return error instanceof InterruptedError ? error.exitCode : 1;
  }
}

// Run when executed as a program (not when imported by tests).
if (isMainModule(import.meta.url)) {
  // A sync streams records as `read` does: the same young generation (src/cli/heap.ts).
  const args = process.argv.slice(2);
  if (args.includes("--config") && !["--discover", "--about", "--help", "-h", "--version"].some((f) => args.includes(f))) capYoungGeneration(READ_SEMI_SPACE_MB);
  process.stdout.on("error", () => undefined);
  // Every file and folder the connector creates holds workspace data or its state: readable by its
  // owner only (0600 / 0700), including those whose writers take the default mode.
  process.umask(0o077);
  const stop = stopOnSignals();
  const code = await main(process.argv.slice(2), { ...processRuntime(), signal: stop.signal, shield: stop.shield });
  stop.dispose();
  process.exitCode = code;
}
