// Per-token rate limits: requests per minute over a sliding window (refused ones count) and requests
// in flight, both answered 429 with Retry-After.
import { describe, it, expect } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { api, errorMessage, manualClock } from "./helpers.js";

describe("rate limits", () => {
  it("429 with Retry-After past the per-minute limit, per token, over a sliding window", async () => {
    const clock = manualClock();
    const emu = await startEmulator({ tasks: 5, teams: 1, messages: 1, clock, requestsPerMinute: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await api(emu, "GET", "/users/me")).status).toBe(200);
        clock.advance(10_000);
      }
      const refused = await api(emu, "GET", "/users/me");
      expect(refused.status).toBe(429);
      // The refused request counts too, so the window frees up when the second oldest leaves it.
      expect(refused.headers["retry-after"]).toBe("40");
      expect(errorMessage(refused)).toMatch(/too many requests/);
      // Another token has its own budget.
      expect((await api(emu, "GET", "/users/me", { token: emu.tokens.regularUser })).status).toBe(200);
      clock.advance(39_000);
      expect((await api(emu, "GET", "/users/me", { token: emu.tokens.regularUser })).status).toBe(200);
      clock.advance(1_000);
      expect((await api(emu, "GET", "/users/me")).status).toBe(200);
      const again = await api(emu, "GET", "/users/me");
      expect(again.status).toBe(429);
      expect(again.headers["retry-after"]).toBe("20");
      clock.advance(19_000);
      expect((await api(emu, "GET", "/users/me", { token: emu.tokens.regularUser })).status).toBe(200);
      clock.advance(1_000);
      expect((await api(emu, "GET", "/users/me")).status).toBe(200);
      await emu.settled();
      expect(emu.requests.filter((r) => r.status === 429)).toHaveLength(2);
    } finally {
      await emu.close();
    }
  });

  it("429 past the cap of requests in flight", async () => {
    const emu = await startEmulator({ tasks: 5, teams: 1, messages: 1, maxInFlight: 2, faults: [{ kind: "hold", target: "users-me", times: 2 }] });
    try {
      const held = [api(emu, "GET", "/users/me"), api(emu, "GET", "/users/me")];
      // Both are admitted (in flight) before their hold fires.
      await emu.faults.waitForFired((f) => f.kind === "hold", { count: 2 });
      const third = await api(emu, "GET", "/users/me");
      expect(third.status).toBe(429);
      expect(third.headers["retry-after"]).toBe("1");
      emu.faults.release();
      expect((await Promise.all(held)).map((a) => a.status)).toEqual([200, 200]);
      // A request leaves the in-flight count when its response is done, which a client can be ahead of.
      await emu.settled();
      expect((await api(emu, "GET", "/users/me")).status).toBe(200);
    } finally {
      await emu.close();
    }
  });
});
