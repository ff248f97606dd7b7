import { describe, expect, it } from "vitest";
import { GidSet, gidToNumber } from "../../src/export-file/gid-set.js";
import { firstInvalidUtf8 } from "../../src/core/utf8.js";

describe("gidToNumber", () => {
  it("maps canonical safe digit strings to numbers and everything else to -1", () => {
    expect(gidToNumber("0")).toBe(0);
    expect(gidToNumber("1204567890123456")).toBe(1204567890123456);
    expect(gidToNumber("9007199254740991")).toBe(9007199254740991);
    for (const other of ["", "01", "9007199254740992", "12345678901234567", "1e5", "-1", "1.0", " 1", "１"]) {
      expect(gidToNumber(other)).toBe(-1);
    }
  });
});

describe("GidSet", () => {
  it("answers whether a gid is new, keeping numeric and other gids apart", () => {
    const set = new GidSet(16);
    expect(set.add("12")).toBe(true);
    expect(set.add("12")).toBe(false);
    expect(set.add("012")).toBe(true);
    expect(set.add("012")).toBe(false);
    expect(set.add("9007199254740993")).toBe(true);
    expect(set.add("9007199254740992")).toBe(true);
    expect(set.add("0")).toBe(true);
    expect(set.size).toBe(5);
  });

  it("grows without losing members", () => {
    const set = new GidSet(16);
    let added = 0;
    for (let i = 0; i < 100_000; i++) if (set.add(String(1200000000000000 + i * 4096))) added++;
    for (let i = 0; i < 100_000; i++) if (set.add(String(1200000000000000 + i * 4096))) added++;
    expect(added).toBe(100_000);
    expect(set.size).toBe(100_000);
    // At most 3/4 full, so 8 bytes a slot is under 8 / 0.375 bytes a gid right after growing.
    expect(set.tableBytes).toBeLessThanOrEqual(100_000 * 22);
  });
});

describe("firstInvalidUtf8", () => {
  it.each([
    [[0x61, 0xff], 1],
    [[0x61, 0xc3], 1],
    [[0xc3, 0x28], 0],
    [[0xe0, 0x80, 0x80], 0],
    [[0xed, 0xa0, 0x80], 0],
    [[0xf4, 0x90, 0x80, 0x80], 0],
    [[0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80], -1],
  ])("finds the bad byte in %j", (bytes, at) => {
    const buf = Buffer.from(bytes);
    expect(firstInvalidUtf8(buf, 0, buf.length)).toBe(at);
  });
});
