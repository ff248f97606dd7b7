/** Who must act on a failure: the user (config), or nobody but a retry (transient), or us (system). */
export type FailureType = "config_error" | "system_error" | "transient_error";

export interface ConnectorErrorOptions {
  /** Stable machine-readable code, e.g. `ASANA_UNAUTHORIZED`. */
  code: string;
  failureType: FailureType;
  /** Whether the same request may succeed when repeated. */
  retryable?: boolean;
  cause?: unknown;
}

/** The one base class of every error the connector raises on purpose; its message says what to do. */
export class ConnectorError extends Error {
  readonly code: string;
  readonly failureType: FailureType;
  readonly retryable: boolean;

  constructor(message: string, options: ConnectorErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.failureType = options.failureType;
    this.retryable = options.retryable ?? false;
  }
}

/** Something the user must fix in config.json, the catalog or the state. */
export class ConfigError extends ConnectorError {
  constructor(message: string, code = "CONFIG_INVALID", cause?: unknown) {
    super(message, { code, failureType: "config_error", cause });
  }
}
