// Timestamps as Asana writes them: UTC with milliseconds, and plain dates. Formatting is hand-rolled
// (with a cache of day strings) because Date#toISOString dominated generation time.

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const YEAR = 365 * DAY;

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
const days = new Map<number, string>();

/** `YYYY-MM-DD` of a day number (days since 1970-01-01), by the civil-from-days algorithm. */
function dayString(day: number): string {
  let s = days.get(day);
  if (s !== undefined) return s;
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  s = y >= 0 && y <= 9999 ? `${String(y).padStart(4, "0")}-${PAD2[m]}-${PAD2[d]}` : new Date(day * DAY).toISOString().slice(0, 10);
  if (days.size > 100_000) days.clear();
  days.set(day, s);
  return s;
}

/** `2012-02-22T02:06:58.147Z` for epoch milliseconds. */
export function isoTime(time: number): string {
  const ms = Math.floor(time);
  const day = Math.floor(ms / DAY);
  let r = ms - day * DAY;
  const h = Math.floor(r / HOUR);
  r -= h * HOUR;
  const m = Math.floor(r / MINUTE);
  r -= m * MINUTE;
  const s = Math.floor(r / SECOND);
  return `${dayString(day)}T${PAD2[h]}:${PAD2[m]}:${PAD2[s]}.${PAD3[r - s * SECOND]}Z`;
}

/** `2012-02-22` (UTC) for epoch milliseconds. */
export function isoDate(ms: number): string {
  return dayString(Math.floor(ms / DAY));
}
