// Proxy settings from the environment, their secrets, and what a proxy's refusal means.
import { describe, expect, it } from "vitest";
import { proxyRefusal, proxyRefusalStatus, proxySecrets, proxySettings, safeProxy } from "../../src/core/proxy.js";

describe("proxy settings", () => {
  it("reads lower-case names first, as curl and undici do, and refuses what is not a proxy URL, naming the variable", () => {
    const s = proxySettings({ https_proxy: "http://lower:3128", HTTPS_PROXY: "http://upper:3128", HTTP_PROXY: "http://plain:8080", NO_PROXY: "localhost" });
    expect(s).toMatchObject({ httpsProxy: "http://lower:3128", httpsFrom: "https_proxy", httpProxy: "http://plain:8080", httpFrom: "HTTP_PROXY", noProxy: "localhost" });
    expect(proxySettings({})).toMatchObject({ httpProxy: "", httpsProxy: "", noProxy: "" });
    expect(() => proxySettings({ HTTPS_PROXY: "proxy.example:3128" })).toThrow(/^HTTPS_PROXY is not a proxy URL: set it to one such as http:\/\/proxy\.example\.com:3128/);
  });

  it("keeps credentials out of logs", () => {
    const s = proxySettings({ HTTPS_PROXY: "http://user:p%40ss@proxy:3128" });
    expect(proxySecrets(s)).toEqual(expect.arrayContaining(["p%40ss", "p@ss"]));
    expect(safeProxy(s.httpsProxy)).toBe("http://proxy:3128");
  });

  it("reads a refusal from undici's errors, and says who must act", () => {
    expect(proxyRefusalStatus(new Error("Proxy response (403) !== 200 when HTTP Tunneling"))).toBe(403);
    expect(proxyRefusalStatus(new TypeError("fetch failed", { cause: new Error("Proxy Authentication Required (407)") }))).toBe(407);
    expect(proxyRefusalStatus(new Error("other"))).toBeUndefined();
    expect(proxyRefusal(407, "W", "N.")).toMatchObject({ code: "PROXY_AUTH_REQUIRED", failureType: "config_error" });
    expect(proxyRefusal(403, "W", "N.")).toMatchObject({ code: "PROXY_REFUSED", failureType: "config_error" });
    expect(proxyRefusal(502, "W", "N.")).toMatchObject({ code: "PROXY_REFUSED", failureType: "transient_error" });
  });
});
