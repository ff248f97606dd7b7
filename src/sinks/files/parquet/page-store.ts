// Where a row group's compressed pages wait until the group is written: a spill file beside the
// output. Column chunks must be contiguous in the file while pages of all columns are produced
// interleaved, so each page is kept until its group closes; on disk (in the page cache, in
// practice) they cost no memory, whatever the row-group size. Written once, read back once.
// The unfinished pages of columns that fill slowly go there too, encoded but not compressed
// (column-chunk.ts): read back once when their page is written.
import { readSync, writeSync } from "node:fs";
import type { ByteBuffer } from "./bytes.js";

/** Where a file's bytes go, in order (synchronously: the encoding thread has nothing else to do). */
export interface FileOutput {
  write(buffers: readonly Uint8Array[]): void;
}

/** Appends `buffers` to a descriptor at its current position, each written whole. */
export function descriptorOutput(fd: number): FileOutput {
  return {
    write(buffers) {
      for (const buffer of buffers) {
        let done = 0;
        while (done < buffer.length) done += writeSync(fd, buffer, done, buffer.length - done);
      }
    },
  };
}

/** Compressed pages of the open row group, kept in a spill file. */
export class PageStore {
  private end = 0;

  /** `fd`: the spill file, open for reading and writing; `scratch`: the buffer pages are copied out through (shared by the thread's files). */
  constructor(
    private readonly fd: number,
    private readonly scratch: Uint8Array,
  ) {}

  /** Keep one page (its parts in order); returns its offset in the store. */
  put(parts: readonly Uint8Array[]): number {
    const offset = this.end;
    for (const part of parts) {
      let done = 0;
      while (done < part.length) done += writeSync(this.fd, part, done, part.length - done, this.end + done);
      this.end += part.length;
    }
    return offset;
  }

  /** Append `length` bytes at `offset` to `target`. */
  readInto(target: ByteBuffer, offset: number, length: number): void {
    target.ensure(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, target.buf, target.length + got, length - got, offset + got);
      if (n === 0) throw new Error(`the page spill file ended at ${offset + got} bytes, before ${offset + length}`);
      got += n;
    }
    target.length += length;
  }

  /** Copy `length` bytes at `offset` to the output. */
  copyTo(output: FileOutput, offset: number, length: number): void {
    let done = 0;
    while (done < length) {
      const size = Math.min(this.scratch.length, length - done);
      let got = 0;
      while (got < size) {
        const n = readSync(this.fd, this.scratch, got, size - got, offset + done + got);
        if (n === 0) throw new Error(`the page spill file ended at ${offset + done + got} bytes, before ${offset + length}`);
        got += n;
      }
      output.write([this.scratch.subarray(0, size)]);
      done += size;
    }
  }

  /** The row group was written: its space is reused by the next one. */
  reset(): void {
    this.end = 0;
  }
}
