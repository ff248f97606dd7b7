// The byte-level column writer that derived streams use for custom field values and join pairs:
// every row it writes must equal the row built from JSON.parse of the same element.
import { describe, expect, it } from "vitest";
import { type ColumnPath, ColumnWriter, PathReader } from "../../src/export-file/json-columns.js";
import { prng, randomValue } from "../helpers/random-json.js";

const COLUMNS: ColumnPath[] = [
  { column: "gid", path: "gid" },
  { column: "name", path: "name" },
  { column: "a_gid", path: "a.gid" },
  { column: "a_names", path: "a[].name" },
  { column: "e_a", path: "é.a" },
  { column: "missing", path: "nowhere" },
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const orNull = (v: unknown): unknown => (v === undefined ? null : v);

/** The oracle: the row as JSON.parse of the element reads it, or undefined when none is written. */
function expectedRow(element: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  if (!isObject(element)) return undefined;
  const row: Record<string, unknown> = {};
  for (const { column, path } of COLUMNS) {
    if (path.includes("[].")) {
      const [list = "", key = ""] = path.split("[].");
      const items = element[list];
      row[column] = Array.isArray(items) ? items.map((item) => (isObject(item) ? orNull(item[key]) : null)) : [];
    } else if (path.includes(".")) {
      const [head = "", key = ""] = path.split(".");
      const inner = element[head];
      row[column] = isObject(inner) ? orNull(inner[key]) : null;
    } else {
      row[column] = orNull(element[path]);
    }
  }
  return keys.some((k) => row[k] === null) ? undefined : row;
}

/** Write one element inside a larger buffer (so offsets matter) and read the row back. */
function writtenRow(writer: ColumnWriter, text: string): Record<string, unknown> | undefined {
  const bytes = Buffer.from(`[1,${text},2]`, "utf8");
  const start = 3;
  const end = bytes.length - 3;
  const target = Buffer.alloc(writer.bound(end - start) + 8, 0x7e);
  const at = writer.write(bytes, start, end, target, 4);
  if (at < 0) return undefined;
  expect(at).toBeLessThanOrEqual(4 + writer.bound(end - start));
  return JSON.parse(`{${target.toString("utf8", 5, at)}}`) as Record<string, unknown>;
}

describe("ColumnWriter", () => {
  it("writes the row JSON.parse of the element gives, for random elements (objects, lists, leaves)", () => {
    const rand = prng(11);
    let rows = 0;
    for (const keys of [[], ["gid"]] as const) {
      const writer = new ColumnWriter(COLUMNS, keys);
      for (let n = 0; n < 4000; n++) {
        const element = n % 3 === 0 ? { gid: rand() < 0.8 ? String(n) : null, a: randomValue(rand, 1), ...(randomValue(rand, 0) as object) } : randomValue(rand, 0);
        const text = JSON.stringify(element, null, rand() < 0.3 ? 1 : undefined);
        const want = expectedRow(element, keys);
        expect(writtenRow(writer, text), text).toEqual(want);
        if (want !== undefined) rows++;
      }
    }
    expect(rows).toBeGreaterThan(1000); // the property was exercised on real rows
  });

  it("copies a value's text as exported: escapes and number spelling kept", () => {
    const writer = new ColumnWriter([{ column: "n", path: "name" }, { column: "x", path: "a.x" }]);
    const bytes = Buffer.from('{"name":"a\\u00e9\\"b","a":{"x":1.50e+2}}', "utf8");
    const target = Buffer.alloc(writer.bound(bytes.length));
    const at = writer.write(bytes, 0, bytes.length, target, 0);
    expect(target.toString("utf8", 0, at)).toBe(',"n":"a\\u00e9\\"b","x":1.50e+2');
  });

  it("writes one leading column as JSON.parse reads it, a repeated key's last value included", () => {
    const writer = new ColumnWriter([{ column: "user_gid", path: "gid" }], ["user_gid"]);
    const cases: [string, unknown][] = [
      ['{"gid":"12","resource_type":"user","name":"Zoë"}', { user_gid: "12" }],
      ['{"gid":"1","gid":"2"}', { user_gid: "2" }],
      ['{"gid":"1","x":{"gid":"3"},"name":"\\"gid\\""}', { user_gid: "1" }],
      ['{"gid":"a\\u00e9"}', { user_gid: "aé" }],
      ['{"gid":null}', undefined],
    ];
    for (const [text, want] of cases) expect(writtenRow(writer, text), text).toEqual(want);
  });

  it("refuses a path it cannot read, naming it", () => {
    expect(() => new ColumnWriter([{ column: "c", path: "a.b.c" }])).toThrow(/'a\.b\.c' of c/);
    expect(() => new ColumnWriter([{ column: "c", path: "" }])).toThrow(/expected 'a', 'a.b' or 'a\[\]\.b'/);
  });
});

describe("PathReader", () => {
  it("reads a one-key path the same whether the key leads the object or not, escaped or not", () => {
    const reader = new PathReader("gid");
    const cases: [string, string | undefined][] = [
      ['{"gid":"123","name":"x"}', '"123"'],
      ['{"gid":"1\\"2"}', '"1\\"2"'],
      ['{"name":"x","gid":"7"}', '"7"'],
      ['{ "gid" : "8" }', '"8"'],
      ['{"gid":8}', "8"],
      ['{"gidx":"9"}', "null"],
      ['"gid"', undefined],
      // A repeated key: the last value, as JSON.parse keeps it (the leading one is not taken on trust).
      ['{"gid":"1","name":"x","gid":"2"}', '"2"'],
      ['{"gid":"1","a":{"gid":"n"}}', '"1"'],
      ['{"gid":"1","name":"gid"}', '"1"'],
    ];
    for (const [text, want] of cases) expect(reader.literal(Buffer.from(text)), text).toBe(want);
    // Inside a larger buffer, only the element's bytes count.
    const bytes = Buffer.from('[{"gid":"42"},{"gid":"43"}]');
    expect(reader.literal(bytes, 14, 26)).toBe('"43"');
  });

  it("reads one path's value text, null when absent, undefined for a non-object", () => {
    const reader = new PathReader("section.gid");
    const text = '{"section":{"gid":"12","name":"x"}}';
    expect(reader.literal(Buffer.from(text))).toBe('"12"');
    expect(reader.literal(Buffer.from('{"section":null}'))).toBe("null");
    expect(reader.literal(Buffer.from("[1]"))).toBeUndefined();
    // A long element grows the reader's scratch buffer.
    const long = `{"section":{"gid":"${"9".repeat(5000)}"}}`;
    expect(reader.literal(Buffer.from(long))).toBe(`"${"9".repeat(5000)}"`);
  });
});
