import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseConfig, parseConfigWith } from "../../src/config/load.js";
import { keysAt } from "../../src/config/issues.js";
import { TOKEN_ENV, configSchema } from "../../src/config/schema.js";
import { MINIMAL, TOKEN } from "./helpers.js";

describe("parseConfig: valid configs", () => {
  it("applies every default to a minimal config", () => {
    expect(parseConfig(MINIMAL, {})).toEqual({
      workspace: "1200000000000000",
      service_account_token: TOKEN,
      lookback_window_seconds: 300,
      full_export_every_days: 7,
      track_deletions: "auto",
      base_url: "https://app.asana.com/api/1.0",
      poll_interval_seconds: 5,
      export_timeout_minutes: 360,
      request_timeout_seconds: 60,
      max_retries: 8,
      on_invalid_record: "fail",
      output: { path: "./asana-export", format: "parquet", compression: "zstd", max_file_size_mb: 512, row_group_size_mb: 128, parquet_data_page_version: 1 },
    });
  });

  it("keeps given values and fills the output defaults the user left out", () => {
    const config = parseConfig(
      {
        ...MINIMAL,
        lookback_window_seconds: 0,
        poll_interval_seconds: 0.5,
        export_timeout_minutes: 1,
        request_timeout_seconds: 1,
        max_retries: 0,
        on_invalid_record: "skip",
        output: { format: "jsonl", compression: "gzip" },
      },
      {},
    );
    expect(config).toMatchObject({
      lookback_window_seconds: 0,
      poll_interval_seconds: 0.5,
      export_timeout_minutes: 1,
      request_timeout_seconds: 1,
      max_retries: 0,
      on_invalid_record: "skip",
      output: { path: "./asana-export", format: "jsonl", compression: "gzip", max_file_size_mb: 512, row_group_size_mb: 128, parquet_data_page_version: 1 },
    });
  });

  it("never shares the default output object between parses", () => {
    const first = parseConfig(MINIMAL, {});
    first.output.path = "/elsewhere";
    expect(parseConfig(MINIMAL, {}).output.path).toBe("./asana-export");
  });

  it("normalises start_date and filter date-times to UTC with Z", () => {
    const config = parseConfig(
      {
        ...MINIMAL,
        start_date: "2024-01-01T02:00:00+02:00",
        filters: {
          task: { "created_at.after": "2023-06-01T00:00:00Z", "created_at.before": "2025-01-01T00:00:00.5-05:30" },
          message: { "created_at.before": "2024-02-29T23:59:59.123Z" },
        },
      },
      {},
    );
    expect(config.start_date).toBe("2024-01-01T00:00:00.000Z");
    expect(config.filters?.task?.["created_at.after"]).toBe("2023-06-01T00:00:00.000Z");
    expect(config.filters?.task?.["created_at.before"]).toBe("2025-01-01T05:30:00.500Z");
    expect(config.filters?.message?.["created_at.before"]).toBe("2024-02-29T23:59:59.123Z");
  });

  it("takes a start_date given as a date (Meltano's date_iso8601) as 00:00 UTC of that day", () => {
    expect(parseConfig({ ...MINIMAL, start_date: "2024-01-01" }, {}).start_date).toBe("2024-01-01T00:00:00.000Z");
    expect(parseConfig({ ...MINIMAL, start_date: "2024-02-29" }, {}).start_date).toBe("2024-02-29T00:00:00.000Z");
  });

  it("accepts every documented filter key on its resource type", () => {
    const users = ["1200000000000001", "1200000000000002"];
    const shared = {
      "created_at.after": "2024-01-01T00:00:00Z",
      "created_at.before": "2024-06-01T00:00:00Z",
      "created_by.any": users,
      "followers.any": users,
      "liked_by.any": users,
      "commented_on_by.any": users,
    };
    const task = { ...shared, "assigned_by.any": users, "assignee.any": users };
    const config = parseConfig({ ...MINIMAL, filters: { task, message: shared } }, {});
    expect(Object.keys(config.filters?.task ?? {}).sort()).toEqual(Object.keys(task).sort());
    expect(Object.keys(config.filters?.message ?? {}).sort()).toEqual(Object.keys(shared).sort());
  });

  it.each([
    ["http://127.0.0.1:4010/api/1.0", "http://127.0.0.1:4010/api/1.0"],
    ["http://127.255.0.9/api/1.0/", "http://127.255.0.9/api/1.0"],
    ["http://localhost:8080", "http://localhost:8080"],
    ["http://LOCALHOST:8080/api/1.0", "http://localhost:8080/api/1.0"],
    ["http://[::1]:4010/api/1.0", "http://[::1]:4010/api/1.0"],
    ["https://app.asana.com/api/1.0/", "https://app.asana.com/api/1.0"],
    ["https://asana.example.com", "https://asana.example.com"],
  ])("accepts base_url %s as %s", (given, expected) => {
    expect(parseConfig({ ...MINIMAL, base_url: given }, {}).base_url).toBe(expected);
  });
});

describe("parseConfig: the token", () => {
  const { service_account_token: _dropped, ...withoutToken } = MINIMAL;

  it("comes from the environment when config.json has none", () => {
    expect(parseConfig(withoutToken, { [TOKEN_ENV]: TOKEN }).service_account_token).toBe(TOKEN);
  });

  it("comes from the environment when config.json holds an empty string", () => {
    const config = parseConfig({ ...withoutToken, service_account_token: " " }, { [TOKEN_ENV]: ` ${TOKEN}\n` });
    expect(config.service_account_token).toBe(TOKEN);
  });

  it("prefers config.json over the environment", () => {
    expect(parseConfig(MINIMAL, { [TOKEN_ENV]: "2/1/2:other-token-value" }).service_account_token).toBe(TOKEN);
  });

  it("is trimmed", () => {
    expect(parseConfig({ ...MINIMAL, service_account_token: `  ${TOKEN}\n` }, {}).service_account_token).toBe(TOKEN);
  });
});

describe("schema variants", () => {
  it("the filter objects hold exactly Asana's documented filter keys (ASANA_EXPORT_API.md), modified_at ones aside", () => {
    const shared = ["created_at.after", "created_at.before", "created_by.any", "followers.any", "liked_by.any", "commented_on_by.any"];
    expect(keysAt(configSchema, ["filters", "message"])).toEqual(shared);
    expect(keysAt(configSchema, ["filters", "task"])).toEqual([...shared, "assigned_by.any", "assignee.any"]);
  });

  it("the strict schema refuses unknown keys (parseConfig turns them into warnings)", () => {
    expect(configSchema.safeParse({ ...MINIMAL, extra: 1 }).success).toBe(false);
  });

  it("an extended strict schema accepts its new key and ignores unknown ones with a warning", () => {
    const extended = configSchema.extend({ batch_config: z.object({ encoding: z.string() }).optional() });
    const config = parseConfigWith(extended, { ...MINIMAL, batch_config: { encoding: "jsonl" } }, {});
    expect(config.batch_config).toEqual({ encoding: "jsonl" });
    expect(config.service_account_token).toBe(TOKEN);
    const warnings: string[] = [];
    expect(parseConfigWith(extended, { ...MINIMAL, extra: 1 }, {}, (w) => warnings.push(w))).not.toHaveProperty("extra");
    expect(warnings).toEqual([expect.stringMatching(/^config\.extra is not a known key; valid keys: .*batch_config\. It is ignored\.$/)]);
  });
});
