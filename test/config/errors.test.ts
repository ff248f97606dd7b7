import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { TOKEN_ENV } from "../../src/config/schema.js";
import { MINIMAL, TOKEN, configErrorOf, messageFor } from "./helpers.js";

const TOP_KEYS =
  "workspace, service_account_token, start_date, filters, lookback_window_seconds, full_export_every_days, track_deletions, base_url, poll_interval_seconds, " +
  "export_timeout_minutes, request_timeout_seconds, max_retries, on_invalid_record, output";
const WORKSPACE_FIX = "copy it from the Asana URL https://app.asana.com/0/<workspace gid>/...";
const START_DATE_FIX = "e.g. 2024-01-01 (00:00 UTC) or 2024-01-01T00:00:00Z";

describe("parseConfig: one message per problem, naming the key and the fix", () => {
  it.each<[string, Record<string, unknown>, string]>([
    ["workspace not digits", { workspace: "acme" }, `config.workspace must be a workspace gid (digits), got 'acme': ${WORKSPACE_FIX}`],
    [
      "workspace as a JSON number",
      { workspace: 1200000000000000 },
      `config.workspace must be a workspace gid (digits), got 1200000000000000 (a number: write it as a string, in double quotes): ${WORKSPACE_FIX}`,
    ],
    ["workspace missing", { workspace: undefined }, `config.workspace is missing: ${WORKSPACE_FIX}`],
    [
      "token of the wrong type",
      { service_account_token: 42 },
      `config.service_account_token must be a string: paste the service account's token, or remove the key and set ${TOKEN_ENV}`,
    ],
    ["plain http to a remote host", { base_url: "http://example.com/api/1.0" }, "config.base_url uses plain http to non-loopback host example.com: use https"],
    ["plain http to a private address", { base_url: "http://10.0.0.5:4010" }, "config.base_url uses plain http to non-loopback host 10.0.0.5: use https"],
    ["plain http to a lookalike host", { base_url: "http://localhost.example.com" }, "config.base_url uses plain http to non-loopback host localhost.example.com: use https"],
    ["base_url not a URL", { base_url: "app.asana.com" }, "config.base_url must be an http(s) URL, got 'app.asana.com': e.g. https://app.asana.com/api/1.0"],
    ["base_url of another scheme", { base_url: "ftp://app.asana.com" }, "config.base_url must be an http(s) URL, got 'ftp://app.asana.com': e.g. https://app.asana.com/api/1.0"],
    ["base_url with credentials", { base_url: "https://me:pw@app.asana.com" }, "config.base_url must not carry a user name or password: put the token in service_account_token"],
    [
      "base_url with a query",
      { base_url: "https://app.asana.com/api/1.0?x=1" },
      "config.base_url must not have a query string or fragment, got 'https://app.asana.com/api/1.0?***': give the API root only, e.g. https://app.asana.com/api/1.0",
    ],
    ["start_date on a day that does not exist", { start_date: "2024-02-30" }, `config.start_date is not a real date, got '2024-02-30': ${START_DATE_FIX}`],
    ["start_date in month 13", { start_date: "2024-13-01" }, `config.start_date is not a real date, got '2024-13-01': ${START_DATE_FIX}`],
    [
      "start_date without a zone",
      { start_date: "2024-01-01T00:00:00" },
      "config.start_date must be a date or an ISO 8601 date-time with a time zone, got '2024-01-01T00:00:00': add a time zone, e.g. 2024-01-01T00:00:00Z for UTC",
    ],
    ["start_date in words", { start_date: "yesterday" }, `config.start_date must be a date or an ISO 8601 date-time with a time zone, got 'yesterday': ${START_DATE_FIX}`],
    ["a filter's created_at as a date", { filters: { task: { "created_at.after": "2024-01-01" } } }, 'config.filters.task["created_at.after"] must be an ISO 8601 date-time with a time zone, got \'2024-01-01\': add a time, e.g. 2024-01-01T00:00:00Z'],
    ["start_date on Feb 30", { start_date: "2024-02-30T00:00:00Z" }, `config.start_date is not a real date-time, got '2024-02-30T00:00:00Z': ${START_DATE_FIX}`],
    ["start_date on Feb 29 of a common year", { start_date: "2023-02-29T00:00:00Z" }, `config.start_date is not a real date-time, got '2023-02-29T00:00:00Z': ${START_DATE_FIX}`],
    ["start_date at hour 24", { start_date: "2024-01-01T24:00:00Z" }, `config.start_date is not a real date-time, got '2024-01-01T24:00:00Z': ${START_DATE_FIX}`],
    ["start_date with a bad offset", { start_date: "2024-01-01T00:00:00+25:00" }, `config.start_date is not a real date-time, got '2024-01-01T00:00:00+25:00': ${START_DATE_FIX}`],
    ["negative lookback", { lookback_window_seconds: -1 }, "config.lookback_window_seconds must be a whole number of seconds from 0 to 3153600000 (100 years), got -1"],
    ["fractional lookback", { lookback_window_seconds: 1.5 }, "config.lookback_window_seconds must be a whole number of seconds from 0 to 3153600000 (100 years), got 1.5"],
    ["a lookback past 100 years", { lookback_window_seconds: 1e12 }, "config.lookback_window_seconds must be a whole number of seconds from 0 to 3153600000 (100 years), got 1000000000000"],
    ["zero poll interval", { poll_interval_seconds: 0 }, "config.poll_interval_seconds must be a number of seconds > 0, got 0"],
    ["zero export timeout", { export_timeout_minutes: 0 }, "config.export_timeout_minutes must be a whole number of minutes >= 1, got 0"],
    [
      "quoted request timeout",
      { request_timeout_seconds: "60" },
      "config.request_timeout_seconds must be a whole number of seconds >= 1, got '60' (a string: write the number without quotes)",
    ],
    ["negative retries", { max_retries: -1 }, "config.max_retries must be a whole number >= 0, got -1"],
    ["unknown invalid-record policy", { on_invalid_record: "ignore" }, "config.on_invalid_record must be one of 'fail', 'skip', got 'ignore'"],
    ["output not an object", { output: null }, 'config.output must be an object, got null: e.g. {"path": "./asana-export", "format": "parquet"}'],
    ["unknown output format", { output: { format: "csv" } }, "config.output.format must be one of 'parquet', 'jsonl', got 'csv'"],
    ["unknown compression", { output: { compression: "lz4" } }, "config.output.compression must be one of 'zstd', 'snappy', 'gzip', 'none', got 'lz4'"],
    ["zero file size", { output: { max_file_size_mb: 0 } }, "config.output.max_file_size_mb must be a whole number of megabytes >= 1, got 0"],
    ["empty output path", { output: { path: "" } }, "config.output.path must be a non-empty directory path, got '': e.g. ./asana-export"],
    ["zero row group size", { output: { row_group_size_mb: 0 } }, "config.output.row_group_size_mb must be a whole number of megabytes >= 1, got 0"],
    [
      "row group size past 1 GiB",
      { output: { row_group_size_mb: 4096 } },
      "config.output.row_group_size_mb must be a whole number of megabytes from 1 to 1024, got 4096: 128 (the default) is what Parquet recommends",
    ],
    [
      "page version 3",
      { output: { parquet_data_page_version: 3 } },
      "config.output.parquet_data_page_version must be 1 or 2, got 3: 1 (the default) is what every engine reads; 2 only for readers that ask for it",
    ],
    [
      "page version as text",
      { output: { parquet_data_page_version: "2" } },
      "config.output.parquet_data_page_version must be 1 or 2, got '2' (a string: write the number without quotes): 1 (the default) is what every engine reads; 2 only for readers that ask for it",
    ],
  ])("%s", (_name, changes, expected) => {
    expect(messageFor(changes)).toBe(expected);
  });

  it("says how to give the token when neither config.json nor the environment has it", () => {
    const { service_account_token: _dropped, ...withoutToken } = MINIMAL;
    const expected = `config.service_account_token is missing: set it or the environment variable ${TOKEN_ENV}`;
    expect(configErrorOf(() => parseConfig(withoutToken, {})).message).toBe(expected);
    expect(configErrorOf(() => parseConfig({ ...withoutToken, service_account_token: "" }, { [TOKEN_ENV]: " " })).message).toBe(expected);
  });

  it("refuses a config that is not an object", () => {
    expect(configErrorOf(() => parseConfig([MINIMAL], {})).message).toBe(
      'config must be a JSON object such as {"workspace": "1200000000000000"}, got a list',
    );
    expect(configErrorOf(() => parseConfig("plainsecretvalue-42", { [TOKEN_ENV]: "plainsecretvalue-42" })).message).toBe(
      'config must be a JSON object such as {"workspace": "1200000000000000"}, got a hidden value (it looks like a token)',
    );
  });

  it("lists every problem in one ConfigError, in the schema's key order", () => {
    const error = configErrorOf(() => parseConfig({ max_retries: -1, workspace: "acme", colour: "blue" }, {}));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.failureType).toBe("config_error");
    expect(error.message).toBe(
      [
        "4 problems in the config:",
        `- config.workspace must be a workspace gid (digits), got 'acme': ${WORKSPACE_FIX}`,
        `- config.service_account_token is missing: set it or the environment variable ${TOKEN_ENV}`,
        "- config.max_retries must be a whole number >= 0, got -1",
        `- config.colour is not a known key; valid keys: ${TOP_KEYS}`,
      ].join("\n"),
    );
  });
});

describe("parseConfig: unknown keys", () => {
  /** The config and the warnings of a config of MINIMAL plus `changes`. */
  function warned(changes: Record<string, unknown>): { config: Record<string, unknown>; warnings: string[] } {
    const warnings: string[] = [];
    const config = parseConfig({ ...MINIMAL, ...changes }, {}, (w) => warnings.push(w)) as unknown as Record<string, unknown>;
    return { config, warnings };
  }

  it("guesses no key for one far longer than any valid key (the edit distance would cost length x length), and cuts it", () => {
    const long = `workspace${"e".repeat(100)}`;
    const { warnings } = warned({ [long]: 1, workspac: 2 });
    expect(warnings).toEqual([
      `config["workspace${"e".repeat(51)}"... (a key of 109 characters)] is not a known key; valid keys: ${TOP_KEYS}. It is ignored.`,
      `config.workspac is not a known key (did you mean workspace?); valid keys: ${TOP_KEYS}. It is ignored.`,
    ]);
  });

  it("ignores an unknown top-level key of a valid config, with a warning listing the valid ones", () => {
    const { config, warnings } = warned({ foo: 1 });
    expect(warnings).toEqual([`config.foo is not a known key; valid keys: ${TOP_KEYS}. It is ignored.`]);
    expect(config).not.toHaveProperty("foo");
    expect(config.workspace).toBe(MINIMAL.workspace);
  });

  it("suggests the key a typo was meant to be", () => {
    expect(warned({ start_data: "2024-01-01T00:00:00Z" }).warnings).toEqual([
      `config.start_data is not a known key (did you mean start_date?); valid keys: ${TOP_KEYS}. It is ignored.`,
    ]);
  });

  it("names an unknown nested key with its full path, and keeps the rest of that object", () => {
    const { config, warnings } = warned({ output: { dir: "x", format: "jsonl" } });
    expect(warnings).toEqual(["config.output.dir is not a known key; valid keys: path, format, compression, max_file_size_mb, row_group_size_mb, parquet_data_page_version. It is ignored."]);
    expect(config.output).toMatchObject({ format: "jsonl" });
    expect(config.output).not.toHaveProperty("dir");
  });

  it("lists unknown keys with the problems when the config is invalid (a typo next to 'is missing')", () => {
    expect(messageFor({ workspace: undefined, workspcae: "1200000000000000" })).toBe(
      [
        "2 problems in the config:",
        `- config.workspace is missing: ${WORKSPACE_FIX}`,
        `- config.workspcae is not a known key (did you mean workspace?); valid keys: ${TOP_KEYS}`,
      ].join("\n"),
    );
  });

  it("refuses an unknown filter key: a misspelt filter would widen the export", () => {
    expect(messageFor({ filters: { task: { "asignee.any": ["1"] } } })).toBe(
      'config.filters.task["asignee.any"] is not a known key (did you mean assignee.any?); valid keys: created_at.after, ' +
        "created_at.before, created_by.any, followers.any, liked_by.any, commented_on_by.any, assigned_by.any, assignee.any",
    );
  });

  it("ignores Singer's batch_config: the Singer front end extends the schema itself", () => {
    expect(warned({ batch_config: {} }).warnings).toEqual([`config.batch_config is not a known key; valid keys: ${TOP_KEYS}. It is ignored.`]);
  });

  it("never shows the token in a warning", () => {
    const { warnings } = warned({ [TOKEN]: 1 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain(TOKEN);
  });
});

describe("parseConfig: filters", () => {
  it.each([["assignee.any"], ["assigned_by.any"]])("refuses the task-only %s under message", (key) => {
    expect(messageFor({ filters: { message: { [key]: ["1200000000000001"] } } })).toBe(
      `config.filters.message["${key}"] applies to tasks only: move it to config.filters.task or remove it`,
    );
  });

  it.each([["task"], ["message"]])("refuses modified_at.after under %s and points to start_date", (type) => {
    expect(messageFor({ filters: { [type]: { "modified_at.after": "2024-01-01T00:00:00Z" } } })).toBe(
      `config.filters.${type}["modified_at.after"] is not allowed: the incremental cursor sets modified_at.after on every export; ` +
        "use start_date to bound the first sync",
    );
  });

  it.each([["task"], ["message"]])("refuses modified_at.before under %s and points to created_at.before", (type) => {
    expect(messageFor({ filters: { [type]: { "modified_at.before": "2024-01-01T00:00:00Z" } } })).toBe(
      `config.filters.${type}["modified_at.before"] is not allowed: the incremental cursor would move past the objects it ` +
        "leaves out, so they would never be exported; use created_at.before to bound the export",
    );
  });

  it("says teams take no filters", () => {
    expect(messageFor({ filters: { team: {} } })).toBe("config.filters.team is not a known key: teams take no filters; valid keys: task, message");
  });

  it("checks filter dates, user gids and empty lists", () => {
    expect(messageFor({ filters: { task: { "created_at.after": "2024-01-01" } } })).toBe(
      `config.filters.task["created_at.after"] must be an ISO 8601 date-time with a time zone, got '2024-01-01': add a time, e.g. 2024-01-01T00:00:00Z`,
    );
    expect(messageFor({ filters: { message: { "followers.any": ["1", "me"] } } })).toBe(
      `config.filters.message["followers.any"][1] must be a user gid (digits), got 'me': copy it from the user's profile URL`,
    );
    expect(messageFor({ filters: { task: { "assignee.any": [] } } })).toBe(
      `config.filters.task["assignee.any"] must be a non-empty list of user gids, got an empty list: e.g. ["1200000000000001"], or remove the key`,
    );
    expect(messageFor({ filters: { task: { "assignee.any": "1200000000000001" } } })).toBe(
      `config.filters.task["assignee.any"] must be a non-empty list of user gids, got '1200000000000001': e.g. ["1200000000000001"], or remove the key`,
    );
  });

  it("refuses created_at bounds that leave nothing to match", () => {
    const filters = { task: { "created_at.after": "2024-02-01T00:00:00Z", "created_at.before": "2024-02-01T01:00:00+01:00" } };
    expect(messageFor({ filters })).toBe(
      `config.filters.task["created_at.after"] must be earlier than created_at.before, got '2024-02-01T00:00:00Z': otherwise no task matches`,
    );
  });

  it("refuses filters that are not objects", () => {
    expect(messageFor({ filters: "assignee" })).toBe(
      `config.filters must be an object with task and/or message filters, got 'assignee': e.g. {"task": {"assignee.any": ["1200000000000001"]}}`,
    );
    expect(messageFor({ filters: { message: [] } })).toBe(
      `config.filters.message must be an object of Asana message filters, got an empty list: e.g. {"created_at.after": "2024-01-01T00:00:00Z"}`,
    );
  });
});

describe("parseConfig: every field has a readable message for a value of the wrong type", () => {
  it.each([
    "workspace",
    "service_account_token",
    "start_date",
    "filters",
    "lookback_window_seconds",
    "base_url",
    "poll_interval_seconds",
    "export_timeout_minutes",
    "request_timeout_seconds",
    "max_retries",
    "on_invalid_record",
    "output",
  ])("%s", (key) => {
    for (const wrong of [true, [1]]) {
      expect(messageFor({ [key]: wrong })).toMatch(new RegExp(`^config\\.${key} must (be|not) [a-z]`));
    }
  });
});

describe("parseConfig: the token never appears in a message", () => {
  const plainSecret = "plainsecretvalue-42";

  it.each<[string, Record<string, unknown>, NodeJS.ProcessEnv]>([
    ["token as the workspace", { workspace: TOKEN }, {}],
    ["an unusual token as the workspace", { workspace: plainSecret, service_account_token: plainSecret }, {}],
    ["the env token as the workspace", { workspace: plainSecret, service_account_token: undefined }, { [TOKEN_ENV]: plainSecret }],
    ["token as a user gid", { filters: { task: { "assignee.any": [TOKEN] } } }, {}],
    ["token in base_url", { base_url: `https://${plainSecret}@app.asana.com/?t=${plainSecret}`, service_account_token: plainSecret }, {}],
    ["token as start_date", { start_date: plainSecret, service_account_token: plainSecret }, {}],
    ["token as a filter key", { filters: { task: { [plainSecret]: 1 } }, service_account_token: plainSecret }, {}],
    ["half the token as the workspace", { workspace: TOKEN.slice(0, 30) }, {}],
  ])("%s", (_name, changes, env) => {
    const message = messageFor(changes, env);
    expect(message).toMatch(/^config/);
    expect(message).not.toContain(plainSecret);
    expect(message).not.toContain(TOKEN);
    expect(message).not.toContain(TOKEN.slice(0, 30));
  });

  it("hides a token used as an unknown key, listed next to another problem", () => {
    const message = messageFor({ [TOKEN]: true, workspace: "acme" });
    expect(message).toMatch(/^2 problems in the config:\n- config\.workspace .*\n- config\[<a key that looks like a token>\] is not a known key; valid keys: /);
    expect(message).not.toContain(TOKEN);
    expect(message).not.toContain(TOKEN.slice(0, 30));
  });

  it("hides the value behind a description", () => {
    expect(messageFor({ workspace: TOKEN })).toBe(
      `config.workspace must be a workspace gid (digits), got a hidden value (it looks like a token): ${WORKSPACE_FIX}`,
    );
  });
});
