// What the destination was given of a stream, to tell it what was deleted. A key is (parent gid,
// child gid, parent type): a task is (its gid, its gid, task), a story (its parent's gid, its gid,
// the parent's type), a custom field value (the task's gid, the custom field's gid, task). The state
// keeps them sorted in the compact form of key-codec.ts, deflated, so a million tasks fit in a few
// megabytes; an export's keys (key-runs.ts) are merged with them in one streaming pass, so neither
// side is ever held as a list of 64-bit integers.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { ConfigError } from "../core/errors.js";
import { KeyDecoder, compareKeys, readCount, varintBytes, type KeyCursor, type KeyEncoder } from "./key-codec.js";
import { ParentWalker, type ParentType } from "./key-runs.js";
import type { GivenKeysBlob } from "./state.js";

const CODEC = "keys-delta-deflate-v1";

/** The keys a state keeps: checked once when read, then walked as often as needed. */
export class StoredKeys {
  static readonly EMPTY = new StoredKeys(new Uint8Array(0), 0, 0);

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly start: number,
    readonly count: number,
  ) {}

  cursor(): KeyCursor {
    return new KeyDecoder(this.bytes, this.start, this.bytes.length, this.count, false);
  }

  /** Reads a state's keys, refusing anything this codec did not write. */
  static decode(blob: GivenKeysBlob, where: string): StoredKeys {
    const broken = (why: string) =>
      new ConfigError(`${where}: its 'given' keys are unreadable (${why}). The state is corrupted; remove the stream's state (a full sync follows).`, "STATE_INVALID");
    let bytes: Buffer;
    try {
      bytes = inflateRawSync(Buffer.from(blob.data, "base64"));
    } catch (error) {
      throw broken((error as Error).message);
    }
    try {
      const { count, length } = readCount(bytes);
      if (count !== blob.count) throw new Error(`it says ${blob.count} keys and holds ${count}`);
      const check = new KeyDecoder(bytes, length, bytes.length, count, true);
      while (check.next());
      if (!check.done) throw new Error("bytes after the last key");
      return new StoredKeys(bytes, length, count);
    } catch (error) {
      throw broken((error as Error).message);
    }
  }
}

/** The keys an encoder wrote, in the form a state keeps. */
export function encodeKeys(keys: KeyEncoder): GivenKeysBlob {
  const data = deflateRawSync(Buffer.concat([varintBytes(keys.count), keys.bytes()])).toString("base64");
  return { codec: CODEC, count: keys.count, data };
}

/** Sorted keys per parent type, for the parents' membership. */
export type ParentKeys = Partial<Record<ParentType, KeyCursor>>;

/**
 * The keys after an export, written to `next`: those it gave (`emitted`) replace every key of the
 * parents it re-exported (`fed`: a child missing from a re-exported parent is gone); a key whose
 * parent is not live (`live`, per parent type, when the export saw every live object of that type)
 * is gone too. Each key gone is handed to `deleted` (its words are valid during the call only).
 */
export function reconcile(given: KeyCursor, fed: ParentKeys, emitted: KeyCursor, live: ParentKeys, next: KeyEncoder, deleted: (key: Uint32Array, type: number) => void): void {
  const walkers = (keys: ParentKeys) => [keys.task, keys.message].map((cursor) => (cursor === undefined ? undefined : new ParentWalker(cursor)));
  const fedHas = walkers(fed);
  const liveHas = walkers(live);
  let more = emitted.next();
  while (given.next()) {
    // Emitted keys sorting before the given one.
    while (more && compareKeys(emitted.key, 0, given.key, 0) < 0) {
      next.write(emitted.key, 0, emitted.type);
      more = emitted.next();
    }
    if (more && compareKeys(emitted.key, 0, given.key, 0) === 0) {
      next.write(given.key, 0, given.type);
      more = emitted.next();
      continue;
    }
    const reexported = fedHas[given.type]?.has(given.key, 0) ?? false;
    const isLive = liveHas[given.type];
    if (reexported || (isLive !== undefined && !isLive.has(given.key, 0))) deleted(given.key, given.type);
    else next.write(given.key, 0, given.type);
  }
  while (more) {
    next.write(emitted.key, 0, emitted.type);
    more = emitted.next();
  }
}
