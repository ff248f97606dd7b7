// Asana-Change headers: parsed from one value, repeated values, or values a proxy folded together.
import { describe, expect, it } from "vitest";
import { describeAsanaChange, parseAsanaChange } from "../../src/asana/change-header.js";

describe("Asana-Change", () => {
  it("parses one, repeated and folded values; skips what is not a change", () => {
    expect(parseAsanaChange("name=string_ids;info=https://asa.na/api-sid;affected=true")).toEqual([{ name: "string_ids", info: "https://asa.na/api-sid", affected: true }]);
    const folded = parseAsanaChange("name=a;info=https://x/1, name=b;info=https://x/2;affected=true");
    expect(folded.map((c) => [c.name, c.affected])).toEqual([["a", false], ["b", true]]);
    expect(parseAsanaChange(["name=a", "name=b;info=javascript:alert(1)"])).toEqual([{ name: "a", info: undefined, affected: false }, { name: "b", info: undefined, affected: false }]);
    expect(parseAsanaChange(["info=https://x", `name=${"x".repeat(500)}`, "garbage"])).toEqual([]);
    expect(parseAsanaChange(undefined)).toEqual([]);
  });

  it("says whether the request is affected or may be", () => {
    expect(describeAsanaChange({ name: "a", info: "https://x", affected: true }, "GET /jobs/{gid}")).toMatch(/^Asana announces the API change 'a' \(https:\/\/x\) and says requests like GET \/jobs\/\{gid\} are affected by it\./);
    expect(describeAsanaChange({ name: "a", info: undefined, affected: false }, "GET /x")).toMatch(/^Asana announces the API change 'a' and says requests like GET \/x may be affected\./);
  });
});
