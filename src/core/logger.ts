/** Log levels, in the order Airbyte and most tools use. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Where progress and diagnostics go; sinks decide how (Airbyte LOG, stderr line, ...). */
export type Logger = (level: LogLevel, message: string) => void;
