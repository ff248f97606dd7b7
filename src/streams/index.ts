// The public surface of src/streams: stream definitions, discovery, field selection, record checks.
export {
  STREAM_NAMES,
  STREAM_SPECS,
  STREAMS,
  defineStream,
  requireStream,
  streamByName,
  streamByResourceType,
  type ResourceType,
  type StreamDefinition,
  type StreamName,
  type StreamSpec,
} from "./definitions.js";
export {
  DESTINATION_SYNC_MODES,
  SYNC_MODES,
  airbyteStream,
  airbyteStreams,
  configuredCatalogSchema,
  parseConfiguredCatalog,
  type AirbyteStream,
  type ConfiguredStream,
  type DestinationSyncMode,
  type SyncMode,
} from "./catalog.js";
export { alwaysSelected, exportFields, leafPaths, normalizeSelection, projectRecordSchema } from "./fields.js";
export {
  DRAFT_07,
  JSON_FORMATS,
  JSON_TYPES,
  baseType,
  isNullable,
  type JsonFormat,
  type JsonSchemaNode,
  type JsonSchemaObject,
  type JsonType,
} from "./json-schema.js";
export { loadStreamSchema, packageRoot, parseStreamSchema } from "./schema-files.js";
export {
  compileRecordCheck,
  isDate,
  isDateTime,
  validateRecord,
  validateValue,
  type RecordCheck,
  type RecordCheckOptions,
  type ValidatableSchema,
} from "./validate.js";
