// Validation of a `POST /exports/resource` body into what the export writer needs, with the 400s
// Asana gives for each kind of bad input.
import { RESOURCE_TYPES, type ResourceType } from "../workspace.js";
import { badInput } from "./errors.js";
import { compileFilters, type ObjectPredicate } from "./filters.js";
import { compileFields, type Projector } from "./project-fields.js";

/** One validated export parameter. */
export interface ExportParameter {
  resourceType: ResourceType;
  matches: ObjectPredicate;
  project: Projector;
}

/**
 * What two parameters of one resource type do (the API ORs them): `duplicate` writes an object once
 * per parameter it matches, each with that parameter's fields; `union` writes it once with the union
 * of their fields; `reject` refuses the request with a 400.
 */
export type TypeParameters = "duplicate" | "union" | "reject";

/** A validated export request. */
export interface ExportRequest {
  workspaceGid: string;
  parameters: ExportParameter[];
  /** Write an object matched by several parameters of its type once, with their fields' union. */
  union: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const DATA_KEYS = ["workspace", "export_request_parameters"];
const PARAMETER_KEYS = ["resource_type", "fields", "filters"];

function rejectUnknownKeys(object: Record<string, unknown>, allowed: readonly string[], path: string): void {
  const unknown = Object.keys(object).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    const where = path === "" ? unknown : `${path}.${unknown}`;
    throw badInput(where, `Unknown property; expected one of ${allowed.join(", ")}`);
  }
}

/** How strict the parsing is beyond Asana's documented rules. */
export interface RequestRules {
  typeParameters: TypeParameters;
  /** Refuse dotted field paths of more segments than this. */
  maxFieldDepth: number;
}

function parseParameter(raw: unknown, index: number, rules: RequestRules): ExportParameter {
  const path = `export_request_parameters[${index}]`;
  if (!isObject(raw)) throw badInput(path, "Must be an object with resource_type, and optionally fields and filters");
  rejectUnknownKeys(raw, PARAMETER_KEYS, path);
  const type = raw.resource_type;
  if (type === undefined || type === null || type === "") throw badInput(`${path}.resource_type`, "Missing input");
  if (typeof type !== "string" || !(RESOURCE_TYPES as readonly string[]).includes(type)) {
    throw badInput(
      `${path}.resource_type`,
      `Unsupported resource type ${JSON.stringify(type)}; expected one of ${RESOURCE_TYPES.join(", ")}`,
    );
  }
  const resourceType = type as ResourceType;
  return {
    resourceType,
    project: compileFields(resourceType, raw.fields, `${path}.fields`, rules.maxFieldDepth),
    matches: compileFilters(resourceType, raw.filters, `${path}.filters`),
  };
}

/** Validate a parsed JSON body of `POST /exports/resource`; throws ApiError 400 on bad input. */
export function parseExportRequest(body: unknown, rules: RequestRules = { typeParameters: "duplicate", maxFieldDepth: Number.POSITIVE_INFINITY }): ExportRequest {
  const { typeParameters } = rules;
  const data = isObject(body) ? body.data : undefined;
  if (!isObject(data)) throw badInput("workspace", "Missing input");
  rejectUnknownKeys(data, DATA_KEYS, "");
  const workspace = data.workspace;
  if (workspace === undefined || workspace === null || workspace === "") throw badInput("workspace", "Missing input");
  if (typeof workspace !== "string" || !/^\d+$/.test(workspace)) {
    throw badInput("workspace", `Not a valid gid: ${JSON.stringify(workspace)}`);
  }
  const params = data.export_request_parameters;
  if (params === undefined || params === null) throw badInput("export_request_parameters", "Missing input");
  if (!Array.isArray(params)) throw badInput("export_request_parameters", "Must be an array of export parameters");
  if (params.length === 0) throw badInput("export_request_parameters", "Must contain at least one export parameter");
  const parameters = params.map((raw, index) => parseParameter(raw, index, rules));
  if (typeParameters === "reject") {
    const twice = parameters.findIndex((p, i) => parameters.findIndex((q) => q.resourceType === p.resourceType) !== i);
    if (twice >= 0) {
      throw badInput(
        `export_request_parameters[${twice}].resource_type`,
        `Duplicate resource type ${JSON.stringify(parameters[twice]?.resourceType)}; give each resource type at most one export parameter`,
      );
    }
  }
  return { workspaceGid: workspace, parameters, union: typeParameters === "union" };
}
