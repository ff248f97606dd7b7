// Typing at the edges, as DuckDB reads the files back: RFC 3339 timestamps (UTC required, real
// dates, microseconds), calendar dates, exact integers and doubles, and `_extra` holding a misfit's
// exact JSON text with no prototype pitfalls; a line the writer cannot represent follows
// on_invalid_record.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/core/errors.js";
import { RotatingFileWriter, streamColumns } from "../../src/sinks/files/index.js";
import { parseDateTime } from "../../src/core/rfc3339.js";
import { SCHEMA, query, record, tempDir, testParquet } from "./files-fixtures.js";

const STAMP = { extractedAt: 0, exportGid: "1" };

/** Write raw JSON lines (text as given) and read back chosen columns and _extra by gid. */
async function roundTrip(lines: string[], select: string, options: { onInvalidRecord?: "fail" | "skip" } = {}): Promise<Record<string, unknown>[]> {
  const dir = tempDir();
  const writer = new RotatingFileWriter({ dir, format: testParquet(streamColumns(SCHEMA), { onInvalidRecord: options.onInvalidRecord ?? "fail" }), maxFileBytes: 1 << 30 });
  await writer.write(lines.map((raw) => record(JSON.parse(raw) as Record<string, unknown>, raw)), STAMP);
  await writer.commit("t");
  return query(`SELECT gid, ${select}, _extra FROM read_parquet('${join(dir, "*.parquet")}') ORDER BY gid`);
}

const extra = (row: Record<string, unknown> | undefined): unknown => (row?._extra === null ? null : JSON.parse(row?._extra as string));

describe("timestamps: RFC 3339 only", () => {
  it.each([
    ["2024-03-14T08:10:22.077Z", "2024-03-14 08:10:22.077+00"],
    ["2024-03-14t08:10:22z", "2024-03-14 08:10:22+00"],
    ["2024-01-01T02:00:00+02:00", "2024-01-01 00:00:00+00"],
    ["2023-12-31T23:30:00-01:15", "2024-01-01 00:45:00+00"],
    ["2024-01-01T00:00:00.123456Z", "2024-01-01 00:00:00.123456+00"],
    ["2024-01-01T00:00:00.123456000Z", "2024-01-01 00:00:00.123456+00"],
    ["9999-12-31T23:59:59.999999Z", "9999-12-31 23:59:59.999999+00"],
    ["0001-01-01T00:00:00Z", "0001-01-01 00:00:00+00"],
  ])("%s is %s", async (text, shown) => {
    const [row] = await roundTrip([JSON.stringify({ gid: "1", due_at: text })], "due_at::VARCHAR AS t");
    expect(row).toEqual({ gid: "1", t: shown, _extra: null });
  });

  it.each([
    ["a bare number", "1"],
    ["no time zone (it would be read in the machine's zone)", "2024-01-01T00:00:00"],
    ["February 30th", "2024-02-30T00:00:00Z"],
    ["29 February of a common year", "2023-02-29T12:00:00Z"],
    ["a leap second", "2016-12-31T23:59:60Z"],
    ["digits below the microsecond", "2024-01-01T00:00:00.1234567Z"],
    ["a date only", "2024-01-01"],
    ["an hour of 24", "2024-01-01T24:00:00Z"],
    ["an offset past 23 hours", "2024-01-01T00:00:00+24:00"],
    ["text", "yesterday"],
  ])("keeps %s in _extra, exactly", async (_what, text) => {
    const raw = `{"gid":"1","due_at":${JSON.stringify(text)}}`;
    const [row] = await roundTrip([raw], "due_at");
    expect(row?.due_at).toBeNull();
    expect(row?._extra).toBe(`{"due_at":${JSON.stringify(text)}}`);
  });

  it("is the one parser config values and API answers go through too: UTC required, real dates", () => {
    expect(parseDateTime("2024-01-01T02:00:00+02:00")).toBe(Date.UTC(2024, 0, 1));
    expect(parseDateTime("1")).toBeNaN();
    expect(parseDateTime("2024-01-01T00:00:00")).toBeNaN();
    expect(parseDateTime("2024-02-30T00:00:00Z")).toBeNaN();
  });
});

describe("dates: real calendar dates", () => {
  it.each([
    ["2024-02-29", "2024-02-29"],
    ["2000-02-29", "2000-02-29"],
    ["1969-12-31", "1969-12-31"],
  ])("%s", async (text, shown) => {
    const [row] = await roundTrip([JSON.stringify({ gid: "1", due_on: text })], "due_on::VARCHAR AS d");
    expect(row).toEqual({ gid: "1", d: shown, _extra: null });
  });

  it.each(["2024-02-30", "1900-02-29", "2024-13-01", "2024-1-01", "2024-01-01T00:00:00Z", "20240101"])("keeps %s in _extra", async (text) => {
    const [row] = await roundTrip([JSON.stringify({ gid: "1", due_on: text })], "due_on");
    expect(row?.due_on).toBeNull();
    expect(extra(row)).toEqual({ due_on: text });
  });
});

describe("numbers: exact, or kept as their text", () => {
  it("takes whole numbers into BIGINT with all 64 bits, and any finite number into DOUBLE", async () => {
    const rows = await roundTrip(
      [
        '{"gid":"1","count":9223372036854775807,"score":0.1}',
        '{"gid":"2","count":-9223372036854775808,"score":-0}',
        '{"gid":"3","count":1.0,"score":1e300}',
        '{"gid":"4","count":12e2,"score":123456789012345678901234567890}',
        '{"gid":"5","count":-0,"score":5e-324}',
      ],
      "count::VARCHAR AS count, score",
    );
    expect(rows.map((r) => [r.gid, r.count, r.score, r._extra])).toEqual([
      ["1", "9223372036854775807", 0.1, null],
      ["2", "-9223372036854775808", -0, null],
      ["3", "1", 1e300, null],
      ["4", "1200", 1.2345678901234568e29, null],
      ["5", "0", 5e-324, null],
    ]);
  });

  it("keeps what does not fit as its exact text: fractions and overflow in BIGINT, 1e400 in DOUBLE", async () => {
    const rows = await roundTrip(
      ['{"gid":"1","count":1.5,"score":1e400}', '{"gid":"2","count":9223372036854775808,"score":-1E+400}', '{"gid":"3","count":1e19,"score":"1"}'],
      "count, score",
    );
    expect(rows.map((r) => [r.gid, r.count, r.score, r._extra])).toEqual([
      ["1", null, null, '{"count":1.5,"score":1e400}'],
      ["2", null, null, '{"count":9223372036854775808,"score":-1E+400}'],
      ["3", null, null, '{"count":1e19,"score":"1"}'],
    ]);
  });
});

describe("_extra", () => {
  it("keeps every key as the line has it: __proto__, constructor, escapes, numbers as written", async () => {
    const raw = '{"gid":"1","__proto__":{"polluted":true},"constructor":1,"owner":{"gid":"9","__proto__":[1]},"k\\u00e9y":"v","big":1e400,"exact":1.10,"tags":[{"gid":"t","toString":null}]}';
    const [row] = await roundTrip([raw], "owner.gid AS owner");
    expect(row?.owner).toBe("9");
    expect(row?._extra).toBe('{"__proto__":{"polluted":true},"constructor":1,"owner.__proto__":[1],"k\\u00e9y":"v","big":1e400,"exact":1.10,"tags[0].toString":null}');
    // Parsed, it is what the line says (JSON.parse makes __proto__ an own key).
    expect(Object.keys(extra(row) as object)).toEqual(["__proto__", "constructor", "owner.__proto__", "kéy", "big", "exact", "tags[0].toString"]);
  });

  it("keeps an unknown field nested 100,000 deep, without recursion", async () => {
    const deep = `${"[".repeat(100_000)}1${"]".repeat(100_000)}`;
    const raw = `{"gid":"1","name":"n","deep":${deep}}`;
    const [row] = await roundTrip([raw], "name");
    expect(row?.name).toBe("n");
    expect(row?._extra).toBe(`{"deep":${deep}}`);
  });

  it("keeps a string the column cannot hold (a lone surrogate is no UTF-8) as its text", async () => {
    const [row] = await roundTrip(['{"gid":"1","name":"a\\ud800b","owner":{"gid":"\\udfff"}}'], "name, owner.gid AS owner");
    expect(row).toEqual({ gid: "1", name: null, owner: null, _extra: '{"name":"a\\ud800b","owner.gid":"\\udfff"}' });
  });

  it("decodes escapes in strings and keys (a key written with escapes is still the schema's)", async () => {
    const [row] = await roundTrip(['{"gid":"1","n\\u0061me":"tab\\there \\"q\\" \\u00e9 \\ud83c\\udf89 \\/","due_at":"2024-01-01T00:00:00\\u005a"}'], "name, due_at::VARCHAR AS t");
    expect(row).toEqual({ gid: "1", name: 'tab\there "q" é 🎉 /', t: "2024-01-01 00:00:00+00", _extra: null });
  });
});

describe("a line the writer cannot represent", () => {
  const lines = ['{"gid":"1","name":"a"}', '{"gid":"2","name":"b","count":1,"name":"c"}', '{"gid":"3","owner":{"gid":"x","gid":"y"}}', '{"gid":"4","name":"d"}'];

  it("fails the sync with RECORD_UNREPRESENTABLE by default, naming the line and the fix", async () => {
    const error = await roundTrip(lines, "name").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe("RECORD_UNREPRESENTABLE");
    expect((error as ConnectorError).message).toMatch(/things object 2 cannot be written to Parquet: the key "name" appears twice .* config.on_invalid_record to "skip"/);
  });

  it("is skipped and counted with on_invalid_record = skip; the other lines of its batch are kept whole", async () => {
    const dir = tempDir();
    const writer = new RotatingFileWriter({ dir, format: testParquet(streamColumns(SCHEMA), { onInvalidRecord: "skip" }), maxFileBytes: 1 << 30 });
    await writer.write(lines.map((raw) => record(JSON.parse(raw) as Record<string, unknown>, raw)), STAMP);
    expect(writer.skipped).toEqual({ count: 2, first: { line: 0, gid: "2", reason: expect.stringMatching(/the key "name" appears twice/) } });
    const [file] = await writer.commit("t");
    expect(file?.rows).toBe(2);
    const rows = await query(`SELECT gid, name, owner FROM read_parquet('${file?.path ?? ""}') ORDER BY gid`);
    expect(rows).toEqual([
      { gid: "1", name: "a", owner: null },
      { gid: "4", name: "d", owner: null },
    ]);
  });

  it("leaves no trace of a line rejected inside a list or after its last value, in any leaf", async () => {
    const good1 = { gid: "1", name: "a", score: 1.5, done: true, tags: [{ gid: "t1", name: "x" }, { gid: "t2" }], grid: [[1, 2], [3]] };
    const good4 = { gid: "4", name: "d", score: 4.5, done: false, tags: [{ gid: "t7", name: "z" }], grid: [[4, 5]] };
    const records = [
      record(good1),
      // Rejected in the second element of `tags`: gid, name, score, done and a tag were written before.
      record({ gid: "2" }, '{"gid":"2","name":"bb","score":2.5,"done":false,"tags":[{"gid":"t3","name":"y"},{"gid":"t4","gid":"t5"}],"grid":[[9]]}'),
      // Rejected once every column was written: the text goes on after the object.
      record({ gid: "3" }, '{"gid":"3","name":"c","score":3.5,"done":true,"tags":[{"gid":"t6"}],"grid":[[7],[8]]} {}'),
      record(good4),
    ];
    const dir = tempDir();
    const writer = new RotatingFileWriter({ dir, format: testParquet(streamColumns(SCHEMA), { onInvalidRecord: "skip" }), maxFileBytes: 1 << 30 });
    await writer.write(records, STAMP);
    expect(writer.skipped.count).toBe(2);
    const [file] = await writer.commit("t");
    const rows = await query(`SELECT to_json(t)::VARCHAR AS j FROM (SELECT gid, name, score, done, tags, grid FROM read_parquet('${file?.path ?? ""}') ORDER BY gid) t`);
    expect(rows.map((r) => JSON.parse(String(r.j)) as unknown)).toEqual([
      { ...good1, tags: [{ gid: "t1", name: "x" }, { gid: "t2", name: null }] },
      good4,
    ]);
  });
});
