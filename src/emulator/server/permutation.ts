// A bijection of [0, size) without an array: a balanced Feistel network over the smallest even-bit
// power of two >= size, with cycle walking to stay inside the range. Used to shuffle export lines
// of a million objects in constant memory.
import { mix32 } from "./prng.js";

/** A keyed permutation of the integers [0, size). */
export interface Permutation {
  readonly size: number;
  /** The image of i, itself in [0, size); distinct i give distinct images. */
  at(i: number): number;
}

const ROUNDS = 4;

/** Build a Feistel permutation of [0, size) keyed by `key`. */
export function feistelPermutation(size: number, key: number): Permutation {
  if (!Number.isInteger(size) || size < 0 || size > 2 ** 32) throw new RangeError(`bad permutation size ${size}`);
  let bits = 2;
  while (2 ** bits < size) bits += 2;
  const half = bits / 2;
  const mask = 2 ** half - 1;
  const keys = Array.from({ length: ROUNDS }, (_, r) => mix32(key + Math.imul(r + 1, 0x9e3779b9)));
  const encrypt = (x: number): number => {
    let left = Math.floor(x / 2 ** half);
    let right = x & mask;
    for (const k of keys) {
      const next = (left ^ (mix32(right ^ k) & mask)) >>> 0;
      left = right;
      right = next;
    }
    return left * 2 ** half + right;
  };
  return {
    size,
    at(i: number): number {
      if (!(i >= 0 && i < size)) throw new RangeError(`index ${i} outside [0, ${size})`);
      let x = encrypt(i);
      while (x >= size) x = encrypt(x);
      return x;
    },
  };
}
