// File-system and socket failures become the user's errors: the path, why, what to do, who must act.
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/core/errors.js";
import { describeFailure } from "../../src/core/failure.js";
import { fileSystemError } from "../../src/core/fs-errors.js";
import { Redactor } from "../../src/core/redact.js";

const sysError = (code: string, syscall: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(`${code}: ${syscall}`), { code, syscall, ...extra });

describe("fileSystemError", () => {
  it("names the path, the reason and the fix; config_error for what only the user can fix, transient_error for what may pass", () => {
    const denied = fileSystemError(sysError("EACCES", "open", { path: "/data/out/x" }));
    expect(denied).toMatchObject({ code: "FS_PERMISSION_DENIED", failureType: "config_error" });
    expect(denied?.message).toMatch(/^Cannot open \/data\/out\/x: permission denied \(EACCES\)\. Give the user running the sync access to it/);
    const full = fileSystemError(sysError("ENOSPC", "write"), "/data/out/tasks", { doing: "write the files of stream tasks in", next: "Next: X." });
    expect(full).toMatchObject({ code: "FS_DISK_FULL", failureType: "transient_error", retryable: true });
    expect(full?.message).toBe("Cannot write the files of stream tasks in /data/out/tasks: no space left on the device (ENOSPC). Free space on that disk, or choose another folder (--out, output.path, --state-file), then run the sync again. Next: X.");
    for (const [code, type] of [["EPERM", "config_error"], ["EROFS", "config_error"], ["ENOTDIR", "config_error"], ["EEXIST", "config_error"], ["EDQUOT", "transient_error"], ["EMFILE", "transient_error"], ["EIO", "transient_error"]] as const) {
      expect(fileSystemError(sysError(code, "mkdir", { path: "/p" }))?.failureType, code).toBe(type);
    }
  });

  it("a port in use: NET_ADDRESS_UNAVAILABLE saying to pass --port 0", () => {
    const e = fileSystemError(sysError("EADDRINUSE", "listen", { address: "127.0.0.1", port: 4010 }));
    expect(e?.message).toBe("Cannot listen on 127.0.0.1:4010: another program already listens there (EADDRINUSE). Pass --port 0 to take a free port, or another --port / --host.");
    expect(e?.failureType).toBe("config_error");
  });

  it("leaves other errors alone, and is how describeFailure reports an fs error: never as a bug", () => {
    expect(fileSystemError(new Error("plain"))).toBeUndefined();
    expect(fileSystemError(sysError("ECONNRESET", "read"))).toBeUndefined();
    const mine = new ConnectorError("x", { code: "X", failureType: "system_error" });
    expect(fileSystemError(mine)).toBe(mine);
    const report = describeFailure(sysError("ENOSPC", "write", { path: "/out/_state.json" }), new Redactor());
    expect(report.failureType).toBe("transient_error");
    expect(report.message).not.toMatch(/bug/);
    expect(report.internal).toMatch(/^FS_DISK_FULL: Cannot write \/out\/_state\.json/);
    expect(report.stack).toBeUndefined();
  });
});
