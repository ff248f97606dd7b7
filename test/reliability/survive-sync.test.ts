// The survive table through `sync` (standalone files): see survive-cases.ts and docs/reliability.md.
import { surviveMatrix } from "./survive-cases.js";

surviveMatrix("sync", 62);
