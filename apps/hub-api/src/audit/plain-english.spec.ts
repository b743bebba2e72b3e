import { dateInWords } from './plain-english';

describe('dateInWords', () => {
  it('writes a time as the audit log writes it, with or without microseconds, in words', () => {
    expect(dateInWords('2026-04-01T09:30:00.123Z')).toBe('1 April 2026 at 09:30 UTC');
    expect(dateInWords('2026-12-31T23:59:59.999001Z')).toBe('31 December 2026 at 23:59 UTC');
  });

  // An edited row's time is shown as stored (audit-store.ts, DECIDED_AT_SHOWN): never as another date.
  it.each(['infinity', '-infinity', '2026-04-01T09:30:00.123000Z BC', '-002025-04-01T09:30:00.123Z'])(
    'quotes %s as it is rather than writing it as a date',
    (stored) => {
      expect(dateInWords(stored)).toBe(`an unreadable date (stored as "${stored}")`);
    },
  );
});
