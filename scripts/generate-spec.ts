// Writes spec.json from the zod config schema (`npm run spec`); the logic lives in src/config/spec.ts.
import { writeFile } from "node:fs/promises";
import { renderSpec } from "../src/config/spec.js";

await writeFile(process.argv[2] ?? "spec.json", renderSpec());
