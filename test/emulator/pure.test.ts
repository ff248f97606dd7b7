// Pure pieces of the emulator server: the shuffle permutation, Range parsing, date-times, signing.
import { describe, it, expect } from "vitest";
import { parseIsoDateTime } from "../../src/emulator/server/dates.js";
import { feistelPermutation } from "../../src/emulator/server/permutation.js";
import { parseRange } from "../../src/emulator/server/range.js";
import { UrlSigner } from "../../src/emulator/server/signing.js";

describe("feistelPermutation", () => {
  it("is a bijection of [0, size) for many sizes", () => {
    for (const size of [0, 1, 2, 3, 4, 5, 15, 16, 17, 100, 1000, 4097, 65_537]) {
      const p = feistelPermutation(size, 12345);
      const seen = new Uint8Array(size);
      for (let i = 0; i < size; i++) {
        const image = p.at(i);
        expect(image >= 0 && image < size).toBe(true);
        seen[image] = (seen[image] ?? 0) + 1;
      }
      expect(seen.every((n) => n === 1)).toBe(true);
    }
  });

  it("depends on its key and shuffles", () => {
    const a = feistelPermutation(1000, 1);
    const b = feistelPermutation(1000, 2);
    const imagesA = Array.from({ length: 1000 }, (_, i) => a.at(i));
    const imagesB = Array.from({ length: 1000 }, (_, i) => b.at(i));
    expect(imagesA).not.toEqual(imagesB);
    const fixed = imagesA.filter((v, i) => v === i).length;
    expect(fixed).toBeLessThan(20);
    expect(feistelPermutation(1000, 1).at(17)).toBe(a.at(17));
  });

  it("handles a million slots without arrays", () => {
    const p = feistelPermutation(1_000_003, 99);
    const sample = new Set<number>();
    for (let i = 0; i < 10_000; i++) sample.add(p.at(i));
    expect(sample.size).toBe(10_000);
    expect(() => p.at(1_000_003)).toThrow(RangeError);
  });
});

describe("parseRange", () => {
  it("reads a-b, a- and suffix ranges", () => {
    expect(parseRange("bytes=0-9", 100)).toEqual({ kind: "partial", start: 0, end: 9 });
    expect(parseRange("bytes=90-", 100)).toEqual({ kind: "partial", start: 90, end: 99 });
    expect(parseRange("bytes=-10", 100)).toEqual({ kind: "partial", start: 90, end: 99 });
    expect(parseRange("bytes=-1000", 100)).toEqual({ kind: "partial", start: 0, end: 99 });
    expect(parseRange("bytes=50-1000", 100)).toEqual({ kind: "partial", start: 50, end: 99 });
  });

  it("says unsatisfiable past the end and ignores what it cannot read", () => {
    expect(parseRange("bytes=100-", 100)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=-0", 100)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange(undefined, 100)).toEqual({ kind: "full" });
    expect(parseRange("bytes=5-1", 100)).toEqual({ kind: "full" });
    expect(parseRange("bytes=0-1,5-6", 100)).toEqual({ kind: "full" });
    expect(parseRange("items=0-1", 100)).toEqual({ kind: "full" });
  });
});

describe("parseIsoDateTime", () => {
  it("accepts Z, milliseconds and offsets", () => {
    expect(parseIsoDateTime("2024-01-01T00:00:00Z")).toBe(Date.UTC(2024, 0, 1));
    expect(parseIsoDateTime("2024-01-01T00:00:00.000Z")).toBe(Date.UTC(2024, 0, 1));
    expect(parseIsoDateTime("2024-01-01T00:00:00.5Z")).toBe(Date.UTC(2024, 0, 1, 0, 0, 0, 500));
    expect(parseIsoDateTime("2024-01-01T02:00:00+02:00")).toBe(Date.UTC(2024, 0, 1));
  });

  it("refuses dates that are not date-times or do not exist", () => {
    for (const bad of ["2024-01-01", "yesterday", "2024-02-30T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01 00:00:00Z", "2024-01-01T00:00:00"]) {
      expect(parseIsoDateTime(bad), bad).toBeUndefined();
    }
  });
});

describe("UrlSigner", () => {
  it("verifies its own URLs until they expire or are revoked", () => {
    const signer = new UrlSigner("secret", "AKIA");
    const t = Date.UTC(2025, 0, 1, 12);
    const query = new URLSearchParams(signer.sign("/a", t, 60));
    expect(signer.verify("/a", query, t)).toBe("ok");
    expect(signer.verify("/b", query, t)).toBe("bad-signature");
    expect(signer.verify("/a", query, t + 59_999)).toBe("ok");
    expect(signer.verify("/a", query, t + 60_000)).toBe("expired");
    const tampered = new URLSearchParams(query);
    tampered.set("X-Amz-Expires", "6000");
    expect(signer.verify("/a", tampered, t + 60_000)).toBe("bad-signature");
    tampered.delete("X-Amz-Signature");
    expect(signer.verify("/a", tampered, t)).toBe("missing");
    signer.revokeIssued();
    expect(signer.verify("/a", query, t)).toBe("expired");
    const fresh = new URLSearchParams(signer.sign("/a", t, 60));
    expect(signer.verify("/a", fresh, t)).toBe("ok");
  });
});
