// Small deterministic hashing and random numbers: every "random" choice of the emulator derives from
// its seed, so the same seed gives the same gids, tokens, shuffles and fault rolls.
import { createHash } from "node:crypto";

/** Mix a 32-bit integer into a well-spread 32-bit integer (murmur3 finaliser). */
export function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A 32-bit hash of a list of strings and numbers. */
export function hash32(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = `${String(part)}\u0000`;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return mix32(h);
}

/** A seeded generator of floats in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hex digest of sha256 over the parts: for tokens and secrets that must look opaque. */
export function digestHex(...parts: ReadonlyArray<string | number>): string {
  return createHash("sha256").update(parts.map(String).join("\u0000")).digest("hex");
}

/** A 16-digit numeric gid, as Asana's look, derived from the parts. */
export function derivedGid(...parts: ReadonlyArray<string | number>): string {
  const digits = BigInt(`0x${digestHex(...parts).slice(0, 15)}`) % 10n ** 14n;
  return `12${digits.toString().padStart(14, "0")}`;
}
