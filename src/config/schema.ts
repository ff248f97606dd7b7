// The config.json schema: the single source of truth for validation, the `Config` type and spec.json.
// Titles, descriptions, examples and `order` go through `.meta()` into the generated JSON Schema.
import { z } from "zod";
import { baseUrl, dateTimeProblem, expecting, gidString, integerAtLeast, oneOf, utcDateOrDateTime, utcDateTime } from "./fields.js";

/** Environment variable that supplies the token when config.json has none. */
export const TOKEN_ENV = "ASANA_SERVICE_ACCOUNT_TOKEN";

/** Filter keys Asana accepts on tasks only. */
export const TASK_ONLY_FILTER_KEYS = ["assigned_by.any", "assignee.any"] as const;

/**
 * Filter keys Asana documents that the config refuses, with the reason and the fix. The cursor owns
 * `modified_at`: a user `.after` would fight it, and a `.before` would let the cursor (the export's
 * `created_at`) move past objects the filter kept out, so they would never be exported.
 */
export const REFUSED_FILTER_KEYS: Readonly<Record<string, string>> = {
  "modified_at.after":
    "is not allowed: the incremental cursor sets modified_at.after on every export; use start_date to bound the first sync",
  "modified_at.before":
    "is not allowed: the incremental cursor would move past the objects it leaves out, so they would never be exported; " +
    "use created_at.before to bound the export",
};

type FilterTarget = "task" | "message";

function createdFilter(target: FilterTarget, bound: "after" | "before", order: number) {
  return utcDateTime()
    .optional()
    .meta({
      title: `created_at.${bound}`,
      description: `Only ${target}s created strictly ${bound} this date-time.`,
      examples: ["2024-01-01T00:00:00Z"],
      order,
    });
}

function usersFilter(key: string, description: string, order: number) {
  const error = expecting("a non-empty list of user gids", 'e.g. ["1200000000000001"], or remove the key');
  return z
    .array(gidString("a user gid (digits)", "copy it from the user's profile URL"), { error })
    .min(1, { error })
    .optional()
    .meta({ title: key, description, examples: [["1200000000000001"]], order });
}

function sharedFilterShape(target: FilterTarget) {
  return {
    "created_at.after": createdFilter(target, "after", 0),
    "created_at.before": createdFilter(target, "before", 1),
    "created_by.any": usersFilter("created_by.any", `Only ${target}s created by one of these users.`, 2),
    "followers.any": usersFilter("followers.any", `Only ${target}s followed by one of these users.`, 3),
    "liked_by.any": usersFilter("liked_by.any", `Only ${target}s liked by one of these users.`, 4),
    "commented_on_by.any": usersFilter("commented_on_by.any", `Only ${target}s commented on by one of these users.`, 5),
  };
}

const taskFilterShape = {
  ...sharedFilterShape("task"),
  "assigned_by.any": usersFilter("assigned_by.any", "Only tasks assigned by one of these users.", 6),
  "assignee.any": usersFilter("assignee.any", "Only tasks assigned to one of these users.", 7),
};

interface CreatedBounds {
  "created_at.after"?: string | undefined;
  "created_at.before"?: string | undefined;
}

/** Refuses `created_at` bounds that leave no room for a match. */
function createdBoundsInOrder(target: FilterTarget) {
  return (value: CreatedBounds, ctx: z.RefinementCtx): void => {
    const after = value["created_at.after"];
    const before = value["created_at.before"];
    // a bound that failed its own check is reported there; compare only normalised values
    const valid = (v: string | undefined): v is string => v !== undefined && dateTimeProblem(v) === undefined;
    if (valid(after) && valid(before) && after >= before) {
      ctx.addIssue({
        code: "custom",
        path: ["created_at.after"],
        message: `must be earlier than created_at.before, got {got}: otherwise no ${target} matches`,
      });
    }
  };
}

function filterError(target: FilterTarget) {
  return expecting(`an object of Asana ${target} filters`, 'e.g. {"created_at.after": "2024-01-01T00:00:00Z"}');
}

const taskFilters = z
  .strictObject(taskFilterShape, { error: filterError("task") })
  .superRefine(createdBoundsInOrder("task"));

const messageFilters = z
  .strictObject(sharedFilterShape("message"), { error: filterError("message") })
  .superRefine(createdBoundsInOrder("message"));

const filtersSchema = z
  .strictObject(
    {
      task: taskFilters.optional().meta({ title: "Task filters", order: 0 }),
      message: messageFilters.optional().meta({ title: "Message filters", order: 1 }),
    },
    { error: expecting("an object with task and/or message filters", 'e.g. {"task": {"assignee.any": ["1200000000000001"]}}') },
  )
  .optional()
  .meta({
    title: "Filters",
    description:
      "Asana export filters applied to every export, per resource type (teams take none). Keys are Asana's " +
      "literal dotted names. modified_at filters are refused because the incremental cursor owns modified_at: " +
      "use start_date for a lower bound and created_at.before for an upper one. A filter key not listed here is " +
      "refused, not ignored: a misspelt filter would widen the export.",
    examples: [{ task: { "assignee.any": ["1200000000000001"], "created_at.after": "2024-01-01T00:00:00Z" } }],
    order: 3,
  });

/** Defaults of the standalone `sync` output; CLI flags override them. */
export const OUTPUT_DEFAULTS = {
  path: "./asana-export",
  format: "parquet",
  compression: "zstd",
  max_file_size_mb: 512,
  row_group_size_mb: 128,
  parquet_data_page_version: 1,
} as const;

const pageVersionError = expecting("1 or 2", "1 (the default) is what every engine reads; 2 only for readers that ask for it");

const outputSchema = z
  .strictObject(
    {
      path: z
        .string({ error: expecting("a directory path", "e.g. ./asana-export") })
        .min(1, { error: expecting("a non-empty directory path", "e.g. ./asana-export") })
        .default(OUTPUT_DEFAULTS.path)
        .meta({ title: "Output directory", description: "Folder that receives one sub-folder per stream.", order: 0 }),
      format: oneOf(["parquet", "jsonl"])
        .default(OUTPUT_DEFAULTS.format)
        .meta({ title: "File format", description: "Typed Parquet files, or JSON Lines.", order: 1 }),
      compression: oneOf(["zstd", "snappy", "gzip", "none"])
        .default(OUTPUT_DEFAULTS.compression)
        .meta({ title: "Compression", description: "Codec of the written files.", order: 2 }),
      max_file_size_mb: integerAtLeast(1, "a whole number of megabytes >= 1")
        .default(OUTPUT_DEFAULTS.max_file_size_mb)
        .meta({ title: "Maximum file size (MB)", description: "A new file is started past this size.", order: 3 }),
      row_group_size_mb: integerAtLeast(1, "a whole number of megabytes >= 1")
        .max(1024, { error: expecting("a whole number of megabytes from 1 to 1024", "128 (the default) is what Parquet recommends") })
        .default(OUTPUT_DEFAULTS.row_group_size_mb)
        .meta({
          title: "Parquet row group size (MB)",
          description:
            "Uncompressed size of a Parquet row group. A group's compressed pages wait in memory until it is written " +
            "(about a third of this size); BigQuery asks for at least 16, Parquet recommends 128 to 1024.",
          order: 4,
        }),
      parquet_data_page_version: z
        .int({ error: pageVersionError })
        .min(1, { error: pageVersionError })
        .max(2, { error: pageVersionError })
        .default(OUTPUT_DEFAULTS.parquet_data_page_version)
        .meta({
          title: "Parquet data page version",
          description: "1 (the default): version-1 data pages, which every engine reads; 2: version-2 data pages.",
          order: 5,
        }),
    },
    { error: expecting("an object", 'e.g. {"path": "./asana-export", "format": "parquet"}') },
  )
  .default(() => ({ ...OUTPUT_DEFAULTS }))
  .meta({
    title: "Standalone output",
    description: "Used only by the standalone `sync` command (not by Airbyte or Singer); CLI flags override it.",
    airbyte_hidden: true,
    order: 11,
  });

/** The keys of config.json and their schemas (configSchema.extend adds keys for other front ends, e.g. Singer). */
export const configShape = {
  workspace: gidString(
    "a workspace gid (digits)",
    "copy it from the Asana URL https://app.asana.com/0/<workspace gid>/...",
  ).meta({
    title: "Workspace gid",
    description: "Gid of the Asana workspace or organization to export (digits, as in https://app.asana.com/0/<gid>/...).",
    examples: ["1200000000000000"],
    order: 0,
  }),
  service_account_token: z
    .string({ error: `must be a string: paste the service account's token, or remove the key and set ${TOKEN_ENV}` })
    .trim()
    .optional()
    .meta({
      title: "Service account token",
      description:
        `Bearer token of an Asana service account (Enterprise+ organisations). May be left out when the ` +
        `environment variable ${TOKEN_ENV} is set; this key wins when both are set.`,
      airbyte_secret: true,
      order: 1,
    }),
  start_date: utcDateOrDateTime()
    .optional()
    .meta({
      title: "Start date",
      description:
        "The first sync exports only tasks and messages modified after this date (00:00 UTC) or date-time (Z or an " +
        "offset; stored as UTC). Later syncs continue from the saved cursor. Leave it out to export everything.",
      examples: ["2024-01-01", "2024-01-01T00:00:00Z"],
      pattern_descriptor: "YYYY-MM-DD or YYYY-MM-DDTHH:mm:ssZ",
      order: 2,
    }),
  filters: filtersSchema,
  // At most 100 years: the cursor minus the window must stay a date Asana's filters take.
  lookback_window_seconds: integerAtLeast(0, "a whole number of seconds from 0 to 3153600000 (100 years)", 3_153_600_000)
    .default(300)
    .meta({
      title: "Lookback window (seconds)",
      description: "Overlap subtracted from the incremental cursor, so objects changed while an export ran are caught.",
      order: 4,
    }),
  full_export_every_days: integerAtLeast(0, "a whole number of days >= 0")
    .default(7)
    .meta({
      title: "Full export every (days)",
      description:
        "An incremental sync runs a full export of the incremental streams when the last one is this many days old, so " +
        "what Asana's modified_at does not see (section and project moves, tags, followers, likes) converges within " +
        "this bound. 0: never (only the first sync is full).",
      order: 12,
    }),
  track_deletions: oneOf(["auto", "rows", "objects", "off"])
    .default("auto")
    .meta({
      title: "Report deletions",
      description:
        "Report what the destination was given and Asana no longer has, as deletion records (_ab_cdc_deleted_at, " +
        "_sdc_deleted_at, or a tombstone row with _deleted_at). objects: deleted tasks and messages (about 3-5 bytes of " +
        "state per object). rows: also the stories, attachments and custom field values of deleted or changed parents " +
        "(about 5-9 bytes of state per row). auto: rows for the standalone sync (its state file is local), objects for " +
        "Airbyte and Singer (their state lives in the platform). off: none. Costs a narrow projection of every task " +
        "and message in each incremental export.",
      order: 13,
    }),
  base_url: baseUrl().meta({
    title: "API base URL",
    format: "uri",
    description: "Root of the Asana API. Plain http is refused unless the host is loopback (for the local emulator).",
    examples: ["https://app.asana.com/api/1.0", "http://127.0.0.1:4010/api/1.0"],
    order: 5,
  }),
  poll_interval_seconds: z
    .number({ error: expecting("a number of seconds > 0") })
    .positive({ error: expecting("a number of seconds > 0") })
    .default(5)
    .meta({ title: "Poll interval (seconds)", description: "First delay between job polls; it grows to at most 60.", order: 6 }),
  export_timeout_minutes: integerAtLeast(1, "a whole number of minutes >= 1")
    .default(360)
    .meta({ title: "Export timeout (minutes)", description: "Give up on an export job that has not finished after this.", order: 7 }),
  request_timeout_seconds: integerAtLeast(1, "a whole number of seconds >= 1")
    .default(60)
    .meta({ title: "Request timeout (seconds)", description: "Time limit of each HTTP request.", order: 8 }),
  max_retries: integerAtLeast(0, "a whole number >= 0")
    .default(8)
    .meta({ title: "Maximum retries", description: "Retries per request after a 429, a 5xx or a network error.", order: 9 }),
  on_invalid_record: oneOf(["fail", "skip"])
    .default("fail")
    .meta({
      title: "On invalid record",
      description: "What to do with an exported line that does not match its stream's schema: fail the sync, or skip it with a warning.",
      order: 10,
    }),
  output: outputSchema,
};

/** config.json, refusing unknown keys at every depth: what the connector validates with. */
export const configSchema = z.strictObject(configShape);

/** config.json after validation and defaults, before the token is resolved from the environment. */
export type ConfigFile = z.output<typeof configSchema>;

/** A parsed config whose token is resolved (from the file or the environment). */
export type WithToken<T> = Omit<T, "service_account_token"> & { service_account_token: string };

/** The validated config every command works from: defaults applied, token present. */
export type Config = WithToken<ConfigFile>;
