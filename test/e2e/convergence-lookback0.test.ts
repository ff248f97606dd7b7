// Issue 12's convergence check with lookback_window_seconds 0 (convergence.ts says what is checked).
import { describe, it } from "vitest";
import { converge } from "./convergence.js";

describe("incremental syncs converge under Asana's modified_at rules (lookback 0)", () => {
  it("Airbyte read", () => converge("airbyte", 0));
  it("Singer tap", () => converge("tap", 0));
  it("standalone sync", () => converge("standalone", 0));
});
