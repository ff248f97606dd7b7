// The export's own streams (tasks, teams, messages): what the bench's top-level cases read.
import { STREAMS, type StreamDefinition } from "../../src/streams/index.js";

/** A stream of one of the export's resource types, with that type. */
export interface TopLevelStream {
  definition: StreamDefinition;
  resourceType: "task" | "team" | "message";
}

/** The three streams that are the export's own resource types, in catalog order. */
export const TOP_LEVEL: readonly TopLevelStream[] = STREAMS.flatMap((definition) =>
  definition.source.kind === "resource" ? [{ definition, resourceType: definition.source.resourceType }] : [],
);
