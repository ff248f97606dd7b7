// A validating scan of one JSON object held as UTF-8 bytes, without building it: it accepts exactly
// the texts JSON.parse accepts whose value is an object (RFC 8259 grammar; the bytes must already
// be known to be valid UTF-8), and notes where the values of a few top-level keys lie, so routing,
// dedupe and the cursor check need no parse. Lines are passed on as bytes; a sink that needs the
// object parses it then. Anything the scan does not accept takes the JSON.parse path, which gives
// the verdict and the error message, so a scan stricter than JSON.parse costs time, never records.
// Objects past a few dozen bytes go to a WebAssembly port of this same scan (json-scan-kernel.ts,
// wasm/json-scan.ts), which hands back to this one whatever it does not handle itself. On the 696 MB
// bench export it scanned the lines in 0.47-0.50 s against 1.4-1.6 s here, the copy into its memory
// included; `read` of the three top-level streams took 3.3-3.8 s against 3.8-4.9 s (Node 24).
import {
  BACKSLASH,
  COLON,
  COMMA,
  LBRACE,
  LBRACKET,
  MINUS,
  NINE,
  QUOTE,
  RBRACE,
  RBRACKET,
  ZERO,
  isWhitespace,
  scanNumber,
} from "../core/json-bytes.js";
import { KERNEL_DEFER, KERNEL_REFUSED, ScanKernel, kernelFits } from "./json-scan-kernel.js";

/** What a captured top-level value is (JSON.parse's `typeof`, with strings split by escaping). */
export const ABSENT = 0;
export const STRING = 1;
/** A string containing backslash escapes: decode it with JSON.parse. */
export const STRING_ESCAPED = 2;
export const NULL = 3;
export const BOOLEAN = 4;
export const NUMBER = 5;
/** An object or an array (both `typeof` "object"). */
export const OBJECT = 6;

const IN_OBJECT = 1;
const IN_ARRAY = 2;

/** The ints of one found reference in `references`: the object's span, its gid's span inside the quotes, whether the gid has escapes (1), the index of its type. */
export const REFERENCE_INTS = 6;
export const REF_START = 0;
export const REF_END = 1;
export const REF_GID_START = 2;
export const REF_GID_END = 3;
export const REF_GID_ESCAPED = 4;
export const REF_TYPE = 5;
/** Per open container: start, gid start, gid end, gid escaped, type index. */
const FRAME_INTS = 5;
const REF_NONE = 0;
const REF_GID = 1;
const REF_TYPE_KEY = 2;
const RESOURCE_TYPE_KEY = new TextEncoder().encode("resource_type");

/** Whether the (unescaped) key `buf[start, end)` is `gid`, `resource_type` or neither. */
function referenceKey(buf: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 3) return buf[start] === 0x67 && buf[start + 1] === 0x69 && buf[start + 2] === 0x64 ? REF_GID : REF_NONE;
  if (length !== 13) return REF_NONE;
  for (let j = 0; j < 13; j++) if (buf[start + j] !== RESOURCE_TYPE_KEY[j]) return REF_NONE;
  return REF_TYPE_KEY;
}

// Bytes that may follow a backslash: " \ / b f n r t u.
const ESCAPES = new Uint8Array(256);
for (const c of '"\\/bfnrtu') ESCAPES[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of "0123456789abcdefABCDEF") HEX[c.charCodeAt(0)] = 1;

// Bytes a string runs on over: all but the quote, the backslash and control characters (< 0x20).
// Skipping them with one table lookup a byte, before the checks that stop a string, made the scan
// of a 696 MB export ~15-20% faster (1.25-1.3 s -> 1.06-1.16 s on one core, bench micro-run).
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 256; c++) PLAIN[c] = 1;
PLAIN[0x22] = 0;
PLAIN[0x5c] = 0;

/**
 * Objects from this many bytes on are scanned by the WebAssembly kernel (json-scan-kernel.ts),
 * smaller ones here: the copy into the kernel's memory and the call cost what they save at about
 * 60-100 bytes (measured per object on Node 20 and 24: 59 bytes 450 ns here against 460 ns in the
 * kernel, 159 bytes 500 against 380, 740 bytes 1,500 against 660, 1,540 bytes 2,880 against 800).
 */
export const KERNEL_MIN_BYTES = 96;
/** Longer objects are scanned here, so that no kernel's memory grows past about this size. */
const KERNEL_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Scans lines for one set of top-level keys. After `scan` returns true, `kinds[k]` tells what the
 * value of `keys[k]` is (the last occurrence wins, as with JSON.parse) and `starts[k]`/`ends[k]`
 * delimit its bytes: inside the quotes for a string, the whole value otherwise (an object or array
 * from its bracket to just after the closing one); `keyStarts[k]` is where its member begins (the
 * key's quote), so a line can be re-assembled without it, and `repeated` says whether one of the keys
 * occurred twice. When the value is an array, its elements are noted too: `elementFrom[k]` to
 * `elementTo[k]` index pairs of [start, end) offsets in `elements`, found in the same pass (no second
 * walk over the array). With `referenceTypes`, it also finds every
 * object nested anywhere (the line itself included) whose own `resource_type` is one of them and that
 * has a string `gid`: `references` holds REFERENCE_INTS ints per object found, in the order they close
 * (inner objects first), `referenceCount` how many.
 */
export class JsonObjectScanner {
  readonly kinds: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly keyStarts: Int32Array;
  /** Whether a captured key occurred more than once in the last scan. */
  repeated = false;
  /** Elements of captured arrays: [start, end) pairs; `elementFrom[k]`/`elementTo[k]` index pairs (not ints). */
  elements = new Int32Array(256);
  elementCount = 0;
  readonly elementFrom: Int32Array;
  readonly elementTo: Int32Array;
  /** Objects of `referenceTypes` found by the last scan: REFERENCE_INTS ints each (see REF_START...). */
  references = new Int32Array(0);
  referenceCount = 0;
  private readonly keyBytes: Uint8Array[];
  /** Indexes of `keys` by their byte length: a key of another length is told apart without a compare. */
  private readonly keysByLength: number[][];
  private readonly referenceTypes: readonly Uint8Array[];
  private stack = new Uint8Array(64);
  /** Per open container (as `stack`), while references are looked for: where it starts, its gid's span, its type. */
  private frames = new Int32Array(0);
  /** Set by scanString: whether the string just scanned had an escape. */
  private escaped = false;
  /** The kernel, made at the first object it scans; undefined while none was needed, or when the keys do not fit it. */
  private kernel: ScanKernel | undefined;
  private readonly kernelMinBytes: number;

  /** `kernelMinBytes`: objects from this size on go to the kernel (Infinity: none; tests compare both ways). */
  constructor(
    readonly keys: readonly string[],
    referenceTypes: readonly string[] = [],
    kernelMinBytes = KERNEL_MIN_BYTES,
  ) {
    this.keyBytes = keys.map((k) => new TextEncoder().encode(k));
    this.referenceTypes = referenceTypes.map((t) => new TextEncoder().encode(t));
    this.kernelMinBytes = kernelFits(this.keyBytes, this.referenceTypes) ? kernelMinBytes : Infinity;
    if (referenceTypes.length > 0) {
      this.frames = new Int32Array(this.stack.length * FRAME_INTS);
      this.references = new Int32Array(64 * REFERENCE_INTS);
    }
    this.kinds = new Uint8Array(keys.length);
    this.starts = new Int32Array(keys.length);
    this.ends = new Int32Array(keys.length);
    this.keyStarts = new Int32Array(keys.length);
    this.elementFrom = new Int32Array(keys.length);
    this.elementTo = new Int32Array(keys.length);
    this.keysByLength = [];
    this.keyBytes.forEach((key, k) => (this.keysByLength[key.length] ??= []).push(k));
  }

  private addElement(start: number, end: number): void {
    const at = this.elementCount * 2;
    if (at + 2 > this.elements.length) {
      const grown = new Int32Array(this.elements.length * 2);
      grown.set(this.elements);
      this.elements = grown;
    }
    this.elements[at] = start;
    this.elements[at + 1] = end;
    this.elementCount++;
  }

  /** Whether `buf[start, end)` is exactly one JSON object, optionally surrounded by whitespace. */
  scan(buf: Uint8Array, start: number, end: number): boolean {
    const length = end - start;
    if (length < this.kernelMinBytes || length > KERNEL_MAX_BYTES) return this.scanHere(buf, start, end);
    const kernel = (this.kernel ??= new ScanKernel(this.keyBytes, this.referenceTypes));
    const verdict = kernel.scan(buf, start, end);
    if (verdict === KERNEL_DEFER) return this.scanHere(buf, start, end);
    if (verdict === KERNEL_REFUSED) return false;
    kernel.copyKeys(this.kinds, this.starts, this.ends, this.keyStarts, this.elementFrom, this.elementTo);
    this.repeated = kernel.repeated;
    const elements = kernel.elementCount;
    if (elements * 2 > this.elements.length) this.elements = new Int32Array(Math.max(elements * 2, this.elements.length * 2));
    kernel.copyElements(this.elements, elements * 2);
    this.elementCount = elements;
    const references = kernel.referenceCount;
    if (references * REFERENCE_INTS > this.references.length) this.references = new Int32Array(Math.max(references * REFERENCE_INTS, this.references.length * 2));
    kernel.copyReferences(this.references, references * REFERENCE_INTS);
    this.referenceCount = references;
    return true;
  }

  /** The scan in JavaScript: the one for small objects, and for what the kernel hands back. */
  private scanHere(buf: Uint8Array, start: number, end: number): boolean {
    this.kinds.fill(ABSENT);
    this.elementFrom.fill(0);
    this.elementTo.fill(0);
    this.repeated = false;
    this.elementCount = 0;
    this.referenceCount = 0;
    const refs = this.referenceTypes.length > 0;
    // While references are looked for: what the key just read names (REF_NONE, REF_GID, REF_TYPE_KEY).
    let refKey = REF_NONE;
    let i = start;
    while (i < end && isWhitespace(buf[i] ?? 0)) i++;
    if (i >= end || buf[i] !== LBRACE) return false;
    let stack = this.stack;
    let depth = 1;
    stack[0] = IN_OBJECT;
    if (refs) this.openFrame(0, i);
    i++;
    // The key of the top-level member being read, when it is one of `keys` (else -1).
    let capture = -1;
    // The top-level member whose container value is open: its key (or -1), its key's and value's start.
    let openCapture = -1;
    let memberStart = 0;
    let openStart = 0;
    // The key whose array value is open at the top level (its elements are noted), and where the element being read began.
    let elementKey = -1;
    let elementStart = 0;
    // Expecting a key (or `}` right after `{`), else a value (or `]` right after `[`).
    let expectKey = true;
    let allowClose = true;
    for (;;) {
      let c = buf[i] ?? 0;
      while (i < end && isWhitespace(c)) c = buf[++i] ?? 0;
      if (i >= end) return false;
      if (expectKey) {
        if (c === RBRACE && allowClose) {
          depth--;
          i++;
          if (refs) this.closeFrame(depth, i);
          if (depth === 2 && elementKey >= 0) this.addElement(elementStart, i);
          else if (depth === 1) {
            this.closeTopLevel(openCapture, openStart, elementKey, i);
            elementKey = -1;
          }
        } else {
          if (c !== QUOTE) return false;
          if (depth === 1) memberStart = i;
          const keyStart = i + 1;
          const keyEnd = this.scanString(buf, keyStart, end);
          if (keyEnd < 0) return false;
          capture = depth === 1 && this.keyBytes.length > 0 ? this.matchKey(buf, keyStart, keyEnd) : -1;
          if (capture >= 0) {
            if (this.kinds[capture] !== ABSENT) this.repeated = true;
            this.keyStarts[capture] = memberStart;
          }
          if (refs) refKey = this.escaped ? REF_NONE : referenceKey(buf, keyStart, keyEnd);
          i = keyEnd + 1;
          c = buf[i] ?? 0;
          while (i < end && isWhitespace(c)) c = buf[++i] ?? 0;
          if (i >= end || c !== COLON) return false;
          i++;
          expectKey = false;
          allowClose = false;
          continue;
        }
      } else if (c === RBRACKET && allowClose) {
        depth--;
        i++;
        if (depth === 2 && elementKey >= 0) this.addElement(elementStart, i);
        else if (depth === 1) {
          this.closeTopLevel(openCapture, openStart, elementKey, i);
          elementKey = -1;
        }
      } else {
        // A value.
        let kind: number;
        const valueStart = i;
        if (c === QUOTE) {
          const valueEnd = this.scanString(buf, i + 1, end);
          if (valueEnd < 0) return false;
          if (capture >= 0) {
            this.starts[capture] = i + 1;
            this.ends[capture] = valueEnd;
          }
          if (refKey !== REF_NONE) this.noteReferenceString(buf, depth - 1, refKey, i + 1, valueEnd);
          kind = this.escaped ? STRING_ESCAPED : STRING;
          i = valueEnd + 1;
        } else if (c === LBRACE || c === LBRACKET) {
          if (depth === 1) {
            openCapture = capture;
            openStart = i;
            if (capture >= 0 && c === LBRACKET) {
              elementKey = capture;
              this.elementFrom[capture] = this.elementCount;
            }
          } else if (depth === 2 && elementKey >= 0) elementStart = i;
          if (capture >= 0) {
            // A captured key seen before with a value of another kind: its old element span is gone.
            this.kinds[capture] = OBJECT;
            this.elementTo[capture] = this.elementFrom[capture] = c === LBRACKET ? this.elementCount : 0;
          }
          capture = -1;
          if (depth === stack.length) {
            const grown = new Uint8Array(stack.length * 2);
            grown.set(stack);
            this.stack = stack = grown;
            if (refs) this.growFrames();
          }
          if (refs) {
            this.openFrame(depth, i);
            refKey = REF_NONE;
          }
          stack[depth++] = c === LBRACE ? IN_OBJECT : IN_ARRAY;
          i++;
          expectKey = c === LBRACE;
          allowClose = true;
          continue;
        } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
          i = scanNumber(buf, i, end);
          if (i < 0) return false;
          kind = NUMBER;
        } else if (c === 0x74 /* t */) {
          if (i + 4 > end || buf[i + 1] !== 0x72 || buf[i + 2] !== 0x75 || buf[i + 3] !== 0x65) return false;
          i += 4;
          kind = BOOLEAN;
        } else if (c === 0x66 /* f */) {
          if (i + 5 > end || buf[i + 1] !== 0x61 || buf[i + 2] !== 0x6c || buf[i + 3] !== 0x73 || buf[i + 4] !== 0x65) return false;
          i += 5;
          kind = BOOLEAN;
        } else if (c === 0x6e /* n */) {
          if (i + 4 > end || buf[i + 1] !== 0x75 || buf[i + 2] !== 0x6c || buf[i + 3] !== 0x6c) return false;
          i += 4;
          kind = NULL;
        } else {
          return false;
        }
        refKey = REF_NONE;
        if (capture >= 0) {
          this.kinds[capture] = kind;
          if (kind !== STRING && kind !== STRING_ESCAPED) {
            this.starts[capture] = valueStart;
            this.ends[capture] = i;
          }
          capture = -1;
        }
        if (depth === 2 && elementKey >= 0) this.addElement(valueStart, i);
      }
      // After a value or a closed container: `,` or the close of the enclosing container.
      for (;;) {
        if (depth === 0) {
          while (i < end && isWhitespace(buf[i] ?? 0)) i++;
          return i === end;
        }
        c = buf[i] ?? 0;
        while (i < end && isWhitespace(c)) c = buf[++i] ?? 0;
        if (i >= end) return false;
        const container = stack[depth - 1];
        if (c === COMMA) {
          i++;
          expectKey = container === IN_OBJECT;
          allowClose = false;
          break;
        }
        if (c === (container === IN_OBJECT ? RBRACE : RBRACKET)) {
          depth--;
          i++;
          if (refs && container === IN_OBJECT) this.closeFrame(depth, i);
          if (depth === 2 && elementKey >= 0) this.addElement(elementStart, i);
          else if (depth === 1) {
            this.closeTopLevel(openCapture, openStart, elementKey, i);
            elementKey = -1;
          }
          continue;
        }
        return false;
      }
    }
  }

  /** A container opens at `start`, `depth` levels deep: no gid or type seen in it yet. */
  private openFrame(depth: number, start: number): void {
    const f = depth * FRAME_INTS;
    this.frames[f] = start;
    this.frames[f + 1] = -1;
    this.frames[f + 3] = 0;
    this.frames[f + 4] = -1;
  }

  private growFrames(): void {
    const grown = new Int32Array(this.stack.length * FRAME_INTS);
    grown.set(this.frames);
    this.frames = grown;
  }

  /** The string `[start, end)` is the value of a `gid` or `resource_type` key of the object `depth` deep. */
  private noteReferenceString(buf: Uint8Array, depth: number, key: number, start: number, end: number): void {
    const f = depth * FRAME_INTS;
    if (key === REF_GID) {
      this.frames[f + 1] = start;
      this.frames[f + 2] = end;
      this.frames[f + 3] = this.escaped ? 1 : 0;
      return;
    }
    const length = end - start;
    for (let t = 0; t < this.referenceTypes.length; t++) {
      const word = this.referenceTypes[t] as Uint8Array;
      if (word.length !== length) continue;
      let j = 0;
      while (j < length && buf[start + j] === word[j]) j++;
      if (j === length) {
        this.frames[f + 4] = t;
        return;
      }
    }
    this.frames[f + 4] = -1;
  }

  /** The object `depth` deep closed just before `end`: a reference when it had a wanted type and a gid. */
  private closeFrame(depth: number, end: number): void {
    const f = depth * FRAME_INTS;
    const type = this.frames[f + 4] ?? -1;
    const gidStart = this.frames[f + 1] ?? -1;
    if (type < 0 || gidStart < 0) return;
    if ((this.referenceCount + 1) * REFERENCE_INTS > this.references.length) {
      const grown = new Int32Array(this.references.length * 2);
      grown.set(this.references);
      this.references = grown;
    }
    const r = this.referenceCount++ * REFERENCE_INTS;
    const out = this.references;
    out[r + REF_START] = this.frames[f] ?? 0;
    out[r + REF_END] = end;
    out[r + REF_GID_START] = gidStart;
    out[r + REF_GID_END] = this.frames[f + 2] ?? 0;
    out[r + REF_GID_ESCAPED] = this.frames[f + 3] ?? 0;
    out[r + REF_TYPE] = type;
  }

  /** A top-level member's container value closed just before `end`: note its span (and where its elements end). */
  private closeTopLevel(capture: number, valueStart: number, elementKey: number, end: number): void {
    if (capture >= 0) {
      this.starts[capture] = valueStart;
      this.ends[capture] = end;
    }
    if (elementKey >= 0) this.elementTo[elementKey] = this.elementCount;
  }

  /** From just after an opening quote: the index of the closing quote, or -1 if the string is invalid. */
  private scanString(buf: Uint8Array, i: number, end: number): number {
    let escaped = false;
    while (i < end) {
      let c = buf[i] ?? 0;
      // It may run past `end` (the string is then unterminated within the line: -1 below); reads
      // past the buffer give 0, which stops it.
      while (PLAIN[c] === 1) c = buf[++i] ?? 0;
      if (i >= end) return -1;
      if (c === QUOTE) {
        this.escaped = escaped;
        return i;
      }
      if (c === BACKSLASH) {
        escaped = true;
        const e = buf[i + 1] ?? 0;
        if (i + 1 >= end || ESCAPES[e] !== 1) return -1;
        if (e === 0x75 /* u */) {
          if (i + 6 > end || HEX[buf[i + 2] ?? 0] !== 1 || HEX[buf[i + 3] ?? 0] !== 1 || HEX[buf[i + 4] ?? 0] !== 1 || HEX[buf[i + 5] ?? 0] !== 1) return -1;
          i += 6;
        } else {
          i += 2;
        }
      } else if (c < 0x20) {
        return -1;
      } else {
        i++;
      }
    }
    return -1;
  }

  /** Which of `keys` the key bytes `[start, end)` spell, or -1. */
  private matchKey(buf: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (this.escaped) {
      // Rare: an escaped key ("g\u0069d") means what it decodes to, as for JSON.parse.
      const key = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + start - 1, length + 2).toString("utf8")) as string;
      return this.keys.indexOf(key);
    }
    const candidates = this.keysByLength[length];
    if (candidates === undefined) return -1;
    for (let c = 0; c < candidates.length; c++) {
      const k = candidates[c] ?? 0;
      const key = this.keyBytes[k] as Uint8Array;
      let j = 0;
      while (j < length && buf[start + j] === key[j]) j++;
      if (j === length) return k;
    }
    return -1;
  }
}
