// The day of an expense: a calendar date, YYYY-MM-DD (ISO 8601 calendar date, extended format), no time zone.

/** True for a real day: 2024-02-29 is one, 2023-02-29 and 2024-13-01 are not. Years 0001–9999. */
export function isCalendarDay(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one (Date.UTC maps years 0–99 to 1900s: set it apart).
  const last = new Date(0);
  last.setUTCFullYear(year, month, 0);
  return day <= last.getUTCDate();
}

/** The UTC day of an ISO 8601 timestamp (the default date of a bill: the day it was created). */
export const utcDay = (iso: string): string => iso.slice(0, 10);
