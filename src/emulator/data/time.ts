// Timestamps as Asana writes them: UTC with milliseconds, and plain dates.

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const YEAR = 365 * DAY;

/** `2012-02-22T02:06:58.147Z` for epoch milliseconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2012-02-22` (UTC) for epoch milliseconds. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
