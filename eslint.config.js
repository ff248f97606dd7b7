// Lint rules, including the import boundaries of DESIGN.md:
// cli -> {sync, sinks}; sync -> {asana, export-file, streams} -> {config, core}; sinks -> {streams}.
// The events a sync emits and the records it routes live in core, so sync and sinks never meet.
// The emulator stands alone.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const layers = ["cli", "sync", "asana", "export-file", "streams", "sinks", "config", "core", "emulator"];

/** Forbid imports of the named layers from files of one layer. */
function boundary(layer, forbidden, why) {
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: forbidden.map((other) => ({
            group: [`**/${other}/*`, `**/${other}`],
            message: `src/${layer} must not import src/${other}: ${why}`,
          })),
        },
      ],
    },
  };
}

const others = (...allowed) => layers.filter((l) => !allowed.includes(l));

export default tseslint.config(
  { ignores: ["dist/**", "wasm/**", "node_modules/**", "demo-output/**", "asana-export/**", "bench/out/**", ".tmp/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // Examples are plain Node scripts a user runs as they are.
  { files: ["examples/**/*.mjs"], languageOptions: { globals: { console: "readonly", process: "readonly", URL: "readonly" } } },
  boundary("emulator", others("emulator"), "the emulator is an independent stand-in for Asana"),
  boundary("core", others("core"), "core is the leaf every layer shares"),
  boundary("config", others("config", "core"), "config sits below everything but core"),
  boundary("streams", others("streams", "config", "core"), "streams are data about records"),
  boundary("asana", others("asana", "config", "core"), "the API client knows nothing of files or sinks"),
  boundary("export-file", others("export-file", "asana", "config", "core"), "decoding knows nothing of streams or sinks"),
  boundary("sinks", others("sinks", "streams", "config", "core"), "sinks never see HTTP or the export file"),
  boundary("sync", ["cli", "emulator", "sinks"], "sync emits core events; cli hands them to a sink"),
);
