// The error the emulator's command line throws for what its user must fix: a bad flag, an emulator
// that is not running, a mutation the emulator refused. Anything else it throws is a bug.

/** What went wrong, for the caller's exit message. */
export type EmulatorCliErrorCode = "EMULATOR_USAGE" | "EMULATOR_UNREACHABLE" | "EMULATOR_REFUSED";

/** A mistake or a state the user can fix; the message says how. */
export class EmulatorCliError extends Error {
  constructor(
    readonly code: EmulatorCliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "EmulatorCliError";
  }
}

/** Node's parseArgs errors (unknown flag, missing value) as usage errors naming the help. */
export function usageErrorOf(error: unknown, help: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    return new EmulatorCliError("EMULATOR_USAGE", `${(error as Error).message} (see ${help})`, { cause: error });
  }
  return error;
}
