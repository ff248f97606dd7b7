// JSON numbers read from a line's bytes into INT64 and DOUBLE columns, exactly: an integer column
// takes any number whose value is a whole number within INT64 (`12`, `1.0`, `1e3`; all 64 bits, not
// only JavaScript's safe integers), a double column any finite number, correctly rounded. Anything
// else does not fit, and the caller keeps its text in `_extra`.
import { MINUS, NINE, ZERO } from "../../../core/json-bytes.js";

/** A parsed INT64: low 32 bits (unsigned) and high 32 bits (signed). */
export interface Int64Parts {
  lo: number;
  hi: number;
}

const TWO_32 = 4294967296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The number's text (ASCII) for the slow paths. */
function text(buf: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i] as number);
  return s;
}

/** Whether `buf[start, end)` (a valid JSON number) is a whole number within INT64; if so, fills `out`. */
export function parseInt64(buf: Uint8Array, start: number, end: number, out: Int64Parts): boolean {
  let i = start;
  const negative = buf[i] === MINUS;
  if (negative) i++;
  // Fast path: up to 15 plain digits are exact as a double.
  if (end - i <= 15) {
    let value = 0;
    let j = i;
    for (; j < end; j++) {
      const d = (buf[j] as number) - ZERO;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (j === end) {
      if (negative) value = -value;
      const hi = Math.floor(value / TWO_32);
      out.lo = value - hi * TWO_32;
      out.hi = hi;
      return true;
    }
  }
  const exact = integerValue(text(buf, start, end));
  if (exact === undefined || exact < INT64_MIN || exact > INT64_MAX) return false;
  out.lo = Number(BigInt.asUintN(32, exact));
  out.hi = Number(BigInt.asIntN(32, exact >> 32n));
  return true;
}

/** The exact value of a JSON number's text when it is a whole number (`1.50e2` is 150), else undefined. */
function integerValue(number: string): bigint | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(number);
  if (match === null) return undefined;
  const [, sign, whole = "", fraction = "", exponentText = "0"] = match;
  const digits = (whole + fraction).replace(/^0+(?=\d)/, "");
  if (/^0+$/.test(digits)) return 0n;
  // A power of ten beyond INT64's 19 digits cannot be in range (and must not be computed).
  const exponent = Number(exponentText) - fraction.length;
  if (exponent > 19) return undefined;
  let value: bigint;
  if (exponent >= 0) {
    value = BigInt(digits) * 10n ** BigInt(exponent);
  } else {
    const drop = -exponent;
    if (drop >= digits.length) return undefined;
    if (!/^0+$/.test(digits.slice(digits.length - drop))) return undefined;
    value = BigInt(digits.slice(0, digits.length - drop));
  }
  return sign === "-" ? -value : value;
}

const POWERS = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** `buf[start, end)` (a valid JSON number) as a finite double, correctly rounded; NaN when it overflows. */
export function parseDouble(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = buf[i] === MINUS;
  if (negative) i++;
  // Clinger's fast path: at most 15 significant digits and a power of ten up to 1e22 are exact
  // doubles, and one multiplication or division of exact doubles is correctly rounded.
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let c = buf[i] as number;
  while (i < end && c >= ZERO && c <= NINE) {
    if (mantissa !== 0 || c !== ZERO) digits++;
    mantissa = mantissa * 10 + (c - ZERO);
    c = buf[++i] as number;
  }
  if (i < end && c === 0x2e) {
    c = buf[++i] as number;
    while (i < end && c >= ZERO && c <= NINE) {
      if (mantissa !== 0 || c !== ZERO) digits++;
      mantissa = mantissa * 10 + (c - ZERO);
      scale--;
      c = buf[++i] as number;
    }
  }
  if (i === end && digits <= 15 && scale >= -22) {
    const value = scale === 0 ? mantissa : mantissa / (POWERS[-scale] as number);
    return negative ? -value : value;
  }
  const value = Number(text(buf, start, end));
  return Number.isFinite(value) ? value : Number.NaN;
}
