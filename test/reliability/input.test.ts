// Bad input is refused before anything is exported: bad config (each message names the key), a
// catalog naming an unknown stream or field, a corrupted or foreign state (never a silent full
// sync). Both `read` and `sync`, through the built CLI; plus the per-key table in-process.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { configShape } from "../../src/config/schema.js";
import { ConfigError } from "../../src/core/errors.js";
import { STREAM_NAMES } from "../../src/streams/index.js";
import type { Emulator } from "../../src/emulator/index.js";
import { emulatorConfig, fullCatalog, scratch } from "../helpers/airbyte.js";
import { expectFailure, expectNoLeaks, filesUnder, snapshot, type ExpectedFailure } from "./expect.js";
import { run, type Json, type RunInput, type Side } from "./harness.js";
import { SIDES, forSides, sideEmulators } from "./sides.js";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

const envs = sideEmulators(91);

interface InputCase {
  name: string;
  sides?: readonly Side[];
  input: (side: Side, em: Emulator) => RunInput;
  expected: ExpectedFailure;
}

/** The run's input with a state: read passes it with --state, sync finds it in the output folder. */
function withState(side: Side, text: string): RunInput {
  if (side === "read") return { state: text };
  const out = join(scratch(), "out");
  mkdirSync(out);
  writeFileSync(join(out, "_state.json"), text);
  return { out };
}

const stream = (name: string, state: unknown): Json => ({ type: "STREAM", stream: { stream_descriptor: { name }, stream_state: state } });

const CASES: InputCase[] = [
  {
    name: "a config with many problems: each named by its key, the token never shown",
    input: (_side, em) => ({
      configText: JSON.stringify({
        ...emulatorConfig(em),
        workspace: "acme",
        base_url: "http://example.com/api/1.0",
        poll_interval_seconds: 0,
        export_timeout_minutes: 1.5,
        max_retries: "3",
        on_invalid_record: "ignore",
        start_date: "yesterday",
        filters: { task: { "modified_at.after": "2024-01-01T00:00:00Z" } },
        output: { format: "csv" },
        workspcae: "1",
        token: em.token,
      }),
    }),
    expected: {
      code: "CONFIG_INVALID",
      failureType: "config_error",
      message: [
        /^11 problems in the config:/,
        /- config\.workspace must be a workspace gid \(digits\), got 'acme'/,
        /- config\.start_date must be a date or an ISO 8601 date-time/,
        /- config\.filters\.task\["modified_at\.after"\] is not allowed: the incremental cursor sets modified_at\.after/,
        /- config\.base_url uses plain http to non-loopback host example\.com: use https/,
        /- config\.poll_interval_seconds must be a number of seconds > 0, got 0/,
        /- config\.export_timeout_minutes must be a whole number of minutes >= 1, got 1\.5/,
        /- config\.max_retries must be a whole number >= 0, got '3' \(a string: write the number without quotes\)/,
        /- config\.on_invalid_record must be one of 'fail', 'skip', got 'ignore'/,
        /- config\.output\.format must be one of 'parquet', 'jsonl', got 'csv'/,
        /- config\.workspcae is not a known key \(did you mean workspace\?\)/,
        /- config\.token is not a known key/,
      ],
    },
  },
  {
    name: "a 10 MB unknown key and a 10 MB wrong value: both shown cut to 60 characters, with their length",
    input: (_side, em) => ({
      configText: JSON.stringify({ ...emulatorConfig(em), ["k".repeat(10 * 1024 * 1024)]: 1, output: { format: "y".repeat(10 * 1024 * 1024) } }),
    }),
    expected: {
      code: "CONFIG_INVALID",
      failureType: "config_error",
      message: [
        /^2 problems in the config:/,
        /- config\.output\.format must be one of 'parquet', 'jsonl', got 'y{60}\.\.\. \(10485760 characters\)'/,
        /- config\["k{60}"\.\.\. \(a key of 10485760 characters\)\] is not a known key; valid keys: workspace, /,
      ],
    },
  },
  {
    name: "a workspace gid of 40 digits: longer than any gid (32 at most)",
    input: (_side, em) => ({ configText: JSON.stringify({ ...emulatorConfig(em), workspace: "1".repeat(40) }) }),
    expected: { code: "CONFIG_INVALID", failureType: "config_error", message: /^config\.workspace must be a workspace gid \(digits\), got '1{40}'/ },
  },
  {
    name: "a base_url whose fragment holds a token: refused, the fragment never shown",
    input: (_side, em) => ({ configText: JSON.stringify({ ...emulatorConfig(em), base_url: `${em.baseUrl}#access_token=Fr4gmentSecret99` }) }),
    expected: {
      code: "CONFIG_INVALID",
      failureType: "config_error",
      message: /^config\.base_url must not have a query string or fragment, got 'http:\/\/127\.0\.0\.1:\d+\/api\/1\.0#\*\*\*': give the API root only/,
    },
  },
  {
    name: "a config file that is not UTF-8 (a token saved in Latin-1): an encoding error naming the byte's place, never the bytes",
    input: (_side, em) => ({
      configBytes: Buffer.concat([Buffer.from(`{"workspace": "${em.workspaceGid}", "base_url": "${em.baseUrl}", "service_account_token": "2/12345/67890:caf`), Buffer.from([0xe9]), Buffer.from('"}')]),
    }),
    expected: {
      code: "CONFIG_ENCODING",
      failureType: "config_error",
      message: /^config file \S+config\.json is not valid UTF-8: the byte at line 1, column \d+ \(offset \d+\) is not part of a UTF-8 character\. Save the file as UTF-8/,
    },
  },
  {
    name: "a token in the environment that is not plain ASCII: an encoding error, the token never shown",
    input: (_side, em) => ({ configText: JSON.stringify({ ...emulatorConfig(em), service_account_token: undefined }), env: { ASANA_SERVICE_ACCOUNT_TOKEN: "2/12345/67890:caf\u00e9\u200b" } }),
    expected: {
      code: "CONFIG_ENCODING",
      failureType: "config_error",
      message: /^the environment variable ASANA_SERVICE_ACCOUNT_TOKEN holds characters that are not printable ASCII .*Paste the token again\.$/,
    },
  },
  {
    name: "a lookback window of 30 million years",
    input: (_side, em) => ({ configText: JSON.stringify({ ...emulatorConfig(em), lookback_window_seconds: 1e15 }) }),
    expected: { code: "CONFIG_INVALID", failureType: "config_error", message: /^config\.lookback_window_seconds must be a whole number of seconds from 0 to 3153600000 \(100 years\), got 1000000000000000$/ },
  },
  {
    name: "a config file that is not JSON",
    input: () => ({ configText: '{"workspace": "1200000000000000",}' }),
    expected: { code: "CONFIG_FILE_NOT_JSON", failureType: "config_error", message: /is not valid JSON: .* at line 1, column 34 \(offset 33\): JSON needs double-quoted keys/ },
  },
  {
    name: "no token in the config nor the environment",
    input: (_side, em) => ({ configText: JSON.stringify({ ...emulatorConfig(em), service_account_token: undefined }) }),
    expected: { code: "CONFIG_INVALID", failureType: "config_error", message: /^config\.service_account_token is missing: set it or the environment variable ASANA_SERVICE_ACCOUNT_TOKEN$/ },
  },
  {
    name: "a catalog naming an unknown stream",
    sides: ["read"],
    input: () => ({ catalog: { streams: [{ ...(fullCatalog().streams as Json[])[0], stream: { name: "portfolios", json_schema: {} } }] } }),
    expected: { code: "UNKNOWN_STREAM", failureType: "config_error", message: new RegExp(`^catalog\\.streams\\[0\\]\\.stream\\.name names stream 'portfolios', which this source does not have; valid streams: ${STREAM_NAMES.join(", ")}$`) },
  },
  {
    name: "--streams naming an unknown stream",
    sides: ["sync"],
    input: () => ({ flags: ["--streams", "tasks,portfolios"] }),
    expected: { code: "UNKNOWN_STREAM", failureType: "config_error", message: new RegExp(`^--streams names stream 'portfolios', which this source does not have; valid streams: ${STREAM_NAMES.join(", ")}$`) },
  },
  {
    name: "a catalog naming an unknown field",
    sides: ["read"],
    input: () => {
      const catalog = fullCatalog("auto", ["tasks"]) as { streams: { stream: { json_schema: { properties: Json } } }[] };
      const first = catalog.streams[0];
      if (first) first.stream.json_schema.properties.colour = { type: "string" };
      return { catalog };
    },
    expected: { code: "UNKNOWN_FIELD", failureType: "config_error", message: /^catalog\.streams\[0\]\.stream\.json_schema\.properties names 'colour', not a field of stream 'tasks'; run discover again/ },
  },
  {
    name: "a state file that is not JSON (corrupted)",
    input: (side) => withState(side, '[{"type": "STREAM", "stream": {'),
    expected: { code: "STATE_INVALID", failureType: "config_error", message: /is not valid JSON \(.*\)\. It is corrupted: restore it from the last STATE message, or remove it to run a full sync\.$/ },
  },
  {
    name: "another connector's state (no version)",
    input: (side) => withState(side, JSON.stringify([stream("tasks", { updated_at: "2024-01-01T00:00:00Z" })])),
    expected: { code: "STATE_FOREIGN", failureType: "config_error", message: /the state of stream 'tasks' has no 'version'; it was not written by this connector\. Remove it \(a full sync follows\)/ },
  },
  {
    name: "a state for a stream this source does not have",
    input: (side) => withState(side, JSON.stringify({ bookmarks: { portfolios: { version: 1 } } })),
    expected: { code: "STATE_FOREIGN", failureType: "config_error", message: new RegExp(`holds state for an unknown stream 'portfolios' \\(known: ${STREAM_NAMES.join(", ")}\\)`) },
  },
  {
    name: "a state whose cursor is before 1970 (no export is that old)",
    input: (side) => withState(side, JSON.stringify([stream("tasks", { version: 1, cursor: "1960-01-01T00:00:00.000Z" })])),
    expected: { code: "STATE_INVALID", failureType: "config_error", message: /: tasks\.cursor is 1960-01-01T00:00:00\.000Z, before 1970, so it was not written by this connector/ },
  },
  {
    name: "a state whose cursor is a year from now (it would keep every change out of every export)",
    input: (side) => withState(side, JSON.stringify([stream("tasks", { version: 1, cursor: new Date(Date.now() + 365 * 86_400_000).toISOString() })])),
    expected: { code: "STATE_INVALID", failureType: "config_error", message: /: tasks\.cursor is \S+, later than this machine's clock \(/ },
  },
  {
    name: "a state whose recorded export job starts a year from now (it would never time out)",
    input: (side) =>
      withState(
        side,
        JSON.stringify([stream("tasks", { version: 1, pending_export: { job_gid: "1", workspace: "1", fingerprint: "f", started_at: new Date(Date.now() + 365 * 86_400_000).toISOString() } })]),
      ),
    expected: { code: "STATE_INVALID", failureType: "config_error", message: /: tasks\.pending_export\.started_at is \S+, later than this machine's clock \(/ },
  },
  {
    name: "a state whose cursor is damaged",
    input: (side) => withState(side, JSON.stringify([stream("tasks", { version: 1, cursor: "last tuesday" })])),
    expected: { code: "STATE_INVALID", failureType: "config_error", message: /the state of stream 'tasks' is invalid at tasks\.cursor: .*The state file is corrupted or from another connector version/ },
  },
];

// The cases share no faults and each must make no request at all: run them at once.
describe.concurrent("refuses bad input before exporting anything", () => {
  for (const c of CASES) {
    const sides = c.sides ?? SIDES;
    it(`${c.name} (${sides.join(", ")})`, () =>
      forSides(sides, async (side) => {
        const { em } = envs[side];
        const input = c.input(side, em);
        const before = input.out === undefined ? undefined : snapshot(input.out);
        const seen = em.requests.length;
        const o = await run(side, em, input);
        expectFailure(o, c.expected);
        expect(em.requests.length, "a request reached Asana").toBe(seen);
        expect(o.messages.filter((m) => m.type === "RECORD" || m.type === "STATE")).toEqual([]);
        if (before !== undefined) expect(snapshot(input.out ?? "")).toEqual(before);
        expectNoLeaks(o, em);
      }));
  }
});

describe("every config key's wrong value is named by its key", () => {
  const TOKEN = "2/1209876543210987/1201234567890123:0a1b2c3d4e5f60718293a4b5c6d7e8f9";
  for (const key of Object.keys(configShape)) {
    it(`config.${key}`, () => {
      let message = "";
      try {
        parseConfig({ workspace: "1200000000000000", service_account_token: TOKEN, [key]: [] }, {});
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as ConfigError).message;
      }
      expect(message).toMatch(new RegExp(`^config\\.${key} `));
      expect(message).not.toContain(TOKEN);
    });
  }
});

describe("security", () => {
  const base = { workspace: "1200000000000000", service_account_token: "2/1209876543210987/1201234567890123:0a1b2c3d4e5f" };
  it("plain-http base_url is refused for a non-loopback host, and allowed for loopback only", () => {
    for (const host of ["example.com", "10.0.0.5", "localhost.example.com"]) {
      expect(() => parseConfig({ ...base, base_url: `http://${host}/api/1.0` }, {})).toThrow(`config.base_url uses plain http to non-loopback host ${host}: use https`);
    }
    for (const host of ["127.0.0.1:4010", "localhost:4010", "[::1]:4010"]) expect(parseConfig({ ...base, base_url: `http://${host}/api/1.0` }, {}).base_url).toBe(`http://${host}/api/1.0`);
  });

  it("TLS verification is never disabled anywhere in src/", () => {
    const offenders = filesUnder(SRC)
      .filter((f) => f.endsWith(".ts"))
      .filter((f) => /rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity/.test(readFileSync(join(SRC, f), "utf8")));
    expect(offenders).toEqual([]);
  });
});
