// The conformance checks themselves: each must pass a good run and catch the fault it names, so a
// tap test that reports no problems means something.
import { describe, expect, it } from "vitest";
import { conformanceProblems, finalStateProblems, streamProblems } from "./singer-conformance.js";
import { groupMessages, type Json, type TapRun } from "./singer.js";

const SCHEMA = {
  type: "SCHEMA",
  stream: "tasks",
  key_properties: ["gid"],
  schema: {
    type: "object",
    properties: {
      gid: { type: "string" },
      modified_at: { type: ["null", "string"], format: "date-time" },
      due_on: { type: ["null", "string"], format: "date" },
    },
  },
};

/** A tap run made of these messages. */
function tapRun(messages: Json[]): TapRun {
  const stdout = messages.map((m) => JSON.stringify(m)).join("\n");
  return groupMessages({ code: 0, signal: null, stdout, stderr: "", messages });
}

const record = (data: Json): Json => ({ type: "RECORD", stream: "tasks", record: data });
const state = (value: Json): Json => ({ type: "STATE", value });
const good = { gid: "1", modified_at: "2026-01-02T03:04:05.678Z", due_on: "2026-02-28" };
const goodState = { bookmarks: { tasks: { version: 1, cursor: "2026-01-02T03:04:05.678Z" } } };

describe("the Singer conformance checks", () => {
  it("pass a conforming run", () => {
    expect(conformanceProblems(tapRun([SCHEMA, record(good), state(goodState)]))).toEqual([]);
  });

  it.each([
    ["a day that does not exist", { ...good, modified_at: "2026-02-30T00:00:00Z" }, /is_datetime/],
    ["a time without an offset", { ...good, modified_at: "2026-01-02T03:04:05" }, /is_datetime/],
    ["a date-time where a date belongs", { ...good, due_on: "2026-02-28T00:00:00Z" }, /is_date/],
    ["a month 13", { ...good, due_on: "2026-13-01" }, /is_date/],
    ["a null key", { ...good, gid: null }, /primary_keys/],
    ["a field the SCHEMA lacks", { ...good, colour: "red" }, /record_schema_matches_catalog/],
  ])("catch %s", (_what, data, problem) => {
    const problems = streamProblems(tapRun([SCHEMA, record(data), state(goodState)]), "tasks");
    expect(problems.join("\n")).toMatch(problem);
  });

  it.each([
    ["a pending export", { bookmarks: { tasks: { version: 1, pending_export: { job_gid: "1" } } } }, /pending export/],
    ["no version", { bookmarks: { tasks: { cursor: "2026-01-02T03:04:05.678Z" } } }, /documented bookmarks shape/],
    ["a cursor that is not a time", { bookmarks: { tasks: { version: 1, cursor: "yesterday" } } }, /documented bookmarks shape/],
    ["a stream this tap lacks", { bookmarks: { tasks: goodState.bookmarks.tasks, portfolios: { version: 1 } } }, /documented bookmarks shape/],
    ["no bookmarks object", { tasks: goodState.bookmarks.tasks }, /documented bookmarks shape/],
    ["no bookmark for a synced stream", { bookmarks: {} }, /no bookmark for tasks/],
  ])("catch a final state with %s", (_what, value, problem) => {
    expect(finalStateProblems(tapRun([SCHEMA, record(good), state(value)])).join("\n")).toMatch(problem);
  });
});
