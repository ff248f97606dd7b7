// Sorting deletion keys in place: an introsort on their 32-bit words, so no index array, comparator
// closure or BigInt is made for the millions of keys a sync collects.
import { WORDS, compareKeys } from "./key-codec.js";

/**
 * Sorts keys [0, n) of `words` and `types` in place by (parent, child): an introsort (quicksort
 * with a median of three, insertion sort for short ranges, heapsort past a depth limit) on the
 * words, so no index array, comparator closure or BigInt is made. `depthLimit`: how deep quicksort
 * may split before heapsort takes over (0: heapsort alone).
 */
export function sortKeys(words: Uint32Array, types: Uint8Array, n: number, depthLimit = 2 * Math.ceil(Math.log2(Math.max(n, 2)))): void {
  if (n > 1) quickSort(words, types, 0, n - 1, depthLimit);
}

function swap(words: Uint32Array, types: Uint8Array, i: number, j: number): void {
  const x = i * WORDS;
  const y = j * WORDS;
  for (let k = 0; k < WORDS; k++) {
    const w = words[x + k] ?? 0;
    words[x + k] = words[y + k] ?? 0;
    words[y + k] = w;
  }
  const t = types[i] ?? 0;
  types[i] = types[j] ?? 0;
  types[j] = t;
}

const INSERTION_MAX = 16;

function quickSort(words: Uint32Array, types: Uint8Array, lo: number, hi: number, depth: number): void {
  const pivot = new Uint32Array(WORDS);
  while (hi - lo > INSERTION_MAX) {
    if (depth-- === 0) {
      heapSort(words, types, lo, hi);
      return;
    }
    const mid = lo + ((hi - lo) >> 1);
    if (compareKeys(words, mid, words, lo) < 0) swap(words, types, mid, lo);
    if (compareKeys(words, hi, words, lo) < 0) swap(words, types, hi, lo);
    if (compareKeys(words, hi, words, mid) < 0) swap(words, types, hi, mid);
    pivot.set(words.subarray(mid * WORDS, mid * WORDS + WORDS));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (compareKeys(words, i, pivot, 0) < 0) i++;
      while (compareKeys(words, j, pivot, 0) > 0) j--;
      if (i <= j) swap(words, types, i++, j--);
    }
    // [lo, j] holds keys <= the pivot, [i, hi] keys >= it: the shorter side recursively, the longer in the loop.
    if (j - lo < hi - i) {
      quickSort(words, types, lo, j, depth);
      lo = i;
    } else {
      quickSort(words, types, i, hi, depth);
      hi = j;
    }
  }
  for (let k = lo + 1; k <= hi; k++) for (let j = k; j > lo && compareKeys(words, j - 1, words, j) > 0; j--) swap(words, types, j - 1, j);
}

function heapSort(words: Uint32Array, types: Uint8Array, lo: number, hi: number): void {
  const n = hi - lo + 1;
  const sift = (root: number, size: number): void => {
    for (;;) {
      let largest = root;
      const left = 2 * root + 1;
      const right = left + 1;
      if (left < size && compareKeys(words, lo + left, words, lo + largest) > 0) largest = left;
      if (right < size && compareKeys(words, lo + right, words, lo + largest) > 0) largest = right;
      if (largest === root) return;
      swap(words, types, lo + root, lo + largest);
      root = largest;
    }
  };
  for (let root = (n >> 1) - 1; root >= 0; root--) sift(root, n);
  for (let size = n - 1; size > 0; size--) {
    swap(words, types, lo, lo + size);
    sift(0, size);
  }
}
