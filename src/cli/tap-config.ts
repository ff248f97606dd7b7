// The Singer tap's config: config.json plus the Meltano SDK's `batch_config`, read from one or more
// `--config` files. Files merge shallowly, as the Meltano SDK merges them: a top-level key of a later
// file replaces the same key of an earlier one whole (so `filters` or `batch_config` are never half
// from one file and half from another).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { configSchema, parseConfigWith, type WithToken } from "../config/index.js";
import { expecting, integerAtLeast, oneOf } from "../config/fields.js";
import { parseJsonText, readConfigText, type ConfigWarning } from "../config/load.js";
import { ConfigError } from "../core/errors.js";

const encodingSchema = z.strictObject(
  {
    format: oneOf(["jsonl", "parquet"]).meta({ description: "Format of the batch files." }),
    compression: oneOf(["gzip", "none"]).default("gzip").meta({ description: "Compression of the batch files." }),
  },
  { error: expecting("an object", 'e.g. {"format": "jsonl", "compression": "gzip"}') },
);

const storageSchema = z.strictObject(
  {
    root: z
      .string({ error: expecting("a local directory or file:// URL", "e.g. file:///var/lib/meltano/batches") })
      .default("file://")
      .meta({ description: "Directory of the batch files (a path or a file:// URL); default: a new private folder <tmp>/singer-sdk-XXXXXX per run." }),
    prefix: z
      .string({ error: expecting("a string put before every batch file name", 'e.g. "asana-"') })
      .default("")
      .meta({ description: "Put before every file name (it is not a folder)." }),
  },
  { error: expecting("an object", 'e.g. {"root": "file:///tmp/batches", "prefix": "asana-"}') },
);

/** The Meltano SDK's `batch_config`: write records to files and emit BATCH messages. */
export const batchConfigSchema = z.strictObject(
  {
    encoding: encodingSchema,
    storage: storageSchema.default({ root: "file://", prefix: "" }),
    batch_size: integerAtLeast(1, "a whole number of records >= 1")
      .default(10_000)
      .meta({ description: "A new batch file is started after this many records." }),
  },
  { error: expecting("an object", 'e.g. {"encoding": {"format": "jsonl", "compression": "gzip"}, "storage": {"root": "file:///tmp/batches"}}') },
);

/** config.json of the tap: the connector's keys plus `batch_config`. */
export const singerConfigSchema = configSchema.extend({ batch_config: batchConfigSchema.optional() });

/** The validated tap config. */
export type SingerConfig = WithToken<z.output<typeof singerConfigSchema>>;

/** The batch settings of a validated config. */
export type BatchConfig = NonNullable<SingerConfig["batch_config"]>;

/** Read every `--config` file in order, merge them shallowly (later keys win) and validate the result. */
export async function loadSingerConfig(paths: readonly string[], env: NodeJS.ProcessEnv, warn?: ConfigWarning): Promise<SingerConfig> {
  const merged: Record<string, unknown> = {};
  for (const path of paths) {
    const value = parseJsonText(await readConfigText(path), path);
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new ConfigError(`config file ${path} must hold a JSON object such as {"workspace": "1200000000000000"}`, "CONFIG_INVALID");
    }
    Object.assign(merged, value);
  }
  return parseConfigWith(singerConfigSchema, merged, env, warn);
}

/**
 * The local directory of `batch_config.storage.root`: a path or a file:// URL; other schemes are
 * refused. Without one, a new folder only this user can read (mkdtemp: 0700, an unpredictable name),
 * never a shared path another user could create first or read.
 */
export function batchDirectory(root: string, cwd: string): string {
  if (root === "" || root === "file://") return mkdtempSync(join(tmpdir(), "singer-sdk-"));
  if (root.startsWith("file:///")) return fileURLToPath(root);
  // The SDK's "file://some/dir" is a path relative to the working directory.
  if (root.startsWith("file://")) return resolve(cwd, root.slice("file://".length));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(root)) {
    throw new ConfigError(
      `config.batch_config.storage.root must be a local directory or file:// URL, got '${root.replace(/\?.*$/, "")}': this tap writes batch files locally only`,
      "CONFIG_INVALID",
    );
  }
  return isAbsolute(root) ? root : resolve(cwd, root);
}
