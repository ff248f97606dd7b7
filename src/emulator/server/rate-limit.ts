// Per-token rate limits as Asana enforces them: requests per minute over a sliding window (refused
// requests count too) and a cap on requests in flight; past either, 429 with Retry-After seconds.

/** Limits of one token. */
export interface RateLimits {
  requestsPerMinute: number;
  maxInFlight: number;
}

/** The outcome of admitting one request. */
export type Admission = { ok: true; release: () => void } | { ok: false; retryAfterSeconds: number; reason: string };

const WINDOW_MS = 60_000;

interface TokenState {
  times: number[];
  inFlight: number;
}

/** Sliding-window and in-flight limiter keyed by token. */
export class RateLimiter {
  private readonly tokens = new Map<string, TokenState>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number,
  ) {}

  /** Admit or refuse a request of `key`; an admitted one must be released when answered. */
  admit(key: string): Admission {
    const now = this.now();
    let state = this.tokens.get(key);
    if (!state) {
      state = { times: [], inFlight: 0 };
      this.tokens.set(key, state);
    }
    const firstInWindow = state.times.findIndex((t) => t > now - WINDOW_MS);
    state.times.splice(0, firstInWindow === -1 ? state.times.length : firstInWindow);
    const recent = state.times.length;
    state.times.push(now);
    if (recent >= this.limits.requestsPerMinute) {
      // Admission needs fewer than the limit in the window, this refused request included.
      const blocking = state.times[state.times.length - this.limits.requestsPerMinute] ?? now;
      const waitMs = blocking + WINDOW_MS - now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), reason: "requests per minute" };
    }
    if (state.inFlight >= this.limits.maxInFlight) {
      return { ok: false, retryAfterSeconds: 1, reason: "requests in flight" };
    }
    state.inFlight += 1;
    const held = state;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        held.inFlight -= 1;
      },
    };
  }
}
