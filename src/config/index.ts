// The config layer's public API: schema and types, loading, and the Airbyte spec built from them.
export { loadConfig, parseConfigWith } from "./load.js";
export {
  type Config,
  type WithToken,
  configSchema,
} from "./schema.js";
export { buildSpec } from "./spec.js";
