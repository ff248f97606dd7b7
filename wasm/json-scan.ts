// The validating JSON object scan of src/export-file/json-scan.ts, as a WebAssembly kernel
// (AssemblyScript; built by `npm run build:wasm` into src/export-file/json-scan-wasm.ts). It is the
// same algorithm, step for step, with the same results; string contents are passed 16 bytes at a
// time with SIMD. Whatever this kernel does not handle itself (an escaped top-level key, nesting or
// result counts past its fixed areas) it hands back to the JavaScript scan (result DEFER), so the
// two always agree. The layout of its memory is fixed and exported (json-scan-kernel.ts reads it
// from the instance); the kinds it writes are json-scan.ts's (ABSENT ... OBJECT).

// Memory layout (byte offsets), and the limits of the areas the caller fills.
export const KEY_META: usize = 1024; // per key: i32 offset of its bytes, i32 length (at most MAX_KEYS)
export const TYPE_META: usize = 1536; // per reference type: i32 offset, i32 length (at most MAX_TYPES)
export const KEY_BYTES: usize = 2048; // the bytes of the keys and the types (at most KEY_BYTES_SIZE)
export const MAX_KEYS: i32 = 64;
export const MAX_TYPES: i32 = 16;
export const KEY_BYTES_SIZE: i32 = 2048;
export const COUNTS: usize = 4096; // i32 each: repeated, elementCount, referenceCount
export const KINDS: usize = 4160; // u8 per key
export const STARTS: usize = 4352; // i32 per key
export const ENDS: usize = 4608;
export const KEY_STARTS: usize = 4864;
export const ELEMENT_FROM: usize = 5120;
export const ELEMENT_TO: usize = 5376;
const STACK: usize = 6144; // u8 per open container
const MAX_DEPTH: i32 = 1024;
const FRAMES: usize = 8192; // FRAME_INTS i32 per open container
export const ELEMENTS: usize = 32768; // [start, end) i32 pairs
const MAX_ELEMENTS: i32 = 8192;
export const REFERENCES: usize = 98304; // REFERENCE_INTS i32 per reference
const MAX_REFERENCES: i32 = 2048;
/** Where the line to scan is copied (followed by at least 16 zero bytes). */
export const LINE: usize = 147456;

const ACCEPTED: i32 = 1;
const REFUSED: i32 = 0;
const DEFER: i32 = 2;

const ABSENT: u8 = 0;
const STRING: u8 = 1;
const STRING_ESCAPED: u8 = 2;
const NULL: u8 = 3;
const BOOLEAN: u8 = 4;
const NUMBER: u8 = 5;
const OBJECT: u8 = 6;

const IN_OBJECT: u8 = 1;
const IN_ARRAY: u8 = 2;
const REFERENCE_INTS: i32 = 6;
const FRAME_INTS: i32 = 5;
const REF_NONE: i32 = 0;
const REF_GID: i32 = 1;
const REF_TYPE_KEY: i32 = 2;

let keyCount: i32 = 0;
let typeCount: i32 = 0;
/** Set by scanString: whether the string just passed had an escape. */
let escaped = false;
let elementCount: i32 = 0;
let referenceCount: i32 = 0;
let overflow = false;

/** The line's position in the caller's buffer: the kernel writes positions in that buffer's terms. */
let shift: i32 = 0;

export function configure(keys: i32, types: i32): void {
  keyCount = keys;
  typeCount = types;
}

@inline function isWhitespace(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

@inline function isHex(c: u32): bool {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/** From just after an opening quote: the index of the closing quote, or -1 if the string is invalid. */
@inline function scanString(from: usize, end: usize): isize {
  let i = from;
  let seen = false;
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  const control = i8x16.splat(0x20);
  for (;;) {
    // Past every byte but the quote, the backslash and control characters, 16 at a time (the
    // zero padding after the line stops it).
    for (;;) {
      const v = v128.load(i);
      const stops = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), i8x16.lt_u(v, control)));
      if (stops != 0) {
        i += <usize>ctz(stops);
        break;
      }
      i += 16;
    }
    if (i >= end) return -1;
    const c = load<u8>(i);
    if (c == 0x22) {
      escaped = seen;
      return <isize>i;
    }
    if (c != 0x5c) return -1; // a control character
    seen = true;
    if (i + 1 >= end) return -1;
    const e = load<u8>(i + 1);
    if (e == 0x75) {
      if (i + 6 > end || !isHex(load<u8>(i + 2)) || !isHex(load<u8>(i + 3)) || !isHex(load<u8>(i + 4)) || !isHex(load<u8>(i + 5))) return -1;
      i += 6;
    } else if (e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74) {
      i += 2;
    } else return -1;
  }
  return -1; // not reached: the loop only returns
}

@inline function isDigit(c: u32): bool {
  return c >= 0x30 && c <= 0x39;
}

/** From the first byte of a number: the index after it, or -1 if it is not a JSON number. */
function scanNumber(from: usize, end: usize): isize {
  let i = from;
  if (load<u8>(i) == 0x2d) i++;
  if (i >= end) return -1;
  const c = load<u8>(i);
  if (c == 0x30) {
    i++;
  } else if (c > 0x30 && c <= 0x39) {
    i++;
    while (i < end && isDigit(load<u8>(i))) i++;
  } else return -1;
  if (i < end && load<u8>(i) == 0x2e) {
    i++;
    const digits = i;
    while (i < end && isDigit(load<u8>(i))) i++;
    if (i == digits) return -1;
  }
  if (i < end && (load<u8>(i) | 0x20) == 0x65) {
    i++;
    if (i < end && (load<u8>(i) == 0x2b || load<u8>(i) == 0x2d)) i++;
    const digits = i;
    while (i < end && isDigit(load<u8>(i))) i++;
    if (i == digits) return -1;
  }
  return <isize>i;
}

@inline function position(at: usize): i32 {
  return <i32>(at - LINE) + shift;
}

/** Which key the bytes `[start, end)` spell, or -1. */
function matchKey(start: usize, end: usize): i32 {
  const length = <i32>(end - start);
  for (let k = 0; k < keyCount; k++) {
    const meta = KEY_META + (<usize>k << 3);
    if (load<i32>(meta + 4) != length) continue;
    if (memory.compare(start, KEY_BYTES + <usize>load<i32>(meta), <usize>length) == 0) return k;
  }
  return -1;
}

/** Whether the (unescaped) key `[start, end)` is `gid`, `resource_type` or neither. */
function referenceKey(start: usize, end: usize): i32 {
  const length = end - start;
  if (length == 3) return load<u8>(start) == 0x67 && load<u8>(start + 1) == 0x69 && load<u8>(start + 2) == 0x64 ? REF_GID : REF_NONE;
  if (length != 13) return REF_NONE;
  // "resource_type"
  return load<u64>(start) == 0x656372756f736572 && load<u32>(start + 8) == 0x7079745f && load<u8>(start + 12) == 0x65 ? REF_TYPE_KEY : REF_NONE;
}

@inline function frame(depth: i32): usize {
  return FRAMES + (<usize>(depth * FRAME_INTS) << 2);
}

function openFrame(depth: i32, start: usize): void {
  const f = frame(depth);
  store<i32>(f, position(start));
  store<i32>(f + 4, -1);
  store<i32>(f + 12, 0);
  store<i32>(f + 16, -1);
}

function noteReferenceString(depth: i32, key: i32, start: usize, end: usize): void {
  const f = frame(depth);
  if (key == REF_GID) {
    store<i32>(f + 4, position(start));
    store<i32>(f + 8, position(end));
    store<i32>(f + 12, escaped ? 1 : 0);
    return;
  }
  const length = <i32>(end - start);
  for (let t = 0; t < typeCount; t++) {
    const meta = TYPE_META + (<usize>t << 3);
    if (load<i32>(meta + 4) != length) continue;
    if (memory.compare(start, KEY_BYTES + <usize>load<i32>(meta), <usize>length) == 0) {
      store<i32>(f + 16, t);
      return;
    }
  }
  store<i32>(f + 16, -1);
}

function closeFrame(depth: i32, end: usize): void {
  const f = frame(depth);
  const type = load<i32>(f + 16);
  const gidStart = load<i32>(f + 4);
  if (type < 0 || gidStart < 0) return;
  if (referenceCount == MAX_REFERENCES) {
    overflow = true;
    return;
  }
  const r = REFERENCES + (<usize>(referenceCount * REFERENCE_INTS) << 2);
  referenceCount++;
  store<i32>(r, load<i32>(f));
  store<i32>(r + 4, position(end));
  store<i32>(r + 8, gidStart);
  store<i32>(r + 12, load<i32>(f + 8));
  store<i32>(r + 16, load<i32>(f + 12));
  store<i32>(r + 20, type);
}

function addElement(start: usize, end: usize): void {
  if (elementCount == MAX_ELEMENTS) {
    overflow = true;
    return;
  }
  const at = ELEMENTS + (<usize>elementCount << 3);
  store<i32>(at, position(start));
  store<i32>(at + 4, position(end));
  elementCount++;
}

@inline function keySlot(area: usize, k: i32): usize {
  return area + (<usize>k << 2);
}

function closeTopLevel(capture: i32, valueStart: usize, elementKey: i32, end: usize): void {
  if (capture >= 0) {
    store<i32>(keySlot(STARTS, capture), position(valueStart));
    store<i32>(keySlot(ENDS, capture), position(end));
  }
  if (elementKey >= 0) store<i32>(keySlot(ELEMENT_TO, elementKey), elementCount);
}

/**
 * Scan the line of `length` bytes at LINE (`at` is where it lies in the caller's buffer), looking
 * for references when reference types were configured. ACCEPTED, REFUSED or DEFER.
 */
export function scan(length: i32, at: i32): i32 {
  const end = LINE + <usize>length;
  shift = at;
  memory.fill(KINDS, 0, <usize>keyCount);
  memory.fill(ELEMENT_FROM, 0, <usize>keyCount << 2);
  memory.fill(ELEMENT_TO, 0, <usize>keyCount << 2);
  elementCount = 0;
  referenceCount = 0;
  overflow = false;
  const result = walk(end, typeCount > 0);
  store<i32>(COUNTS + 4, elementCount);
  store<i32>(COUNTS + 8, referenceCount);
  return overflow ? DEFER : result;
}

function walk(end: usize, refs: bool): i32 {
  let refKey = REF_NONE;
  let i = LINE;
  let repeated = 0;
  store<i32>(COUNTS, 0);
  while (i < end && isWhitespace(load<u8>(i))) i++;
  if (i >= end || load<u8>(i) != 0x7b) return REFUSED;
  let depth: i32 = 1;
  store<u8>(STACK, IN_OBJECT);
  if (refs) openFrame(0, i);
  i++;
  let capture: i32 = -1;
  let openCapture: i32 = -1;
  let memberStart: usize = 0;
  let openStart: usize = 0;
  let elementKey: i32 = -1;
  let elementStart: usize = 0;
  let expectKey = true;
  let allowClose = true;
  for (;;) {
    let c: u32 = load<u8>(i);
    while (i < end && isWhitespace(c)) c = load<u8>(++i);
    if (i >= end) return REFUSED;
    if (expectKey) {
      if (c == 0x7d && allowClose) {
        depth--;
        i++;
        if (refs) closeFrame(depth, i);
        if (depth == 2 && elementKey >= 0) addElement(elementStart, i);
        else if (depth == 1) {
          closeTopLevel(openCapture, openStart, elementKey, i);
          elementKey = -1;
        }
      } else {
        if (c != 0x22) return REFUSED;
        if (depth == 1) memberStart = i;
        const keyStart = i + 1;
        const keyEnd = scanString(keyStart, end);
        if (keyEnd < 0) return REFUSED;
        capture = -1;
        if (depth == 1 && keyCount > 0) {
          // An escaped key means what it decodes to: the JavaScript scan decodes it.
          if (escaped) return DEFER;
          capture = matchKey(keyStart, <usize>keyEnd);
        }
        if (capture >= 0) {
          if (load<u8>(KINDS + <usize>capture) != ABSENT) repeated = 1;
          store<i32>(keySlot(KEY_STARTS, capture), position(memberStart));
        }
        if (refs) refKey = escaped ? REF_NONE : referenceKey(keyStart, <usize>keyEnd);
        i = <usize>keyEnd + 1;
        c = load<u8>(i);
        while (i < end && isWhitespace(c)) c = load<u8>(++i);
        if (i >= end || c != 0x3a) return REFUSED;
        i++;
        expectKey = false;
        allowClose = false;
        continue;
      }
    } else if (c == 0x5d && allowClose) {
      depth--;
      i++;
      if (depth == 2 && elementKey >= 0) addElement(elementStart, i);
      else if (depth == 1) {
        closeTopLevel(openCapture, openStart, elementKey, i);
        elementKey = -1;
      }
    } else {
      let kind: u8;
      const valueStart = i;
      if (c == 0x22) {
        const valueEnd = scanString(i + 1, end);
        if (valueEnd < 0) return REFUSED;
        if (capture >= 0) {
          store<i32>(keySlot(STARTS, capture), position(i + 1));
          store<i32>(keySlot(ENDS, capture), position(<usize>valueEnd));
        }
        if (refKey != REF_NONE) noteReferenceString(depth - 1, refKey, i + 1, <usize>valueEnd);
        kind = escaped ? STRING_ESCAPED : STRING;
        i = <usize>valueEnd + 1;
      } else if (c == 0x7b || c == 0x5b) {
        if (depth == 1) {
          openCapture = capture;
          openStart = i;
          if (capture >= 0 && c == 0x5b) {
            elementKey = capture;
            store<i32>(keySlot(ELEMENT_FROM, capture), elementCount);
          }
        } else if (depth == 2 && elementKey >= 0) elementStart = i;
        if (capture >= 0) {
          store<u8>(KINDS + <usize>capture, OBJECT);
          const from = c == 0x5b ? elementCount : 0;
          store<i32>(keySlot(ELEMENT_FROM, capture), from);
          store<i32>(keySlot(ELEMENT_TO, capture), from);
        }
        capture = -1;
        if (depth == MAX_DEPTH) return DEFER;
        if (refs) {
          openFrame(depth, i);
          refKey = REF_NONE;
        }
        store<u8>(STACK + <usize>depth, c == 0x7b ? IN_OBJECT : IN_ARRAY);
        depth++;
        i++;
        expectKey = c == 0x7b;
        allowClose = true;
        continue;
      } else if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
        const next = scanNumber(i, end);
        if (next < 0) return REFUSED;
        i = <usize>next;
        kind = NUMBER;
      } else if (c == 0x74) {
        if (i + 4 > end || load<u8>(i + 1) != 0x72 || load<u8>(i + 2) != 0x75 || load<u8>(i + 3) != 0x65) return REFUSED;
        i += 4;
        kind = BOOLEAN;
      } else if (c == 0x66) {
        if (i + 5 > end || load<u8>(i + 1) != 0x61 || load<u8>(i + 2) != 0x6c || load<u8>(i + 3) != 0x73 || load<u8>(i + 4) != 0x65) return REFUSED;
        i += 5;
        kind = BOOLEAN;
      } else if (c == 0x6e) {
        if (i + 4 > end || load<u8>(i + 1) != 0x75 || load<u8>(i + 2) != 0x6c || load<u8>(i + 3) != 0x6c) return REFUSED;
        i += 4;
        kind = NULL;
      } else return REFUSED;
      refKey = REF_NONE;
      if (capture >= 0) {
        store<u8>(KINDS + <usize>capture, kind);
        if (kind != STRING && kind != STRING_ESCAPED) {
          store<i32>(keySlot(STARTS, capture), position(valueStart));
          store<i32>(keySlot(ENDS, capture), position(i));
        }
        capture = -1;
      }
      if (depth == 2 && elementKey >= 0) addElement(valueStart, i);
    }
    // After a value or a closed container: `,` or the close of the enclosing container.
    for (;;) {
      if (depth == 0) {
        while (i < end && isWhitespace(load<u8>(i))) i++;
        store<i32>(COUNTS, repeated);
        return i == end ? ACCEPTED : REFUSED;
      }
      c = load<u8>(i);
      while (i < end && isWhitespace(c)) c = load<u8>(++i);
      if (i >= end) return REFUSED;
      const container = load<u8>(STACK + <usize>(depth - 1));
      if (c == 0x2c) {
        i++;
        expectKey = container == IN_OBJECT;
        allowClose = false;
        break;
      }
      if (c == (container == IN_OBJECT ? 0x7d : 0x5d)) {
        depth--;
        i++;
        if (refs && container == IN_OBJECT) closeFrame(depth, i);
        if (depth == 2 && elementKey >= 0) addElement(elementStart, i);
        else if (depth == 1) {
          closeTopLevel(openCapture, openStart, elementKey, i);
          elementKey = -1;
        }
        continue;
      }
      return REFUSED;
    }
  }
  return REFUSED; // not reached: the loop only returns
}
