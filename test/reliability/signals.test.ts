// SIGTERM and SIGKILL while waiting and while downloading, then a rerun: see signals-cases.ts and
// docs/reliability.md.
import { signalMatrix } from "./signals-cases.js";

signalMatrix(101);
