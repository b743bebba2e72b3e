import fc from 'fast-check';
import { isCalendarDate, isRfc3339DateTime, isUuid, todayUtc } from './formats';

/** The checks read naively: capture groups, and a Date to tell whether the day exists. */
const NAIVE_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const NAIVE_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;
function naiveRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
function naiveCalendarDate(value: string): boolean {
  const match = NAIVE_DATE.exec(value);
  return match !== null && naiveRealDate(Number(match[1]), Number(match[2]), Number(match[3]));
}
function naiveDateTime(value: string): boolean {
  const match = NAIVE_DATE_TIME.exec(value);
  if (!match) return false;
  const [, year, month, day, hour, minute, second, , , offsetHour, offsetMinute] = match;
  if (!naiveRealDate(Number(year), Number(month), Number(day))) return false;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) return false;
  return offsetHour === undefined || (Number(offsetHour) <= 23 && Number(offsetMinute) <= 59);
}
const pad = (value: number, width: number) => String(value).padStart(width, '0');

describe('formats', () => {
  it.each(['2026-11-28', '2024-02-29', '0001-01-01', '0099-12-31'])('calendar date %s', (value) => expect(isCalendarDate(value)).toBe(true));
  it.each(['2026-02-29', '2026-13-01', '2026-11-31', '2026-11-28T10:00:00Z', '20261128', '2026-1-28', '28/11/2026'])('not a calendar date: %s', (value) =>
    expect(isCalendarDate(value)).toBe(false),
  );

  it.each(['2026-11-28T10:00:00Z', '2026-11-28T10:00:00.123Z', '2026-11-28t10:00:00z', '2026-11-28T10:00:00+01:00', '2016-12-31T23:59:60Z'])(
    'RFC 3339 %s',
    (value) => expect(isRfc3339DateTime(value)).toBe(true),
  );
  it.each(['2026-11-28', '2026-11-28T10:00:00', '2026-11-28 10:00:00Z', '2026-11-28T24:00:00Z', '2026-02-30T10:00:00Z', '2026-11-28T10:00Z', '2026-11-28T10:00:00+0100'])(
    'not RFC 3339: %s',
    (value) => expect(isRfc3339DateTime(value)).toBe(false),
  );

  it('tells every day of years 0–120, 1890–2110 and 9990–9999 as a Date does, whatever the month and day written', () => {
    const years = [...Array.from({ length: 121 }, (_, y) => y), ...Array.from({ length: 221 }, (_, y) => 1890 + y), ...Array.from({ length: 10 }, (_, y) => 9990 + y)];
    for (const year of years) {
      for (let month = 0; month <= 19; month++) {
        for (let day = 0; day <= 39; day++) {
          const date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
          if (isCalendarDate(date) !== naiveCalendarDate(date)) throw new Error(`${date}: ${isCalendarDate(date)}`);
        }
      }
    }
  });

  it('tells date-times as the capture-group reading does, for any near date-time', () => {
    const twoDigits = fc.integer({ min: 0, max: 99 }).map((value) => pad(value, 2));
    const nearDateTime = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((value) => pad(value, 4)),
        twoDigits,
        twoDigits,
        fc.constantFrom('T', 't', ' '),
        twoDigits,
        twoDigits,
        twoDigits,
        fc.constantFrom('', '.1', '.123456', '.'),
        fc.oneof(fc.constantFrom('Z', 'z', '', 'ZZ', '+0100'), fc.tuple(fc.constantFrom('+', '-'), twoDigits, twoDigits).map(([sign, h, m]) => `${sign}${h}:${m}`)),
      )
      .map(([y, mo, d, t, h, mi, s, fraction, zone]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}${fraction}${zone}`);
    fc.assert(fc.property(fc.oneof(nearDateTime, fc.string({ maxLength: 30 })), (value) => isRfc3339DateTime(value) === naiveDateTime(value)), { numRuns: 20_000 });
    fc.assert(fc.property(fc.string({ maxLength: 12 }), (value) => isCalendarDate(value) === naiveCalendarDate(value)), { numRuns: 2000 });
  });

  it('gives the clock’s day in UTC when given no instant', () => {
    expect(todayUtc()).toBe(new Date().toISOString().slice(0, 10));
  });

  it('recognises UUIDs of any version', () => {
    expect(isUuid('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
    expect(isUuid('01932c07-209c-7aa6-8d6c-5d6b1c1b2e4f')).toBe(true);
    expect(isUuid('not-a-uuid')).toBe(false);
    expect(isUuid('0f8fad5bd9cb469fa16570867728950e')).toBe(false);
  });

  it('gives today in UTC', () => expect(todayUtc(new Date('2026-11-28T23:30:00-02:00'))).toBe('2026-11-29'));
});
