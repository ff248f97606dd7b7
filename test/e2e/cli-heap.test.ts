// The CLI sets V8's heap flags for the sync unless the user chose them (src/cli/heap.ts).
import { describe, expect, it } from "vitest";
import { HEAP_GROWING_PERCENT, tuneHeap, youngGenerationRestart } from "../../src/cli/heap.js";

describe("tuneHeap", () => {
  it("leaves a growth chosen by a node flag or NODE_OPTIONS alone", () => {
    expect(tuneHeap(["--heap-growing-percent=80"], "")).toBe(false);
    expect(tuneHeap([], "--max-old-space-size=512 --heap-growing-percent=10")).toBe(false);
  });

  it("sets its own growth otherwise", () => {
    expect(HEAP_GROWING_PERCENT).toBeGreaterThan(0);
    expect(tuneHeap(["--enable-source-maps"], "--max-old-space-size=512")).toBe(true);
  });
});

describe("youngGenerationRestart", () => {
  const execve = (): never => {
    throw new Error("not called");
  };

  it("restarts the same script and arguments with the semi-space cap, keeping the node flags", () => {
    expect(youngGenerationRestart(16, ["/usr/bin/node", "/app/source-main.js", "sync", "--config", "c.json"], ["--enable-source-maps"], "", execve)).toEqual([
      "/usr/bin/node",
      "--max-semi-space-size=16",
      "--enable-source-maps",
      "/app/source-main.js",
      "sync",
      "--config",
      "c.json",
    ]);
  });

  it("does not restart when the user chose a size, or where Node cannot replace the process (Node 20)", () => {
    expect(youngGenerationRestart(16, ["node", "s.js", "sync"], ["--max-semi-space-size=4"], "", execve)).toBeUndefined();
    expect(youngGenerationRestart(1, ["node", "s.js", "read"], [], "--max-semi-space-size=64", execve)).toBeUndefined();
    expect(youngGenerationRestart(16, ["node", "s.js", "sync"], [], "", null)).toBeUndefined();
  });
});
