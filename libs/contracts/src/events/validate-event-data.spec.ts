import fc from 'fast-check';
import { exampleEventData } from '@accord/testing';
import { todayUtc } from '../formats';
import { classifyProblems, validateEventData } from './validate-event-data';

const SERVICE_STARTED = 'asc.service.started.v1';
const SAFEGUARDING = 'asc.safeguarding.concern-raised.v1';

const withSubject = (type: string, subject: Record<string, unknown>, fields: Record<string, unknown> = {}) => ({
  ...exampleEventData(type),
  subject,
  ...fields,
});

function problemsOf(type: string, data: unknown) {
  const result = validateEventData(type, data);
  if (result.ok) throw new Error('expected problems');
  return result;
}

describe('validateEventData', () => {
  it('returns the data with identifiers normalised', () => {
    const data = withSubject(SERVICE_STARTED, { localId: 'p-1', nhsNumber: '943 476 5919', niNumber: 'ab 12 34 56 c', postcode: 'so16  7xx' });
    const result = validateEventData(SERVICE_STARTED, data);
    expect(result).toEqual({
      ok: true,
      value: { ...exampleEventData(SERVICE_STARTED), subject: { localId: 'p-1', nhsNumber: '9434765919', niNumber: 'AB123456C', postcode: 'SO16 7XX' } },
    });
  });

  it('does not change the caller’s data', () => {
    const data = withSubject(SERVICE_STARTED, { localId: 'p-1', nhsNumber: '943 476 5919' });
    validateEventData(SERVICE_STARTED, data);
    expect((data.subject as Record<string, unknown>).nhsNumber).toBe('943 476 5919');
  });

  it('lists every problem, nested ones by path', () => {
    const data = {
      ...withSubject(SERVICE_STARTED, { nhsNumber: '9434765918', name: { given: 7 }, unexpected: 'x' }),
      serviceType: 'hotel',
      weeklyCost: -1,
      startDate: '28/11/2026',
      colour: 'blue',
    };
    const { reason, problems } = problemsOf(SERVICE_STARTED, data);
    expect(reason).toBe('invalid-payload');
    expect([...new Set(problems.map((problem) => problem.path))].sort()).toEqual(
      ['colour', 'serviceType', 'startDate', 'subject.localId', 'subject.name.given', 'subject.nhsNumber', 'subject.unexpected', 'weeklyCost'].sort(),
    );
  });

  it('names each wrong item of an array of listed values', () => {
    const { problems } = problemsOf(SAFEGUARDING, { ...exampleEventData(SAFEGUARDING), typesOfRisk: ['financial', 'gossip', 'neglect', 3] });
    expect(problems).toEqual([
      { path: 'typesOfRisk.1', problem: expect.stringContaining('must be one of the following values: physical, sexual') },
      { path: 'typesOfRisk.3', problem: expect.stringContaining('must be one of') },
    ]);
    expect(problemsOf(SAFEGUARDING, { ...exampleEventData(SAFEGUARDING), typesOfRisk: [] }).problems).toEqual([
      { path: 'typesOfRisk', problem: 'typesOfRisk must not be empty' },
    ]);
  });

  it('rejects unknown event types, and types the publisher may not publish', () => {
    expect(validateEventData('asc.unknown.v1', exampleEventData(SERVICE_STARTED))).toEqual({
      ok: false,
      reason: 'unknown-event-type',
      problems: [{ path: 'type', problem: 'unknown event type' }],
    });
    expect(validateEventData(SERVICE_STARTED, exampleEventData(SERVICE_STARTED), { publisher: 'uhs.discharge-hub' })).toMatchObject({
      ok: false,
      reason: 'unknown-event-type',
    });
    expect(validateEventData(SERVICE_STARTED, exampleEventData(SERVICE_STARTED), { publisher: 'isle-of-wight.adult-social-care' })).toMatchObject({
      ok: true,
    });
  });

  it.each([null, [], 'text', 42])('rejects data that is not an object: %p', (data) => {
    expect(problemsOf(SERVICE_STARTED, data)).toEqual({ ok: false, reason: 'invalid-payload', problems: [{ path: '', problem: 'event data must be a JSON object' }] });
  });

  it('reports __proto__ and constructor keys, which class-transformer would silently drop', () => {
    const text = JSON.stringify(exampleEventData(SERVICE_STARTED)).replace('"subject":{', '"__proto__":{"x":1},"subject":{"constructor":1,');
    expect(problemsOf(SERVICE_STARTED, JSON.parse(text)).problems).toEqual([
      { path: '__proto__', problem: 'is not a field of this event type' },
      { path: 'subject.constructor', problem: 'is not a field of this event type' },
    ]);
  });

  it('requires a subject that is an object', () => {
    for (const subject of [undefined, 'p-1', ['p-1']]) {
      expect(problemsOf(SERVICE_STARTED, { ...exampleEventData(SERVICE_STARTED), subject }).problems.map((problem) => problem.path)).toContain('subject');
    }
  });

  it('treats null optional fields as absent and leaves them out', () => {
    const data = { ...withSubject(SERVICE_STARTED, { localId: 'p-1', nhsNumber: null }), weeklyCost: null };
    const result = validateEventData(SERVICE_STARTED, data);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value).not.toHaveProperty('weeklyCost');
      expect(result.value.subject).toEqual({ localId: 'p-1' });
    }
    expect(problemsOf(SERVICE_STARTED, { ...exampleEventData(SERVICE_STARTED), startDate: null }).problems.map((problem) => problem.path)).toContain('startDate');
  });

  it('refuses a localId that is the person’s NHS or NI number: it becomes the Kafka key', () => {
    for (const subject of [
      { localId: '943 476 5919', nhsNumber: '9434765919' },
      { localId: 'AB123456C', niNumber: 'ab 12 34 56 c' },
    ]) {
      expect(problemsOf(SERVICE_STARTED, withSubject(SERVICE_STARTED, subject)).problems.map((problem) => problem.path)).toEqual(['subject.localId']);
    }
  });

  it('limits localId to 128 characters', () => {
    expect(validateEventData(SERVICE_STARTED, withSubject(SERVICE_STARTED, { localId: 'x'.repeat(128) })).ok).toBe(true);
    expect(problemsOf(SERVICE_STARTED, withSubject(SERVICE_STARTED, { localId: 'x'.repeat(129) })).problems.map((problem) => problem.path)).toEqual(['subject.localId']);
  });

  it('refuses a date of birth in the future', () => {
    const tomorrow = new Date(Date.now() + 36 * 3600 * 1000);
    const { problems } = problemsOf(SERVICE_STARTED, withSubject(SERVICE_STARTED, { localId: 'p-1', dateOfBirth: todayUtc(tomorrow) }));
    expect(problems).toEqual([{ path: 'subject.dateOfBirth', problem: 'dateOfBirth must not be in the future' }]);
  });

  describe('classification for the broker', () => {
    it('is invalid-identifier when only the NHS or NI number is wrong', () => {
      expect(problemsOf(SERVICE_STARTED, withSubject(SERVICE_STARTED, { localId: 'p-1', nhsNumber: '9434765918' })).reason).toBe('invalid-identifier');
      expect(problemsOf(SERVICE_STARTED, withSubject(SERVICE_STARTED, { localId: 'p-1', niNumber: 'GB123456A' })).reason).toBe('invalid-identifier');
      expect(
        problemsOf(SERVICE_STARTED, withSubject(SERVICE_STARTED, { localId: 'p-1', nhsNumber: '9434765918', niNumber: 'GB123456A' })).problems,
      ).toHaveLength(2);
    });

    it('is invalid-payload when anything else is wrong too', () => {
      const data = { ...withSubject(SERVICE_STARTED, { localId: 'p-1', nhsNumber: '9434765918' }), serviceType: 'hotel' };
      const { reason, problems } = problemsOf(SERVICE_STARTED, data);
      expect(reason).toBe('invalid-payload');
      expect(problems.map((problem) => problem.path)).toContain('subject.nhsNumber');
      expect(classifyProblems([{ path: 'subject.uprn', problem: 'x' }])).toBe('invalid-payload');
      expect(classifyProblems([])).toBe('invalid-payload');
    });
  });

  it('never puts a submitted value into a problem message', () => {
    // Marker strings stand in for personal data in every free-text and identifier field.
    const marker = fc.stringMatching(/^[A-Z]{3}[0-9]{4}[a-z]{3}$/);
    fc.assert(
      fc.property(marker, (secret) => {
        const data = {
          subject: { localId: secret.repeat(20), nhsNumber: secret, niNumber: secret, postcode: secret, uprn: secret, dateOfBirth: secret, gender: '', name: { given: 1, family: 2 }, [secret]: secret },
          serviceType: secret,
          deliveryMechanism: secret,
          weeklyCost: secret,
          startDate: secret,
          [secret]: secret,
        };
        const { problems } = problemsOf(SERVICE_STARTED, data);
        expect(problems.length).toBeGreaterThan(8);
        for (const problem of problems) expect(problem.problem).not.toContain(secret);
      }),
      { numRuns: 50 },
    );
  });
});
