// Each command's --help documents exactly the flags it accepts and the config keys it reads;
// usage errors name the command once.
import { describe, expect, it } from "vitest";
import { buildSpec } from "../../src/config/index.js";
import { SOURCE_BIN, runCli } from "../helpers/cli.js";

/** The flags a help text lists (`  --name VALUE   text` lines under "Flags:"). */
function documentedFlags(help: string): string[] {
  const section = help.split("\nFlags:\n")[1]?.split("\n\n")[0] ?? "";
  return section.split("\n").map((l) => /^ {2}--([a-z-]+)/.exec(l)?.[1]).filter((f): f is string => f !== undefined);
}

/** The config keys a help text lists. */
function documentedKeys(help: string): string[] {
  const section = help.split("\nConfig keys it reads")[1]?.split("\n\n")[0] ?? "";
  return section.split("\n").slice(1).map((l) => /^ {2}([a-z_]+)/.exec(l)?.[1]).filter((k): k is string => k !== undefined);
}

describe("source-asana-export <command> --help", () => {
  const keys = Object.keys(buildSpec().connectionSpecification.properties as Record<string, unknown>);

  it.each([
    ["sync", ["config", "out", "format", "state-file", "streams", "json", "help"], [...keys]],
    ["read", ["config", "catalog", "state", "help"], keys.filter((k) => k !== "output")],
    ["check", ["config", "help"], ["workspace", "service_account_token", "base_url", "request_timeout_seconds", "max_retries"]],
    ["discover", ["config", "help"], []],
  ])("%s: its flags, each accepted, and the config keys it reads", async (command, flags, configKeys) => {
    const help = (await runCli(SOURCE_BIN, [command, "--help"])).stderr;
    expect(documentedFlags(help)).toEqual(flags);
    expect(documentedKeys(help).sort()).toEqual([...configKeys].sort());
    // Every documented flag is one the command parses: none is refused as unknown.
    for (const flag of flags.filter((f) => f !== "help")) {
      const r = await runCli(SOURCE_BIN, [command, `--${flag}`, ...(flag === "json" ? [] : ["x"])]);
      expect(r.stderr).not.toContain("Unknown option");
    }
  });

  it("names the command once in a usage error (no `sync: sync:`), and the fix", async () => {
    const r = await runCli(SOURCE_BIN, ["sync", "--bogus"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^source-asana-export sync: Unknown option '--bogus'\. Usage: source-asana-export sync --config C /);
    const missing = await runCli(SOURCE_BIN, ["read"]);
    expect(missing.stderr).toMatch(/^source-asana-export read: --config is required\. Usage: source-asana-export read --config C --catalog K/);
    const format = await runCli(SOURCE_BIN, ["sync", "--config", "/nonexistent.json", "--format", "csv"]);
    expect(format.stderr).not.toMatch(/sync: sync:|sync: source-asana-export/);
  });
});
