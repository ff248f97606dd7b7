// The signal table through `read` (Airbyte): see signals-cases.ts and docs/reliability.md.
import { signalMatrix } from "./signals-cases.js";

signalMatrix("read", 101);
