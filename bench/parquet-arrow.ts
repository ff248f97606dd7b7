// A candidate of bench/parquet-writers.ts: apache-arrow builders typed from our columns, record
// batches of 10,000 rows streamed through parquet-wasm's writer (zstd built in).
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import {
  Bool, DateDay, Field, Float64, Int64, List, Struct, Table, TimestampMillisecond, Utf8, makeBuilder, tableToIPC,
  type Builder, type DataType, type Vector,
} from "apache-arrow";
import * as wasm from "parquet-wasm";
import type { RecordStamp } from "../src/sinks/files/index.js";
import type { Column, ColumnType } from "../src/sinks/files/columns.js";
import { recordConverter, type Extra } from "./parquet-convert.js";

const DAY_MS = 86_400_000;

function arrowType(type: ColumnType): DataType {
  switch (type.kind) {
    case "string":
    case "json":
      return new Utf8();
    case "timestamp":
      return new TimestampMillisecond("UTC");
    case "date":
      return new DateDay();
    case "boolean":
      return new Bool();
    case "int64":
      return new Int64();
    case "double":
      return new Float64();
    case "struct":
      return new Struct(type.fields.map((f) => new Field(f.name, arrowType(f.type), true)));
    case "list":
      return new List(new Field("element", arrowType(type.element), true));
  }
}

/** Our converted values in the shapes arrow's builders take (dates as epoch ms, not days). */
function arrowValue(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case "date":
      return (value as number) * DAY_MS;
    case "struct": {
      const v = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of type.fields) out[f.name] = arrowValue(f.type, v[f.name]);
      return out;
    }
    case "list":
      return (value as unknown[]).map((x) => arrowValue(type.element, x));
    default:
      return value;
  }
}

const BATCH_ROWS = 10_000;

/** Write the batches to one Parquet file through arrow + parquet-wasm; returns the row count. */
export async function arrowParquet(
  source: AsyncIterable<readonly { object: Record<string, unknown> }[]>,
  columns: readonly Column[],
  output: string,
  stamp: RecordStamp,
): Promise<number> {
  const data = columns.slice(0, -3);
  const convert = recordConverter(data);
  const types = columns.map((c) => arrowType(c.type));
  const newBuilders = (): Builder[] => types.map((type) => makeBuilder({ type, nullValues: [null, undefined] }));
  let builders = newBuilders();
  let buffered = 0;
  let rows = 0;
  const iterator = source[Symbol.asyncIterator]();
  const takeBatch = (): Uint8Array => {
    const vectors: Record<string, Vector> = {};
    columns.forEach((c, i) => (vectors[c.name] = (builders[i] as Builder).finish().toVector()));
    builders = newBuilders();
    buffered = 0;
    return tableToIPC(new Table(vectors), "stream");
  };
  const batches = new ReadableStream({
    async pull(controller) {
      for (;;) {
        const next = await iterator.next();
        if (next.done) {
          if (buffered > 0) for (const b of wasm.Table.fromIPCStream(takeBatch()).recordBatches()) controller.enqueue(b);
          controller.close();
          return;
        }
        for (const r of next.value) {
          const extra: Extra = {};
          const row = convert.convert(r.object, extra);
          data.forEach((c, i) => (builders[i] as Builder).append(arrowValue(c.type, row[c.name])));
          (builders[data.length] as Builder).append(Object.keys(extra).length > 0 ? JSON.stringify(extra) : null);
          (builders[data.length + 1] as Builder).append(stamp.extractedAt);
          (builders[data.length + 2] as Builder).append(stamp.exportGid);
          buffered++;
          rows++;
        }
        if (buffered >= BATCH_ROWS) {
          for (const b of wasm.Table.fromIPCStream(takeBatch()).recordBatches()) controller.enqueue(b);
          return;
        }
      }
    },
  });
  const props = new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression.ZSTD).build();
  const bytes = await wasm.transformParquetStream(batches, props);
  const file = createWriteStream(output);
  for await (const chunk of bytes as unknown as AsyncIterable<Uint8Array>) if (!file.write(chunk)) await once(file, "drain");
  file.end();
  await once(file, "close");
  return rows;
}
