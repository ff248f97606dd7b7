// `tap-asana-export --about`: what Meltano and the Meltano Hub read about a tap (name, version,
// capabilities, settings), as JSON, Markdown or plain text, in the shape the Meltano SDK prints.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSpec } from "../config/index.js";
import { ConfigError } from "../core/errors.js";
import { packageRoot } from "../streams/index.js";

/** The tap's executable name. */
export const TAP_NAME = "tap-asana-export";

/** What the tap can do, in Meltano's capability names. */
export const TAP_CAPABILITIES = ["about", "catalog", "discover", "state", "batch", "activate-version"] as const;

/** Output formats of `--about`. */
export const ABOUT_FORMATS = ["text", "json", "markdown"] as const;
/** One `--about` format. */
export type AboutFormat = (typeof ABOUT_FORMATS)[number];

type Json = Record<string, unknown>;

/** The `--about` document. */
export interface AboutInfo {
  name: string;
  description: string;
  version: string;
  capabilities: string[];
  /** JSON Schema of the config: spec.json's connectionSpecification. */
  settings: Json;
}

/** The package's version and description, from its package.json. */
export function packageInfo(): { version: string; description: string } {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: unknown; description?: unknown };
  return {
    version: typeof pkg.version === "string" ? pkg.version : "0.0.0",
    description: typeof pkg.description === "string" ? pkg.description : "",
  };
}

/** The `--about` document of this tap. */
export function aboutInfo(): AboutInfo {
  const { version, description } = packageInfo();
  return { name: TAP_NAME, description, version, capabilities: [...TAP_CAPABILITIES], settings: buildSpec().connectionSpecification };
}

/** Parse `--format`; undefined means text. */
export function aboutFormat(value: string | undefined): AboutFormat {
  if (value === undefined) return "text";
  const found = ABOUT_FORMATS.find((f) => f === value);
  if (found === undefined) throw new ConfigError(`--format must be one of ${ABOUT_FORMATS.join(", ")}, got '${value}'`, "USAGE");
  return found;
}

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const cell = (text: string): string => text.replaceAll("|", "\\|").replaceAll("\n", "<BR/>");

/** Markdown table rows of a settings schema, nested properties as `parent.child`. */
function settingRows(schema: Json, parent = ""): string[] {
  const rows: string[] = [];
  const required = Array.isArray(schema.required) ? schema.required : [];
  const properties = isObject(schema.properties) ? schema.properties : {};
  for (const [name, child] of Object.entries(properties)) {
    if (!isObject(child)) continue;
    const path = parent === "" ? name : `${parent}.${name}`;
    const fallback = child.default === undefined ? "None" : JSON.stringify(child.default);
    const description = typeof child.description === "string" ? child.description : typeof child.title === "string" ? child.title : "";
    rows.push(`| ${cell(path)} | ${required.includes(name) ? "True" : "False"} | ${cell(fallback)} | ${cell(description)} |`);
    rows.push(...settingRows(child, path));
  }
  return rows;
}

/** The `--about` document rendered in a format. */
export function renderAbout(info: AboutInfo, format: AboutFormat): string {
  if (format === "json") return `${JSON.stringify(info, null, 2)}\n`;
  if (format === "markdown") {
    return [
      `# \`${info.name}\``,
      "",
      info.description,
      "",
      "## Capabilities",
      "",
      ...info.capabilities.map((c) => `- \`${c}\``),
      "",
      "## Settings",
      "",
      "| Setting | Required | Default | Description |",
      "|:--------|:--------:|:-------:|:------------|",
      ...settingRows(info.settings),
      "",
      `A full list of supported settings and capabilities is available by running: \`${info.name} --about\``,
      "",
    ].join("\n");
  }
  const properties = isObject(info.settings.properties) ? info.settings.properties : {};
  const settings = Object.entries(properties).map(([name, s]) => `  - Name: ${name}\n    Type: ${JSON.stringify(isObject(s) ? s.type : undefined)}`);
  return [
    `Name: ${info.name}`,
    `Description: ${info.description}`,
    `Version: ${info.version}`,
    "Capabilities:",
    ...info.capabilities.map((c) => `  - ${c}`),
    "Settings:",
    ...settings,
    "",
  ].join("\n");
}
