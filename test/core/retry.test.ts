import { describe, expect, it } from "vitest";
import { SLOW_ANSWER_CODE, isRetryableStatus, parseRetryAfter, refusedUnprocessed, retryDelayMs, transientNetworkCode, unsentNetworkCode } from "../../src/core/retry.js";

describe("the retry policy's pure pieces", () => {
  it("names transient network faults, also when wrapped in a cause, and refuses usage errors", () => {
    expect(transientNetworkCode({ code: "ECONNRESET" })).toBe("ECONNRESET");
    expect(transientNetworkCode({ code: "UND_ERR_SOCKET" })).toBe("UND_ERR_SOCKET");
    expect(transientNetworkCode({ code: "UND_ERR_BODY_TIMEOUT" })).toBe("UND_ERR_BODY_TIMEOUT");
    // fetch-style wrapping: TypeError("fetch failed", { cause: socket error })
    expect(transientNetworkCode(new TypeError("fetch failed", { cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }) }))).toBe("ECONNRESET");
    for (const code of ["UND_ERR_INVALID_ARG", "UND_ERR_NOT_SUPPORTED", "UND_ERR_ABORTED", "UND_ERR_DESTROYED", "UND_ERR_RES_EXCEEDED_MAX_SIZE", "EACCES"]) {
      expect(transientNetworkCode({ code })).toBeUndefined();
    }
    expect(transientNetworkCode(new Error("no code"))).toBeUndefined();
    expect(transientNetworkCode(null)).toBeUndefined();
    expect(transientNetworkCode("ECONNRESET")).toBeUndefined();
  });

  it("tells the faults that provably never reached the server (a POST may be sent again) from those that may have", () => {
    for (const code of ["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "ENOTFOUND", "EAI_AGAIN"]) {
      expect(unsentNetworkCode({ code })).toBe(code);
      expect(transientNetworkCode({ code })).toBe(code);
    }
    for (const code of ["ECONNRESET", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "EPIPE", SLOW_ANSWER_CODE]) {
      expect(unsentNetworkCode({ code })).toBeUndefined();
      expect(transientNetworkCode({ code })).toBe(code);
    }
    expect(unsentNetworkCode(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }))).toBe("ECONNREFUSED");
    // Only a 429 is a refusal counted before any work; a 5xx may come after it.
    expect(refusedUnprocessed(429)).toBe(true);
    expect([408, 500, 502, 503, 504].some(refusedUnprocessed)).toBe(false);
  });

  it("retries 408, 429 and 5xx only", () => {
    expect([408, 429, 500, 502, 503, 504, 599].every(isRetryableStatus)).toBe(true);
    expect([200, 301, 400, 401, 402, 403, 404, 600].some(isRetryableStatus)).toBe(false);
  });

  it("reads Retry-After as seconds or an HTTP date, never negative", () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter("30", now)).toBe(30);
    expect(parseRetryAfter(["2.5"], now)).toBe(2.5);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(" ", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });

  it("backs off with full jitter under a ceiling, or waits what the server asked plus a little", () => {
    const options = { baseMs: 500, maxMs: 4000 };
    expect(retryDelayMs(1, undefined, () => 0, options)).toBe(250);
    expect(retryDelayMs(1, undefined, () => 0.999999, options)).toBe(500);
    expect(retryDelayMs(3, undefined, () => 1, options)).toBe(2000);
    expect(retryDelayMs(10, undefined, () => 1, options)).toBe(4000);
    expect(retryDelayMs(1, 3, () => 0, options)).toBe(3000);
    expect(retryDelayMs(1, 3, () => 1, options)).toBe(3500);
  });
});
