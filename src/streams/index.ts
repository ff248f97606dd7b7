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
export { alwaysSelected, exportFields, normalizeSelection, projectRecordSchema } from "./fields.js";
export {
  baseType,
  type JsonSchemaNode,
  type JsonSchemaObject,
} from "./json-schema.js";
export { packageRoot } from "./schema-files.js";
