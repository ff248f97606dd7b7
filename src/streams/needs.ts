// What a selected stream needs from the export of each parent type: the dotted leaf paths of the
// parent's fields (Asana's opt_fields rules), or the type's defaults. A derived stream asks for the
// parent fields its selected columns come from, even when the parent stream is not selected; the
// export of a type asks for the union of its consumers' needs.
import { ConnectorError } from "../core/errors.js";
import type { StreamDefinition } from "./definitions.js";
import { alwaysSelected, leafPaths, normalizeSelection } from "./fields.js";
import { baseType, type JsonSchemaNode, type JsonSchemaObject } from "./json-schema.js";
import type { ResourceType, StreamSource } from "./sources.js";

/** Fields of a parent type's export: its defaults (no `fields` list), or these leaf paths. */
export type FieldNeed = { defaults: true; extra: ReadonlySet<string> } | { defaults: false; leaves: ReadonlySet<string> };

/** The schemas of the export's own types, by resource type. */
export type ParentSchemas = (type: ResourceType) => StreamDefinition;

function declarationError(stream: string, message: string): ConnectorError {
  return new ConnectorError(`stream '${stream}': ${message}`, { code: "SCHEMA_INVALID", failureType: "system_error" });
}

/** The schema node at a dotted path of a parent schema, through arrays (`stories.created_by`). */
export function nodeAt(schema: JsonSchemaObject, path: string): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined;
  let properties: Record<string, JsonSchemaNode> | undefined = schema.properties;
  for (const segment of path.split(".")) {
    node = properties?.[segment];
    if (node === undefined) return undefined;
    const inner: JsonSchemaNode | undefined = baseType(node.type) === "array" ? node.items : node;
    properties = inner !== undefined && baseType(inner.type) === "object" ? inner.properties : undefined;
  }
  return node;
}

/** The leaf paths of parent paths (`assignee` -> `assignee.gid`, `assignee.resource_type`, `assignee.name`). */
export function expandPaths(stream: string, parent: StreamDefinition, paths: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const path of paths) {
    const node = nodeAt(parent.schema, path);
    if (node === undefined) throw declarationError(stream, `path '${path}' is not a field of ${parent.name}`);
    for (const leaf of leafPaths(path, node)) out.add(leaf);
  }
  return out;
}

/** `multi_enum_values[].gid` -> `multi_enum_values.gid`: the export's field path of an element path. */
function fieldPath(elementPath: string): string {
  return elementPath.replaceAll("[]", "");
}

/** The gid of an array's elements, when they have one: asked for even when no other column is. */
function elementGid(parent: StreamDefinition, field: string): string[] {
  return nodeAt(parent.schema, `${field}.gid`) === undefined ? [] : [`${field}.gid`];
}

/** The parent paths one source needs for the selected columns, per parent type. */
function sourcePaths(source: StreamSource, columns: readonly string[], parents: ParentSchemas): Map<ResourceType, string[]> {
  const out = new Map<ResourceType, string[]>();
  const add = (type: ResourceType, paths: string[]): void => {
    out.set(type, [...(out.get(type) ?? []), ...paths]);
  };
  switch (source.kind) {
    case "resource":
      add(source.resourceType, [...columns]);
      break;
    case "children": {
      const own = new Set(Object.values(source.parentColumns));
      for (const type of source.parents) {
        const modified = source.parentColumns.modifiedAt !== undefined && nodeAt(parents(type).schema, "modified_at") !== undefined;
        const element =
          source.columns === undefined
            ? columns.filter((c) => !own.has(c)).map((c) => `${source.field}.${c}`)
            : columns.flatMap((c) => {
                const path = source.columns?.[c];
                return path === undefined ? [] : [`${source.field}.${fieldPath(path)}`];
              });
        add(type, [...(modified ? ["modified_at"] : []), ...elementGid(parents(type), source.field), ...element]);
      }
      break;
    }
    case "pairs":
      add(source.parent, [
        ...elementGid(parents(source.parent), source.field),
        ...columns.flatMap((c) => {
          const path = source.columns[c];
          return path === undefined ? [] : [`${source.field}.${fieldPath(path)}`];
        }),
      ]);
      break;
    case "references": {
      const own = new Set(["gid", "resource_type", ...Object.keys(source.context ?? {})]);
      const fields = ["gid", "resource_type", ...columns.filter((c) => !own.has(c))];
      for (const [type, paths] of Object.entries(source.parents) as [ResourceType, readonly string[]][]) {
        const context = Object.entries(source.context ?? {}).flatMap(([column, c]) =>
          columns.includes(column) ? [`${c.field}.${fieldPath(c.match)}`, `${c.field}.${fieldPath(c.value)}`] : [],
        );
        add(type, [...paths.flatMap((p) => fields.map((f) => `${p}.${f}`)).filter((p) => nodeAt(parents(type).schema, p) !== undefined), ...context]);
      }
      break;
    }
  }
  return out;
}

/**
 * What a stream with these selected columns (undefined: its defaults) needs from each parent type.
 * A resource stream without a selection needs its type's defaults.
 */
export function parentNeeds(stream: StreamDefinition, selected: readonly string[] | undefined, parents: ParentSchemas): Map<ResourceType, FieldNeed> {
  const out = new Map<ResourceType, FieldNeed>();
  const columns = normalizeSelection(stream, selected);
  if (stream.source.kind === "resource") {
    // A selection of exactly the defaults is the defaults: no `fields` list (Asana's own default set).
    const defaults = stream.defaultFields;
    if (columns.length === defaults.length && defaults.every((f) => columns.includes(f))) {
      out.set(stream.source.resourceType, { defaults: true, extra: new Set() });
      return out;
    }
  }
  for (const [type, paths] of sourcePaths(stream.source, columns, parents)) {
    const parent = parents(type);
    const always = alwaysSelected(parent);
    out.set(type, { defaults: false, leaves: expandPaths(stream.name, parent, [...always, ...paths]) });
  }
  return out;
}

/** The default fields of a parent type as leaf paths. */
export function defaultLeaves(parent: StreamDefinition): Set<string> {
  return expandPaths(parent.name, parent, parent.defaultFields);
}

/** The union of needs: the defaults when any need is, plus what the others add beyond them. */
export function unionNeeds(parent: StreamDefinition, needs: readonly FieldNeed[]): FieldNeed {
  if (needs.some((n) => n.defaults)) {
    const defaults = defaultLeaves(parent);
    const extra = new Set<string>();
    for (const need of needs) for (const leaf of need.defaults ? need.extra : need.leaves) if (!defaults.has(leaf)) extra.add(leaf);
    return { defaults: true, extra };
  }
  const leaves = new Set<string>();
  for (const need of needs) if (!need.defaults) for (const leaf of need.leaves) leaves.add(leaf);
  return { defaults: false, leaves };
}

/** The leaf paths a need amounts to. */
export function needLeaves(parent: StreamDefinition, need: FieldNeed): Set<string> {
  return need.defaults ? new Set([...defaultLeaves(parent), ...need.extra]) : new Set(need.leaves);
}

/** The top-level fields of leaf paths. */
export function topLevel(leaves: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const leaf of leaves) out.add(leaf.split(".")[0] ?? leaf);
  return out;
}

/**
 * The export's `fields` for a need, in a stable order (identity and cursor first, then schema order):
 * undefined for the defaults alone, else every leaf path.
 */
export function exportFieldList(parent: StreamDefinition, need: FieldNeed): string[] | undefined {
  if (need.defaults && need.extra.size === 0) return undefined;
  const wanted = needLeaves(parent, need);
  const always = alwaysSelected(parent);
  const ordered: string[] = [];
  for (const field of [...always, ...Object.keys(parent.schema.properties).filter((f) => !always.includes(f))]) {
    const node = parent.schema.properties[field];
    if (node === undefined) continue;
    for (const leaf of leafPaths(field, node)) if (wanted.has(leaf)) ordered.push(leaf);
  }
  return ordered;
}
