// Checksums of the primary keys a run produced, per stream, to compare with the emulator's ground truth.
// A sum of two independent 32-bit hashes per gid: order does not matter, and (unlike XOR) a
// duplicated gid changes the sum, so a run that emits a record twice cannot match.

/** Count and order-independent checksum of a set of keys (a gid, or a composite key's columns joined). */
export class KeyDigest {
  count = 0;
  private a = 0;
  private b = 0;

  add(key: string): void {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    this.count++;
    this.a = (this.a + (h1 >>> 0)) >>> 0;
    this.b = (this.b + (h2 >>> 0)) >>> 0;
  }

  /** `count/checksum`, e.g. `200000/1f2e3d4c5b6a7988`. */
  toString(): string {
    return `${this.count}/${this.a.toString(16).padStart(8, "0")}${this.b.toString(16).padStart(8, "0")}`;
  }
}

/** Digests by stream name. */
export class StreamDigests {
  readonly byStream = new Map<string, KeyDigest>();

  add(stream: string, key: string): void {
    let d = this.byStream.get(stream);
    if (d === undefined) this.byStream.set(stream, (d = new KeyDigest()));
    d.add(key);
  }

  /** The digests of some streams only. */
  only(streams: readonly string[]): StreamDigests {
    const out = new StreamDigests();
    for (const name of streams) {
      const d = this.byStream.get(name);
      if (d !== undefined) out.byStream.set(name, d);
    }
    return out;
  }

  get total(): number {
    let n = 0;
    for (const d of this.byStream.values()) n += d.count;
    return n;
  }

  /** Differences from the expected digests, as readable lines; empty when they match. */
  diff(expected: StreamDigests): string[] {
    const problems: string[] = [];
    const names = new Set([...expected.byStream.keys(), ...this.byStream.keys()]);
    for (const name of names) {
      const want = expected.byStream.get(name)?.toString() ?? "0/none";
      const got = this.byStream.get(name)?.toString() ?? "0/none";
      if (want !== got) problems.push(`${name}: expected ${want}, got ${got}`);
    }
    return problems;
  }

  toString(): string {
    return [...this.byStream].map(([s, d]) => `${s} ${d}`).join(", ");
  }
}
