// The signal table through `sync` (standalone files): see signals-cases.ts and docs/reliability.md.
import { signalMatrix } from "./signals-cases.js";

signalMatrix("sync", 102);
