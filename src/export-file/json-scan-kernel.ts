// The WebAssembly kernel of the JSON object scan: wasm/json-scan.ts (AssemblyScript), the same
// algorithm as json-scan.ts with string contents passed 16 bytes at a time, built by
// `npm run build:wasm` into json-scan-wasm.ts. One instance, with its own memory, per scanner that
// uses it: 8 in a `read` of every stream, 11 in its Parquet sync (counted). An instance's memory is
// resident only where it is written (its result areas, and as far as its longest object reached),
// for export lines some tens to a few hundred KB. Where each area lies, the kernel exports.
import { JSON_SCAN_WASM } from "./json-scan-wasm.js";

/** What the kernel says of a line: refused, accepted (1), or deferred. */
export const KERNEL_REFUSED = 0;
/** Not handled by the kernel (an escaped top-level key, deep nesting, many elements): scan in JavaScript. */
export const KERNEL_DEFER = 2;

/** Zero bytes after a copied line: the kernel's 16-byte loads may read that far past its end. */
const PADDING = 16;
const PAGE_BYTES = 65536;

/** The kernel's areas (byte offsets) and the limits of what a scanner may configure, as it exports them. */
const LAYOUT = ["KEY_META", "TYPE_META", "KEY_BYTES", "MAX_KEYS", "MAX_TYPES", "KEY_BYTES_SIZE", "COUNTS", "KINDS", "STARTS", "ENDS", "KEY_STARTS", "ELEMENT_FROM", "ELEMENT_TO", "ELEMENTS", "REFERENCES", "LINE"] as const;
type Layout = Record<(typeof LAYOUT)[number], number>;

interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  configure(keys: number, types: number): void;
  scan(length: number, at: number): number;
}

/** The parts of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const compiled = new wasm.Module(Buffer.from(JSON_SCAN_WASM, "base64"));

function instantiate(): { exports: KernelExports; layout: Layout } {
  const exports = new wasm.Instance(compiled, {}).exports;
  const { memory, configure, scan } = exports;
  if (typeof configure !== "function" || typeof scan !== "function" || typeof memory !== "object" || memory === null) {
    throw new Error("The JSON scan kernel does not export configure, scan and memory.");
  }
  const layout = Object.fromEntries(
    LAYOUT.map((name) => {
      const value = (exports[name] as { value?: unknown } | undefined)?.value;
      if (typeof value !== "number") throw new Error(`The JSON scan kernel does not export ${name}.`);
      return [name, value];
    }),
  ) as Layout;
  return { exports: exports as unknown as KernelExports, layout };
}

/** Where the areas lie and what they hold: constants of the module, so the same for every instance (read from a first one). */
const AREAS = instantiate().layout;

/** Whether a scanner of these keys and reference types fits the kernel's fixed areas. */
export function kernelFits(keys: readonly Uint8Array[], types: readonly Uint8Array[]): boolean {
  const bytes = [...keys, ...types].reduce((n, k) => n + k.length, 0);
  return keys.length <= AREAS.MAX_KEYS && types.length <= AREAS.MAX_TYPES && bytes <= AREAS.KEY_BYTES_SIZE;
}

/** One kernel instance, set up for one scanner's keys and reference types. */
export class ScanKernel {
  private readonly exports: KernelExports;
  private bytes: Uint8Array;
  private ints: Int32Array;
  private readonly keyCount: number;

  constructor(keys: readonly Uint8Array[], types: readonly Uint8Array[]) {
    this.exports = instantiate().exports;
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    this.ints = new Int32Array(this.exports.memory.buffer);
    this.keyCount = keys.length;
    let at = 0;
    const put = (meta: number, word: Uint8Array, index: number): void => {
      this.ints[(meta >> 2) + index * 2] = at;
      this.ints[(meta >> 2) + index * 2 + 1] = word.length;
      this.bytes.set(word, AREAS.KEY_BYTES + at);
      at += word.length;
    };
    keys.forEach((key, k) => put(AREAS.KEY_META, key, k));
    types.forEach((type, t) => put(AREAS.TYPE_META, type, t));
    this.exports.configure(keys.length, types.length);
  }

  /** Scan `buf[start, end)`; positions in the results are in `buf`'s terms. */
  scan(buf: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const needed = AREAS.LINE + length + PADDING;
    if (needed > this.bytes.length) this.grow(needed);
    const bytes = this.bytes;
    bytes.set(buf.subarray(start, end), AREAS.LINE);
    bytes.fill(0, AREAS.LINE + length, AREAS.LINE + length + PADDING);
    return this.exports.scan(length, start);
  }

  private grow(bytes: number): void {
    const memory = this.exports.memory;
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
    this.bytes = new Uint8Array(memory.buffer);
    this.ints = new Int32Array(memory.buffer);
  }

  get repeated(): boolean {
    return this.ints[AREAS.COUNTS >> 2] !== 0;
  }

  get elementCount(): number {
    return this.ints[(AREAS.COUNTS >> 2) + 1] ?? 0;
  }

  get referenceCount(): number {
    return this.ints[(AREAS.COUNTS >> 2) + 2] ?? 0;
  }

  /** Copy the per-key results of the last accepted scan into a scanner's arrays. */
  copyKeys(kinds: Uint8Array, starts: Int32Array, ends: Int32Array, keyStarts: Int32Array, elementFrom: Int32Array, elementTo: Int32Array): void {
    const bytes = this.bytes;
    const ints = this.ints;
    const { KINDS, STARTS, ENDS, KEY_STARTS, ELEMENT_FROM, ELEMENT_TO } = AREAS;
    for (let k = 0; k < this.keyCount; k++) {
      kinds[k] = bytes[KINDS + k] ?? 0;
      starts[k] = ints[(STARTS >> 2) + k] ?? 0;
      ends[k] = ints[(ENDS >> 2) + k] ?? 0;
      keyStarts[k] = ints[(KEY_STARTS >> 2) + k] ?? 0;
      elementFrom[k] = ints[(ELEMENT_FROM >> 2) + k] ?? 0;
      elementTo[k] = ints[(ELEMENT_TO >> 2) + k] ?? 0;
    }
  }

  /** Copy `count` ints of the last scan's elements (pairs) or references into `target`. */
  copyElements(target: Int32Array, count: number): void {
    copyInts(this.ints, AREAS.ELEMENTS >> 2, target, count);
  }

  copyReferences(target: Int32Array, count: number): void {
    copyInts(this.ints, AREAS.REFERENCES >> 2, target, count);
  }
}

function copyInts(from: Int32Array, at: number, target: Int32Array, count: number): void {
  if (count > 32) target.set(from.subarray(at, at + count));
  else for (let i = 0; i < count; i++) target[i] = from[at + i] ?? 0;
}
