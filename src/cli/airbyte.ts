// The Airbyte commands: spec, check, discover, read.
import { buildSpec, loadConfig, type Config } from "../config/index.js";
import type { Logger } from "../core/logger.js";
import type { Redactor } from "../core/redact.js";
import { describeFailure } from "../core/failure.js";
import { AirbyteSink, airbyteLog } from "../sinks/airbyte.js";
import type { LineWriter } from "../sinks/output.js";
import { STREAM_NAMES, airbyteStreams, parseConfiguredCatalog } from "../streams/index.js";
import { loadStateFile } from "../sync/state-input.js";
import { parseFlags, required, stringFlag } from "./args.js";
import { CHECK_HELP, DISCOVER_HELP, READ_HELP, optionsOf, usageLine } from "./help.js";
import { connect, type Runtime } from "./context.js";
import { pumpSync } from "./pump.js";
import { readJsonFile, selectedStreams } from "./selection.js";

/** `spec`: the connector specification. */
export async function specCommand(out: LineWriter): Promise<void> {
  await out.line(JSON.stringify({ type: "SPEC", spec: buildSpec() }));
}

const CHECK_USAGE = usageLine(CHECK_HELP);

/** `check`: token and workspace access, without starting an export (it would take the only export slot). */
export async function checkCommand(argv: string[], runtime: Runtime, out: LineWriter, redactor: Redactor): Promise<void> {
  const flags = parseFlags(argv, optionsOf(CHECK_HELP), CHECK_USAGE);
  const status = async (ok: boolean, message: string): Promise<void> =>
    out.line(JSON.stringify({ type: "CONNECTION_STATUS", connectionStatus: { status: ok ? "SUCCEEDED" : "FAILED", message: redactor.redact(message) } }));
  let config: Config;
  try {
    config = await loadConfig(required("config", stringFlag(flags.config), CHECK_USAGE), runtime.env, configWarnings(out, redactor));
  } catch (error) {
    await status(false, describeFailure(error, redactor).message);
    return;
  }
  const conn = connect(config, runtime, lineLogger(out, redactor), redactor);
  try {
    const me = await conn.api.me();
    const ws = await conn.api.workspace(config.workspace);
    await status(true, `Connected as ${me.name ?? me.gid} to workspace ${ws.name ?? ws.gid} (${ws.gid}).`);
  } catch (error) {
    await status(false, describeFailure(error, redactor).message);
  } finally {
    await conn.close();
  }
}

/** `discover`: the catalog of the three streams (static; the config is validated, nothing is called). */
export async function discoverCommand(argv: string[], runtime: Runtime, out: LineWriter, redactor: Redactor): Promise<void> {
  const usage = usageLine(DISCOVER_HELP);
  const flags = parseFlags(argv, optionsOf(DISCOVER_HELP), usage);
  await loadConfig(required("config", stringFlag(flags.config), usage), runtime.env, configWarnings(out, redactor));
  await out.line(JSON.stringify({ type: "CATALOG", catalog: { streams: airbyteStreams() } }));
}

/** Ignored config keys as Airbyte LOG warnings. */
function configWarnings(out: LineWriter, redactor: Redactor): (message: string) => void {
  const logger = lineLogger(out, redactor);
  return (message) => logger("warn", message);
}

/** A logger that writes Airbyte LOG lines as things happen (retries, waits). */
function lineLogger(out: LineWriter, redactor: Redactor): Logger {
  return (level, message) => {
    void out.line(airbyteLog(level, redactor.redact(message))).catch(() => undefined);
  };
}

const READ_USAGE = usageLine(READ_HELP, ["config", "catalog"]);

/** `read`: one export for the configured streams, as RECORD, STATE, TRACE and LOG messages. */
export async function readCommand(argv: string[], runtime: Runtime, out: LineWriter, redactor: Redactor): Promise<void> {
  const flags = parseFlags(argv, optionsOf(READ_HELP), READ_USAGE);
  const config = await loadConfig(required("config", stringFlag(flags.config), READ_USAGE), runtime.env, configWarnings(out, redactor));
  redactor.add(config.service_account_token);
  const catalog = parseConfiguredCatalog(await readJsonFile(required("catalog", stringFlag(flags.catalog), READ_USAGE), "--catalog"));
  const state = await loadStateFile(stringFlag(flags.state), STREAM_NAMES, runtime.clock.now());
  const streams = selectedStreams(catalog.map((c) => ({ stream: c.stream, incremental: c.syncMode === "incremental", selectedFields: c.selectedFields })));
  if (streams.length === 0) {
    await out.line(airbyteLog("warn", "The configured catalog selects no stream; nothing to export."));
    return;
  }
  const logger = lineLogger(out, redactor);
  const sink = new AirbyteSink(out, runtime.clock, redactor);
  await pumpSync({ config, streams, state, runtime, sink, logger, redactor });
}
