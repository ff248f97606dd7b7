// The CLI sets V8's heap growth unless the user chose one (src/cli/heap.ts).
import { describe, expect, it } from "vitest";
import { HEAP_GROWING_PERCENT, tuneHeap } from "../../src/cli/heap.js";

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
