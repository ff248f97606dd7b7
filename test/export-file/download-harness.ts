// Shared by the download tests: a fake clock that records sleeps, real undici Agents and loopback
// servers that are closed after each test, and a check that no request ever carried a credential.
import { Agent } from "undici";
import { afterEach, expect } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { Redactor } from "../../src/core/redact.js";
import type { DownloadOptions } from "../../src/export-file/download.js";
import { DownloadError } from "../../src/export-file/errors.js";
import { startServer, type Handler, type StorageServer } from "./storage-server.js";

/** A signature that must never show up in a log or an error. */
export const SECRET = "X-Amz-Signature=deadbeefcafe0123456789";

export interface Harness {
  options: DownloadOptions;
  sleeps: number[];
  logs: string[];
  resolved: string[];
}

let servers: StorageServer[] = [];
let agents: Agent[] = [];

/** Register the per-test cleanup and credential check in the calling test file. */
export function useStorageServers(): void {
  afterEach(async () => {
    for (const s of servers) {
      for (const r of s.requests) {
        expect(r.headers.authorization).toBeUndefined();
        expect(r.headers.cookie).toBeUndefined();
      }
    }
    const [closing, stopping] = [agents, servers];
    servers = [];
    agents = [];
    // close() waits for every response body: a leaked one makes this hook time out.
    await Promise.all(closing.map((a) => a.close()));
    await Promise.all(stopping.map((s) => s.close()));
  });
}

/** Start a loopback storage server closed after the test. */
export async function server(handler: Handler, host?: string): Promise<StorageServer> {
  const s = await startServer(handler, host);
  servers.push(s);
  return s;
}

/** Options with a fake clock, recording sleeps, logs and each resolveUrl reason; URLs are handed out in turn. */
export function harness(urls: string[], extra: Partial<DownloadOptions> = {}): Harness {
  const sleeps: number[] = [];
  const logs: string[] = [];
  const resolved: string[] = [];
  let now = 1_700_000_000_000;
  const clock: Clock = {
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
  const agent = new Agent({ connect: { timeout: 5_000 } });
  agents.push(agent);
  const options: DownloadOptions = {
    dispatcher: agent,
    resolveUrl: (reason) => {
      resolved.push(reason);
      return Promise.resolve(urls[Math.min(resolved.length, urls.length) - 1] ?? "");
    },
    maxRetries: 3,
    requestTimeoutMs: 5_000,
    clock,
    random: () => 0,
    logger: (level, msg) => logs.push(`${level} ${msg}`),
    redactor: new Redactor(),
    ...extra,
  };
  return { options, sleeps, logs, resolved };
}

/** All bytes of a download. */
export async function collect(iterable: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of iterable) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The DownloadError a download ends with (fails the test when it succeeds). */
export async function failure(iterable: AsyncIterable<Buffer>): Promise<DownloadError> {
  try {
    await collect(iterable);
  } catch (err) {
    expect(err).toBeInstanceOf(DownloadError);
    return err as DownloadError;
  }
  throw new Error("the download did not fail");
}
