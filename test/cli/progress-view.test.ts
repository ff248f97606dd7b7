// The display's lines as a pure function of its state and the time (src/cli/progress-view.ts).
import { describe, expect, it } from "vitest";
import { fit, initialState, renderPhases } from "../../src/cli/progress-view.js";

const T0 = 1_800_000_000_000;

describe("renderPhases", () => {
  it("waiting: the job's gid, status, elapsed time and the countdown to the next poll; the rest to come", () => {
    const state = initialState(T0, ["tasks", "teams"]);
    state.job = { gid: "42", status: "in_progress", polls: 2, nextPollAt: T0 + 65_500, done: undefined };
    expect(renderPhases(state, T0 + 62_000, 100, 1)).toEqual([
      "/ Waiting for export job 42: in progress, 1:02 elapsed, next poll in 4 s",
      "· Download",
      "· Write",
      "· Publish",
    ]);
  });

  it("downloading: bytes of the total, the rate since the first byte, and the ETA at that rate; writing runs alongside", () => {
    const state = initialState(T0, ["tasks", "teams"]);
    state.job = { gid: "42", status: "succeeded", polls: 3, nextPollAt: undefined, done: T0 + 9_000 };
    // 25 MB of 100 MB in 10 s: 2.5 MB/s, 75 MB to go: 30 s.
    state.download = { started: T0 + 10_000, bytes: 25_000_000, total: 100_000_000, done: undefined };
    state.write = { started: T0 + 10_000, records: new Map([["tasks", 12_000], ["teams", 3]]), done: undefined };
    expect(renderPhases(state, T0 + 20_000, 100)).toEqual([
      "✓ Export job 42 succeeded after 0:09 (3 polls)",
      "| Downloading 25.0 MB of 100 MB (25%), 2.5 MB/s, ETA 0:30",
      "| Writing 12,003 records, 1,200 records/s: tasks 12,000 · teams 3",
      "· Publish",
    ]);
  });

  it("published: every phase done, with what it did", () => {
    const state = initialState(T0, ["tasks"]);
    state.job = { gid: "42", status: "succeeded", polls: 1, nextPollAt: undefined, done: T0 + 1_000 };
    state.download = { started: T0 + 1_000, bytes: 4_000_000, total: 4_000_000, done: T0 + 3_000 };
    state.write = { started: T0 + 1_000, records: new Map([["tasks", 5]]), done: T0 + 3_000 };
    state.publish = { started: T0 + 3_000, files: 2, manifest: "_manifests/9.json", state: "_state.json", done: T0 + 3_100 };
    expect(renderPhases(state, T0 + 4_000, 100)).toEqual([
      "✓ Export job 42 succeeded after 0:01 (1 poll)",
      "✓ Downloaded 4.0 MB in 0:02 (2.0 MB/s)",
      "✓ Wrote 5 records in 0:02: tasks 5",
      "✓ Published: 2 files renamed, manifest _manifests/9.json, state _state.json",
    ]);
  });

  it("cuts lines to one column less than the terminal, so none wraps", () => {
    const state = initialState(T0, ["tasks"]);
    state.job = { gid: "1234567890123456", status: "in_progress", polls: 1, nextPollAt: T0 + 1_000, done: undefined };
    const [line] = renderPhases(state, T0, 30);
    expect(line).toBe("| Waiting for export job 123…");
    expect([...(line ?? "")].length).toBe(29);
    expect(fit("short", 10)).toBe("short");
  });
});
