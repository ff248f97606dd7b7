// Shared helpers of the config tests.
import { ConfigError } from "../../src/core/errors.js";
import { parseConfig } from "../../src/config/load.js";

/** A token shaped like Asana's, used where a real one would be. */
export const TOKEN = "2/1209876543210987/1201234567890123:0a1b2c3d4e5f60718293a4b5c6d7e8f9";

/** The smallest valid config.json. */
export const MINIMAL = { workspace: "1200000000000000", service_account_token: TOKEN } as const;

/** The ConfigError a function throws; fails the test when it throws nothing or something else. */
export function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError, but nothing was thrown");
}

/** The async variant of configErrorOf. */
export async function configErrorOfAsync(run: () => Promise<unknown>): Promise<ConfigError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError, but nothing was thrown");
}

/** The message parseConfig gives for a config of MINIMAL plus `changes`, with no token in env. */
export function messageFor(changes: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string {
  return configErrorOf(() => parseConfig({ ...MINIMAL, ...changes }, env)).message;
}
