import { exampleEventData } from '@accord/testing';
import { EVENT_TYPES } from '../event-catalog';
import { compileReleasedRecordValidator } from './released-record';

const DISCHARGE = 'nhs.hospital-discharge.notified.v1';
const NEEDS = ['subject.localId', 'dischargePathway', 'expectedDischargeDate'];
const PSEUDONYM = 'ps_Xq3c7yQ0b1nNQJ7c2Xq3c7yQ0b1nNQJ7c2Xq3c7y';

describe('compileReleasedRecordValidator', () => {
  const validate = compileReleasedRecordValidator(DISCHARGE, NEEDS);
  const needed = { subject: { localId: 'uhs-1' }, dischargePathway: 1, expectedDischargeDate: '2026-12-01' };

  it('accepts every published example with its required fields needed: a record released whole is a released record', () => {
    for (const [type, spec] of EVENT_TYPES) {
      const required = spec.fields.filter((field) => field.required && !field.path.includes('.')).map((field) => field.path);
      const result = compileReleasedRecordValidator(type, ['subject.localId', ...required])(exampleEventData(type));
      expect({ type, ok: result.ok }).toEqual({ type, ok: true });
    }
  });

  it('accepts a record with only the needed fields, and the other fields absent, null or transformed to a string', () => {
    expect(validate(needed)).toEqual({ ok: true, value: needed });
    const transformed = {
      subject: { localId: 'uhs-1', nhsNumber: PSEUDONYM, dateOfBirth: '1941', postcode: 'SO16', name: null },
      dischargePathway: 2,
      expectedDischargeDate: '2026-12-01',
      ward: null,
      needsSummary: PSEUDONYM,
    };
    expect(validate(transformed).ok).toBe(true);
  });

  it('refuses a needed field that is absent, null, transformed or out of its published range, naming the path and never the value', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...needed, expectedDischargeDate: undefined }, 'expectedDischargeDate'],
      [{ ...needed, dischargePathway: null }, 'dischargePathway'],
      [{ ...needed, dischargePathway: PSEUDONYM }, 'dischargePathway'],
      [{ ...needed, dischargePathway: 7 }, 'dischargePathway'],
      [{ ...needed, expectedDischargeDate: '2026' }, 'expectedDischargeDate'],
      [{ ...needed, subject: {} }, 'subject.localId'],
      [{ ...needed, subject: { localId: '' } }, 'subject.localId'],
      [{ dischargePathway: 1, expectedDischargeDate: '2026-12-01' }, 'subject'],
    ];
    for (const [data, path] of cases) {
      const result = validate(JSON.parse(JSON.stringify(data)));
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.problems.map((problem) => problem.path)).toContain(path);
      expect(JSON.stringify(result.problems)).not.toContain(PSEUDONYM);
    }
  });

  it('refuses keys that are not fields of the type, at any depth', () => {
    for (const data of [{ ...needed, extra: 1 }, { ...needed, subject: { localId: 'uhs-1', extra: 1 } }]) {
      const result = validate(data);
      expect(result.ok).toBe(false);
    }
  });

  it('refuses to compile a need that is not a field of the type', () => {
    expect(() => compileReleasedRecordValidator(DISCHARGE, ['dischargePathwy'])).toThrow('dischargePathwy is not a field of the type');
    expect(() => compileReleasedRecordValidator(DISCHARGE, ['subject.localld'])).toThrow('subject.localld is not a field of the type');
  });
});
