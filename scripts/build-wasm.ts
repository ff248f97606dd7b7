// Writes src/export-file/json-scan-wasm.ts from wasm/json-scan.ts (`npm run build:wasm`).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KERNEL_MODULE, compileKernel, kernelModuleText } from "./wasm-kernel.js";

const root = process.cwd();
await writeFile(join(root, KERNEL_MODULE), kernelModuleText(await compileKernel(root)));
