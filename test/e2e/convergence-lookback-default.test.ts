// Issue 12's convergence check with the default lookback window (convergence.ts says what is checked).
import { describe, it } from "vitest";
import { converge } from "./convergence.js";

describe("incremental syncs converge under Asana's modified_at rules (default lookback)", () => {
  it("Airbyte read", () => converge("airbyte", undefined));
  it("Singer tap", () => converge("tap", undefined));
  it("standalone sync", () => converge("standalone", undefined));
});
