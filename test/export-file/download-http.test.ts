import { describe, expect, it } from "vitest";
import {
  parseContentRange,
  parseLength,
  parseUnsatisfiedRange,
  saysExpired,
  strongEtag,
} from "../../src/export-file/download-http.js";

describe("download header helpers", () => {
  it("parses byte Content-Range headers and refuses inconsistent ones", () => {
    expect(parseContentRange("bytes 10-19/100")).toEqual({ start: 10, end: 19, total: 100 });
    expect(parseContentRange("bytes 10-19/*")).toEqual({ start: 10, end: 19, total: undefined });
    for (const bad of [undefined, "", "bytes 19-10/100", "bytes 10-100/100", "items 1-2/3", "bytes */100"]) {
      expect(parseContentRange(bad)).toBeUndefined();
    }
    expect(parseUnsatisfiedRange("bytes */100")).toBe(100);
    expect(parseLength("42")).toBe(42);
    expect(parseLength("4x")).toBeUndefined();
  });

  it("uses only strong ETags as If-Range validators", () => {
    expect(strongEtag('"abc"')).toBe('"abc"');
    expect(strongEtag('W/"abc"')).toBeUndefined();
  });

  it("recognises expired-signature answers of S3, GCS and Azure", () => {
    expect(saysExpired("<Code>AccessDenied</Code><Message>Request has expired</Message>")).toBe(true);
    expect(saysExpired("<Code>ExpiredToken</Code>")).toBe(true);
    expect(saysExpired("Signed expiry time [Mon, 01 Jan 2024] must be after signed start time")).toBe(true);
    expect(saysExpired("<Code>AccessDenied</Code><Message>Access Denied</Message>")).toBe(false);
  });
});
