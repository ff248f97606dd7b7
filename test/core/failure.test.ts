import { describe, expect, it } from "vitest";
import { ConfigError, ConnectorError } from "../../src/core/errors.js";
import { describeFailure } from "../../src/core/failure.js";
import { Redactor } from "../../src/core/redact.js";

describe("describeFailure: the one mapping from errors to failure_type and message", () => {
  const redactor = new Redactor();
  redactor.add("secret-token-123");

  it("keeps a ConnectorError's own failure type and message, with its code in the internal text", () => {
    const report = describeFailure(new ConfigError("config.workspace must be digits (secret-token-123)", "CONFIG_INVALID"), redactor);
    expect(report).toEqual({
      failureType: "config_error",
      message: "config.workspace must be digits (***)",
      internal: "CONFIG_INVALID: config.workspace must be digits (***)",
      stack: undefined,
    });
    const transient = new ConnectorError("try later", { code: "X", failureType: "transient_error" });
    expect(describeFailure(transient, redactor).failureType).toBe("transient_error");
  });

  it("reports anything else as a system error and a bug, with its stack redacted", () => {
    const report = describeFailure(new RangeError("boom secret-token-123"), redactor);
    expect(report.failureType).toBe("system_error");
    expect(report.message).toBe("Unexpected error: boom ***. This is a bug; please report it with the log.");
    expect(report.internal).toBe("RangeError: boom ***");
    expect(report.stack).toContain("RangeError: boom ***");
    expect(report.stack).not.toContain("secret-token-123");
    expect(describeFailure("a string", redactor)).toMatchObject({ failureType: "system_error", internal: "a string", stack: undefined });
  });
});
