/*
 * The text formats of the contract, as pure checks shared by the payload classes and the
 * envelope. Regular expressions alone accept `2026-02-30`, so dates are also checked against
 * the calendar.
 */

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Days in a month of the proleptic Gregorian calendar (as Date has it). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The day exists, by arithmetic rather than a Date per check. It also holds the day to the
 * year 1900 + year for years 0–99, as a Date built with Date.UTC does (which reads those
 * years so): 0000-02-29 counts as no date (formats.spec.ts compares the two readings).
 */
function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month) && (year >= 100 || day <= daysInMonth(year + 1900, month));
}

/** The number written by `count` decimal digits of `text` from `start` (the caller's pattern matched digits there). */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let index = start; index < start + count; index++) value = value * 10 + (text.charCodeAt(index) - 0x30);
  return value;
}

/** An ISO 8601 calendar date in extended form, exactly `YYYY-MM-DD`, that exists. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !CALENDAR_DATE.test(value)) return false;
  return isRealDate(digitsAt(value, 0, 4), digitsAt(value, 5, 2), digitsAt(value, 8, 2));
}

/** Today's UTC date while the clock stays within it, worked out once a day rather than on each check. */
let currentDay: { day: string; from: number; until: number } | undefined;
const DAY_MS = 86_400_000;

/** Today's date in UTC (of `now`, or of the clock) as `YYYY-MM-DD`; calendar dates compare correctly as strings. */
export function todayUtc(now?: Date): string {
  if (now !== undefined) return now.toISOString().slice(0, 10);
  const time = Date.now();
  if (currentDay === undefined || time < currentDay.from || time >= currentDay.until) {
    const from = time - (((time % DAY_MS) + DAY_MS) % DAY_MS);
    currentDay = { day: new Date(time).toISOString().slice(0, 10), from, until: from + DAY_MS };
  }
  return currentDay.day;
}

// RFC 3339 §5.6 date-time; `T` and `Z` may be lower case (§5.6 note), seconds up to 60 (leap second).
// No capture groups: every number sits at a fixed place from the start, the offset's from the end.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 date-time with a time zone, e.g. `2026-11-28T10:00:00Z` or `2026-11-28T10:00:00.123+01:00`. */
export function isRfc3339DateTime(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE_TIME.test(value)) return false;
  if (!isRealDate(digitsAt(value, 0, 4), digitsAt(value, 5, 2), digitsAt(value, 8, 2))) return false;
  if (digitsAt(value, 11, 2) > 23 || digitsAt(value, 14, 2) > 59 || digitsAt(value, 17, 2) > 60) return false;
  const last = value.charCodeAt(value.length - 1);
  const hasOffset = last !== 0x5a && last !== 0x7a; // not Z or z: ±hh:mm
  if (hasOffset && (digitsAt(value, value.length - 5, 2) > 23 || digitsAt(value, value.length - 2, 2) > 59)) return false;
  return true;
}

/** A UUID in the canonical 8-4-4-4-12 hexadecimal form (any version, RFC 9562 variant). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** A JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
