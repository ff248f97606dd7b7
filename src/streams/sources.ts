// Where a stream's rows come from, as data. Three streams are the export's own resource types; every
// other one is unnested from them, with no extra API call: rows under a path of a parent (with the
// parent's key), pairs of (parent, child reference), or the distinct references of one type seen in
// the export. The sync compiles these declarations into its router (src/sync/derive); adding the next
// derived stream is a schema file plus one declaration here.

/** An Asana export resource type. */
export type ResourceType = "task" | "team" | "message";

/**
 * A path inside an element, dotted (`project.gid`); `[]` maps over an array (`multi_enum_values[].gid`
 * gives the list of gids).
 */
export type ElementPath = string;

/** Columns of a row taken from its parent: the parent's gid, resource type and modified_at (the cursor). */
export interface ParentColumns {
  readonly gid: string;
  readonly resourceType?: string;
  readonly modifiedAt?: string;
}

/** The stream is one of the export's resource types: a line is a record. */
export interface ResourceSource {
  readonly kind: "resource";
  readonly resourceType: ResourceType;
}

/**
 * One row per element of an array field of the parents (`stories` of tasks and messages): the
 * element's own fields, or the named columns taken from it, plus the parent's columns.
 */
export interface ChildrenSource {
  readonly kind: "children";
  readonly parents: readonly ResourceType[];
  /** The parents' top-level array field. */
  readonly field: string;
  readonly parentColumns: ParentColumns;
  /** Columns from paths inside the element; absent: the element's own fields, as they are. */
  readonly columns?: Readonly<Record<string, ElementPath>>;
}

/**
 * One row per (parent, referenced object) of an array field (`tags` of tasks): the parent's gid and
 * the columns taken from the element (its gid, and any other reference it carries).
 */
export interface PairsSource {
  readonly kind: "pairs";
  readonly parent: ResourceType;
  readonly field: string;
  /** Column of the parent's gid. */
  readonly parentKey: string;
  readonly columns: Readonly<Record<string, ElementPath>>;
}

/** For a reference, the value of a column found beside it: e.g. a section's project in a membership. */
export interface ContextColumn {
  /** Top-level array field of the parent whose elements hold the reference and the value. */
  readonly field: string;
  /** Path of the reference's gid inside the element. */
  readonly match: ElementPath;
  /** Path of the value inside the same element. */
  readonly value: ElementPath;
}

/**
 * Every distinct object of one kind seen in the export, once. `anywhere`: each compact reference
 * `{gid, resource_type: referenceType, ...}` nested anywhere in a line; `paths`: the objects at the
 * given paths only. `paths` also says what a narrow export of the parents must ask for.
 */
export interface ReferencesSource {
  readonly kind: "references";
  readonly referenceType: string;
  readonly scope: "anywhere" | "paths";
  /** Per parent type, the top-level fields (dotted paths) where such objects appear by default. */
  readonly parents: Readonly<Partial<Record<ResourceType, readonly string[]>>>;
  /** Fields of the objects that are not the stream's (a custom field's values). */
  readonly omit?: readonly string[];
  readonly context?: Readonly<Record<string, ContextColumn>>;
}

/** Where a stream's rows come from. */
export type StreamSource = ResourceSource | ChildrenSource | PairsSource | ReferencesSource;

/** The parent resource types a source reads. */
export function sourceParents(source: StreamSource): ResourceType[] {
  switch (source.kind) {
    case "resource":
      return [source.resourceType];
    case "children":
      return [...source.parents];
    case "pairs":
      return [source.parent];
    case "references":
      return Object.keys(source.parents) as ResourceType[];
  }
}
