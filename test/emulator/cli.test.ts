// `source-asana-export emulator`: flags, what it prints, serving until stopped.
import { PassThrough } from "node:stream";
import { request } from "undici";
import { describe, it, expect } from "vitest";
import { parseEmulatorArgs, runEmulatorCli } from "../../src/emulator/main.js";

function capture(): { out: PassThrough; text: () => string; printed: (part: string) => Promise<void> } {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => (text += chunk.toString()));
  /** Resolves once the output holds `part` (each write is a data event). */
  const printed = (part: string): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (!text.includes(part)) return;
        out.off("data", check);
        resolve();
      };
      out.on("data", check);
      check();
    });
  return { out, text: () => text, printed };
}

describe("emulator CLI", () => {
  it("prints base URL, workspace, token and a curl example, serves, and stops on abort", async () => {
    const { out, text, printed: hasPrinted } = capture();
    const stop = new AbortController();
    const running = runEmulatorCli(["--port", "0", "--seed", "3", "--tasks", "20", "--teams", "2", "--messages", "5", "--job-seconds", "0"], out, stop.signal);
    await hasPrinted("Serving");
    const printed = text();
    const baseUrl = /base URL:\s+(\S+)/.exec(printed)?.[1] ?? "";
    const token = /token:\s+(\S+)/.exec(printed)?.[1] ?? "";
    const workspace = /workspace:\s+(\d+)/.exec(printed)?.[1] ?? "";
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/1\.0$/);
    expect(printed).toContain("curl -s -X POST");
    expect(printed).toContain(`"workspace": "${workspace}"`);
    const me = await request(`${baseUrl}/workspaces/${workspace}`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    await me.body.dump();
    stop.abort();
    await running;
    expect(text()).toContain("Emulator stopped.");
    await expect(request(`${baseUrl}/users/me`)).rejects.toThrow();
  });

  it("parses flags into options and faults", () => {
    const options = parseEmulatorArgs([
      "--port", "0", "--url-ttl", "5", "--job-seconds", "1.5", "--error-rate", "0.1", "--rate-limit", "100",
      "--fault", '{"kind":"file-truncated"}', "--token", "tok", "--admin-token", "adm",
      "--max-field-depth", "1", "--asana-change", "name=a", "--asana-change", "name=b", "--empty-export", "gzip",
    ]);
    expect(options).toMatchObject({
      port: 0,
      downloadUrlTtlSeconds: 5,
      jobMsUntilDone: 1500,
      requestsPerMinute: 100,
      token: "tok",
      maxFieldDepth: 1,
      asanaChange: ["name=a", "name=b"],
      emptyExportFile: "gzip",
      adminToken: "adm",
      faults: [{ kind: "file-truncated" }, { kind: "status", status: 503, target: "any", rate: 0.1 }],
    });
  });

  it("explains bad flags and prints help", async () => {
    expect(() => parseEmulatorArgs(["--tasks", "many"])).toThrow(/--tasks must be an integer/);
    expect(() => parseEmulatorArgs(["--fault", "{nope"])).toThrow(/--fault must be a JSON object/);
    expect(() => parseEmulatorArgs(["--fault", '{"kind":"explode"}'])).toThrow(/--fault: invalid fault/);
    expect(() => parseEmulatorArgs(["--colour"])).toThrow(/Unknown option '--colour' \(see source-asana-export emulator --help\)/);
    expect(() => parseEmulatorArgs(["--admin-token", ""])).toThrow(/--admin-token must be a non-empty token/);
    const { out, text } = capture();
    await runEmulatorCli(["--help"], out);
    expect(text()).toContain("Usage: source-asana-export emulator");
  });
});
