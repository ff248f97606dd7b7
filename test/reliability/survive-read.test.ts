// The survive table through `read` (Airbyte): see survive-cases.ts and docs/reliability.md.
import { surviveMatrix } from "./survive-cases.js";

surviveMatrix("read", 61);
