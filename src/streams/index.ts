// The public surface of src/streams: stream definitions, discovery, field selection.
export {
  STREAM_NAMES,
  STREAMS,
  requireStream,
  type StreamDefinition,
} from "./definitions.js";
export {
  airbyteStreams,
  parseConfiguredCatalog,
} from "./catalog.js";
export { alwaysSelected, normalizeSelection, projectRecordSchema, withDeletionColumn } from "./fields.js";
export {
  baseType,
  type JsonSchemaNode,
  type JsonSchemaObject,
} from "./json-schema.js";
export { packageRoot } from "./schema-files.js";
export { exportFieldList, needLeaves, parentNeeds, topLevel, unionNeeds, type FieldNeed } from "./needs.js";
export { sourceParents, type ResourceType } from "./sources.js";
