// The floor: Node's zlib gunzip of the export file and nothing else.
//   node dist/bench/suite/gunzip-child.js FILE [CHUNK_BYTES]   (prints {"bytes":N} on stderr)
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";

const [file, chunk] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: gunzip-child FILE [CHUNK_BYTES]");
let bytes = 0;
const gunzip = createGunzip(chunk === undefined ? {} : { chunkSize: Number(chunk) });
for await (const part of createReadStream(file).pipe(gunzip)) bytes += (part as Buffer).length;
process.stderr.write(`${JSON.stringify({ bytes })}\n`);
