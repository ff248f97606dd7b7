// A file handle's write() may write fewer bytes than asked: write them all.
import type { FileHandle } from "node:fs/promises";

/** Write every byte of `bytes` at the handle's position. */
export async function writeFully(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
}
