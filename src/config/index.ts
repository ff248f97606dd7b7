// The config layer's public API: schema and types, loading, and the Airbyte spec built from them.
export { DEFAULT_BASE_URL, isLoopbackHost } from "./fields.js";
export { loadConfig, parseConfig, parseConfigWith } from "./load.js";
export {
  type Config,
  type ConfigFile,
  type ConfigInput,
  type WithToken,
  OUTPUT_DEFAULTS,
  SHARED_FILTER_KEYS,
  TASK_ONLY_FILTER_KEYS,
  TOKEN_ENV,
  configObjectSchema,
  configSchema,
  configShape,
} from "./schema.js";
export { type ConnectorSpecification, buildSpec, renderSpec } from "./spec.js";
