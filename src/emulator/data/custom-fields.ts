// Custom field definitions (one or more of every type) and the values tasks carry.
import { KIND } from "./gids.js";
import type { Rng } from "./prng.js";
import type { Compact, Reference } from "./reference.js";
import { DAY, isoDate, isoTime } from "./time.js";

export type CustomFieldType = "text" | "enum" | "multi_enum" | "number" | "date" | "people" | "reference";

/** An enum option as Asana nests it. */
export interface EnumOption {
  readonly gid: string;
  readonly resource_type: "enum_option";
  readonly name: string;
  readonly color: string;
  readonly enabled: boolean;
}

/** A custom field definition. */
export interface CustomFieldDef {
  readonly gid: string;
  readonly name: string;
  readonly type: CustomFieldType;
  readonly precision: number;
  readonly options: readonly EnumOption[];
}

type Spec = readonly [string, CustomFieldType, readonly string[], number];

const SPECS: readonly Spec[] = [
  ["External ID", "text", [], 0],
  ["Priority", "enum", ["Low", "Medium", "High", "Critical 🔥"], 0],
  ["Platforms", "multi_enum", ["iOS", "Android", "Web", "Desktop", "Smart TV 📺"], 0],
  ["Estimate (hours)", "number", [], 1],
  ["Launch date", "date", [], 0],
  ["Reviewers", "people", [], 0],
  ["Related work", "reference", [], 0],
  ["Stage", "enum", ["Idea", "Planned", "Building", "Shipped", "Archivé"], 0],
  ["Cost (€)", "number", [], 2],
  ["Customer quote", "text", [], 0],
];

const COLORS = ["red", "orange", "yellow-orange", "yellow", "green", "blue", "purple", "magenta", "none"] as const;

/** How many custom field definitions a workspace has. */
export const CUSTOM_FIELD_COUNT = SPECS.length;

/** The workspace's custom field definitions, frozen. */
export function buildCustomFields(ref: Pick<Reference, "gids">): readonly CustomFieldDef[] {
  let option = 0;
  return Object.freeze(
    SPECS.map(([name, type, options, precision], i) =>
      Object.freeze({
        gid: ref.gids.gid(KIND.customField, i),
        name,
        type,
        precision,
        options: Object.freeze(
          options.map((o, k) =>
            Object.freeze({
              gid: ref.gids.gid(KIND.enumOption, option++),
              resource_type: "enum_option" as const,
              name: o,
              color: COLORS[(i + k) % COLORS.length] ?? "none",
              enabled: k !== options.length - 1 || i % 2 === 1,
            }),
          ),
        ),
      }),
    ),
  );
}

/** The custom field definition as a compact reference (for custom field settings). */
export function customFieldCompact(def: CustomFieldDef): Record<string, unknown> {
  return { gid: def.gid, resource_type: "custom_field", name: def.name, type: def.type, resource_subtype: def.type };
}

function names(items: readonly Compact[] | readonly EnumOption[]): string | null {
  return items.length === 0 ? null : items.map((x) => x.name).join(", ");
}

function pickSome<T>(rng: Rng, items: readonly T[], max: number): T[] {
  return rng.distinct(rng.range(1, max), items.length).map((k) => items[k] as T);
}

function common(def: CustomFieldDef): Record<string, unknown> {
  return {
    gid: def.gid,
    resource_type: "custom_field",
    name: def.name,
    type: def.type,
    resource_subtype: def.type,
    representation_type: def.type,
    enabled: true,
    is_formula_field: false,
    display_value: null,
  };
}

/** The value field each custom field type carries. */
const VALUE_FIELD: Record<CustomFieldType, string> = {
  text: "text_value",
  enum: "enum_value",
  multi_enum: "multi_enum_values",
  number: "number_value",
  date: "date_value",
  people: "people_value",
  reference: "reference_value",
};

/** A custom field with no value (a field a task gained with a project it was added to). */
export function emptyCustomFieldValue(def: CustomFieldDef): Record<string, unknown> {
  const list = def.type === "multi_enum" || def.type === "people" || def.type === "reference";
  return { ...common(def), [VALUE_FIELD[def.type]]: list ? [] : null };
}

/**
 * A custom field value on a task: common fields, display_value, and only its typed value field.
 * `set` (drawn first when not given, so generated values keep their draws) says whether it has a value.
 */
export function customFieldValue(def: CustomFieldDef, rng: Rng, ref: Reference, around: number, set = rng.chance(0.75)): Record<string, unknown> {
  const value = common(def);
  switch (def.type) {
    case "text": {
      const text = set ? (def.precision === 0 && def.name === "External ID" ? `EXT-${rng.range(1000, 99999)}` : `“${rng.pick(["Love it", "Needs work", "Ça marche", "すごい", "رائع"])}” — customer`) : null;
      value.display_value = text;
      value.text_value = text;
      break;
    }
    case "enum": {
      const option = set ? rng.pick(def.options) : null;
      value.display_value = option?.name ?? null;
      value.enum_value = option;
      break;
    }
    case "multi_enum": {
      const options = set ? pickSome(rng, def.options, 3) : [];
      value.display_value = names(options);
      value.multi_enum_values = options;
      break;
    }
    case "number": {
      const scale = 10 ** def.precision;
      const n = set ? Math.round(rng.float() * 500 * scale) / scale : null;
      value.display_value = n === null ? null : n.toFixed(def.precision);
      value.number_value = n;
      break;
    }
    case "date": {
      const at = around + rng.range(-30, 90) * DAY + rng.int(DAY);
      const withTime = rng.chance(0.3);
      const date = set ? { date: isoDate(at), date_time: withTime ? isoTime(Math.floor(at / 60_000) * 60_000) : null } : null;
      value.display_value = date === null ? null : (date.date_time ?? date.date);
      value.date_value = date;
      break;
    }
    case "people": {
      const people = set ? pickSome(rng, ref.users, 2) : [];
      value.display_value = names(people);
      value.people_value = people;
      break;
    }
    case "reference": {
      const pool = rng.chance(0.7) ? ref.projectRefs : ref.goals;
      const refs = set && pool.length > 0 ? pickSome(rng, pool, 2) : [];
      value.display_value = names(refs);
      value.reference_value = refs;
      break;
    }
  }
  return value;
}
