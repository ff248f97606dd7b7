// File-system and socket failures are the user's to fix (a path that is a file, a folder without
// permission, a full disk, a port in use), never bugs: each becomes a ConnectorError naming the path
// (or address) and what to do, with `config_error` when only the user can fix it and
// `transient_error` when it may pass (a full disk being cleared, a busy file).
import { ConnectorError, type FailureType } from "./errors.js";

/** What the connector was doing when the file system refused, and what the next run does. */
export interface FileContext {
  /** `create the folder`, `write`, `read`, `take the lock`: the verb phrase of the message. */
  doing?: string;
  /** What the next run does (ends the message); a generic sentence when absent. */
  next?: string;
}

interface Meaning {
  failureType: FailureType;
  code: string;
  /** Why, as the message says it. */
  why: string;
  /** What to do about it. */
  fix: string;
}

const CHOOSE = "or choose another folder (--out, output.path, --state-file)";

const MEANINGS: Readonly<Record<string, Meaning>> = {
  EACCES: { failureType: "config_error", code: "FS_PERMISSION_DENIED", why: "permission denied", fix: `Give the user running the sync access to it, ${CHOOSE}.` },
  EPERM: { failureType: "config_error", code: "FS_PERMISSION_DENIED", why: "the operation is not permitted there", fix: `Give the user running the sync access to it, ${CHOOSE}.` },
  EROFS: { failureType: "config_error", code: "FS_READ_ONLY", why: "the file system is read-only", fix: `Mount it writable, ${CHOOSE}.` },
  ENOTDIR: { failureType: "config_error", code: "FS_NOT_A_FOLDER", why: "a part of the path is a file, not a folder", fix: `Fix the path, ${CHOOSE}.` },
  EEXIST: { failureType: "config_error", code: "FS_NOT_A_FOLDER", why: "it exists and is not a folder", fix: `Remove or rename that file, ${CHOOSE}.` },
  EISDIR: { failureType: "config_error", code: "FS_IS_A_FOLDER", why: "it is a folder, where a file was expected", fix: "Give the path of a file." },
  ENOENT: { failureType: "config_error", code: "FS_NOT_FOUND", why: "no such file or folder, or its parent accepts no new entries (a virtual file system such as /proc)", fix: `Fix the path, ${CHOOSE} on a writable disk.` },
  ENAMETOOLONG: { failureType: "config_error", code: "FS_NAME_TOO_LONG", why: "the path is too long for the file system", fix: "Choose a shorter path." },
  ELOOP: { failureType: "config_error", code: "FS_SYMLINK_LOOP", why: "its symbolic links form a loop", fix: "Fix the links, or choose another path." },
  ENOSPC: { failureType: "transient_error", code: "FS_DISK_FULL", why: "no space left on the device", fix: `Free space on that disk, ${CHOOSE}, then run the sync again.` },
  EDQUOT: { failureType: "transient_error", code: "FS_DISK_FULL", why: "the disk quota is exhausted", fix: `Free space or raise the quota, ${CHOOSE}, then run the sync again.` },
  EMFILE: { failureType: "transient_error", code: "FS_TOO_MANY_FILES", why: "too many files are open", fix: "Raise the open-file limit (ulimit -n) or stop other programs, then run the sync again." },
  ENFILE: { failureType: "transient_error", code: "FS_TOO_MANY_FILES", why: "the system has too many files open", fix: "Stop other programs, then run the sync again." },
  EIO: { failureType: "transient_error", code: "FS_IO_ERROR", why: "the disk reported an input/output error", fix: "Check the disk, then run the sync again." },
  EBUSY: { failureType: "transient_error", code: "FS_BUSY", why: "it is busy (in use by another program)", fix: "Wait for that program, then run the sync again." },
};

const DEFAULT_NEXT = "The last state the run wrote or emitted is still valid: the next run continues from it.";

/** Whether an error is one of Node's system errors (a code and a syscall), such as fs and net raise. */
function systemError(error: unknown): (Error & { code: string; syscall: string; path?: string; dest?: string; address?: string; port?: number }) | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & { code?: unknown; syscall?: unknown };
  return typeof e.code === "string" && typeof e.syscall === "string" ? (e as Error & { code: string; syscall: string }) : undefined;
}

/**
 * The user-facing error for a file-system (or listening socket) failure, or undefined when the
 * error is something else. `path` overrides the one the error names.
 */
export function fileSystemError(error: unknown, path?: string, context: FileContext = {}): ConnectorError | undefined {
  if (error instanceof ConnectorError) return error;
  const e = systemError(error);
  if (e === undefined) return undefined;
  if (e.syscall === "listen" && (e.code === "EADDRINUSE" || e.code === "EACCES" || e.code === "EADDRNOTAVAIL")) {
    const where = `${e.address ?? "the address"}:${e.port ?? "?"}`;
    const why = e.code === "EADDRINUSE" ? "another program already listens there" : e.code === "EACCES" ? "ports below 1024 need privileges" : "this machine has no such address";
    return new ConnectorError(`Cannot listen on ${where}: ${why} (${e.code}). Pass --port 0 to take a free port, or another --port / --host.`, {
      code: "NET_ADDRESS_UNAVAILABLE",
      failureType: "config_error",
      cause: error,
    });
  }
  const meaning = MEANINGS[e.code];
  if (meaning === undefined) return undefined;
  const target = path ?? e.path ?? "a file";
  const doing = context.doing ?? syscallVerb(e.syscall);
  const also = e.dest !== undefined && path === undefined ? ` (to ${e.dest})` : "";
  return new ConnectorError(`Cannot ${doing} ${target}${also}: ${meaning.why} (${e.code}). ${meaning.fix} ${context.next ?? DEFAULT_NEXT}`, {
    code: meaning.code,
    failureType: meaning.failureType,
    retryable: meaning.failureType === "transient_error",
    cause: error,
  });
}

function syscallVerb(syscall: string): string {
  switch (syscall) {
    case "mkdir":
      return "create the folder";
    case "open":
      return "open";
    case "write":
    case "writev":
      return "write";
    case "read":
      return "read";
    case "rename":
      return "rename";
    case "unlink":
    case "rmdir":
    case "rm":
      return "remove";
    case "scandir":
      return "list the folder";
    default:
      return `${syscall}`;
  }
}
