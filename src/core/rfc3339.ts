// The one parser of RFC 3339 date-times and ISO calendar dates, for config values, API answers and
// Parquet columns alike. Strict where Date.parse guesses: a date-time must carry `Z` or an offset
// (an offset-less one would be read in the machine's time zone), dates must exist on the calendar
// (no 2024-02-30 rolled over to March), and nothing but the RFC 3339 grammar is accepted ("1" is
// not the year 2001). It reads UTF-8 bytes, so the Parquet writer parses a line's bytes in place;
// strings go through the same code.

/** A date-time as UTC epoch seconds plus microseconds; `exact` is false when digits below the microsecond were not zero. */
export interface UtcInstant {
  seconds: number;
  micros: number;
  exact: boolean;
}

const ZERO = 0x30;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Days in a month of a Gregorian year. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The value of `count` ASCII digits at `at`, or -1 if any is not a digit. */
function digits(buf: Uint8Array, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = (buf[i] as number) - ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** `YYYY-MM-DD` at `at` (10 bytes, known to be there) as days since the epoch, or NaN when it is no real date. */
function calendarDate(buf: Uint8Array, at: number): number {
  if (buf[at + 4] !== 0x2d || buf[at + 7] !== 0x2d) return Number.NaN;
  const year = digits(buf, at, 4);
  const month = digits(buf, at + 5, 2);
  const day = digits(buf, at + 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  return daysFromCivil(year, month, day);
}

/** `buf[start, end)` as an ISO calendar date `YYYY-MM-DD`: days since 1970-01-01, or NaN. */
export function parseDateBytes(buf: Uint8Array, start: number, end: number): number {
  return end - start === 10 ? calendarDate(buf, start) : Number.NaN;
}

/**
 * `buf[start, end)` as an RFC 3339 date-time (`2024-01-31T12:00:00.5Z`, `...+02:00`; `T`/`Z` in
 * either case; a fraction of any length): fills `out` and returns true, or returns false. Leap
 * seconds (`:60`) are refused: no epoch-based type holds them.
 */
export function parseDateTimeBytes(buf: Uint8Array, start: number, end: number, out: UtcInstant): boolean {
  // The shortest form: YYYY-MM-DDTHH:MM:SSZ (20 bytes).
  if (end - start < 20) return false;
  const days = calendarDate(buf, start);
  if (Number.isNaN(days)) return false;
  const t = buf[start + 10];
  if ((t !== 0x54 && t !== 0x74) || buf[start + 13] !== 0x3a || buf[start + 16] !== 0x3a) return false;
  const hour = digits(buf, start + 11, 2);
  const minute = digits(buf, start + 14, 2);
  const second = digits(buf, start + 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  let i = start + 19;
  let micros = 0;
  let exact = true;
  if (buf[i] === 0x2e) {
    i++;
    const first = i;
    let scale = 100_000;
    for (; i < end; i++) {
      const d = (buf[i] as number) - ZERO;
      if (d < 0 || d > 9) break;
      if (scale >= 1) {
        micros += d * scale;
        scale /= 10;
      } else if (d !== 0) {
        exact = false;
      }
    }
    if (i === first) return false;
  }
  if (i >= end) return false;
  let offsetSeconds = 0;
  const zone = buf[i];
  if (zone === 0x5a || zone === 0x7a) {
    i++;
  } else if (zone === 0x2b || zone === 0x2d) {
    if (end - i < 6 || buf[i + 3] !== 0x3a) return false;
    const oh = digits(buf, i + 1, 2);
    const om = digits(buf, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
    offsetSeconds = (oh * 3600 + om * 60) * (zone === 0x2d ? -1 : 1);
    i += 6;
  } else {
    return false;
  }
  if (i !== end) return false;
  out.seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  out.micros = micros;
  out.exact = exact;
  return true;
}

const scratch: UtcInstant = { seconds: 0, micros: 0, exact: true };

/** A string as an RFC 3339 date-time: UTC epoch milliseconds (below-millisecond digits dropped), or NaN. */
export function parseDateTime(text: string): number {
  const bytes = Buffer.from(text, "utf8");
  if (!parseDateTimeBytes(bytes, 0, bytes.length, scratch)) return Number.NaN;
  return scratch.seconds * 1000 + Math.floor(scratch.micros / 1000);
}
