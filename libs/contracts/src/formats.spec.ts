import { isCalendarDate, isRfc3339DateTime, isUuid, todayUtc } from './formats';

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

  it('recognises UUIDs of any version', () => {
    expect(isUuid('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
    expect(isUuid('01932c07-209c-7aa6-8d6c-5d6b1c1b2e4f')).toBe(true);
    expect(isUuid('not-a-uuid')).toBe(false);
    expect(isUuid('0f8fad5bd9cb469fa16570867728950e')).toBe(false);
  });

  it('gives today in UTC', () => expect(todayUtc(new Date('2026-11-28T23:30:00-02:00'))).toBe('2026-11-29'));
});
