import { createHash } from 'node:crypto';
import { MASTER_KEY } from '../test/fixtures';
import {
  payloadDigest,
  postcodeDistrict,
  project,
  pseudonymKey,
  subjectKey,
  subjectKeys,
  yearOnly,
} from './project';

const key = pseudonymKey(MASTER_KEY, 'an-agreement');
const data = {
  subject: {
    localId: 'ASC-1',
    nhsNumber: '9434765919',
    name: { given: 'Ada', family: 'Lovelace' },
    dateOfBirth: '1941-03-02',
    postcode: 'SO16 7XX',
  },
  serviceType: 'community',
  weeklyCost: 120,
  typesOfRisk: ['neglect'],
};

describe('project', () => {
  it('releases exactly the listed paths that are present, nested as in the data', () => {
    const projection = project(data, ['subject.localId', 'subject.uprn', 'serviceType', 'typesOfRisk'], undefined, key);
    expect(projection.released).toEqual({ subject: { localId: 'ASC-1' }, serviceType: 'community', typesOfRisk: ['neglect'] });
    // Absent paths stay absent: no key, not even undefined or null.
    expect(Object.keys(projection.released.subject as object)).toEqual(['localId']);
    expect(projection.fieldsReleased).toEqual(['subject.localId', 'serviceType', 'typesOfRisk']);
  });

  it('copies a whole object for a parent path, and shares nothing with the input', () => {
    const projection = project(data, ['subject.name'], undefined, key);
    expect(projection.released).toEqual({ subject: { name: { given: 'Ada', family: 'Lovelace' } } });
    (projection.released.subject as any).name.given = 'changed';
    expect(data.subject.name.given).toBe('Ada');
  });

  it('never follows a path through an array or a missing object', () => {
    expect(project(data, ['typesOfRisk.0', 'serviceType.length', 'nothing.here'], undefined, key).released).toEqual({});
  });

  it('does not let a crafted path touch the prototype', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const projection = project(hostile, ['__proto__.polluted', '__proto__'], undefined, key);
    expect(({} as any).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(projection.released)).toBe(Object.prototype);
  });

  it('applies the transforms to the released values', () => {
    const projection = project(
      data,
      ['subject.nhsNumber', 'subject.dateOfBirth', 'subject.postcode'],
      { 'subject.nhsNumber': 'pseudonymise', 'subject.dateOfBirth': 'year-only', 'subject.postcode': 'postcode-district' },
      key,
    );
    expect(projection.released).toEqual({
      subject: { nhsNumber: expect.stringMatching(/^ps_[A-Za-z0-9_-]{43}$/), dateOfBirth: '1941', postcode: 'SO16' },
    });
  });

  it('keeps a transformed path transformed even when a listed parent covers it', () => {
    const projection = project(data, ['subject', 'subject.postcode'], { 'subject.postcode': 'postcode-district' }, key);
    expect((projection.released.subject as any).postcode).toBe('SO16');
  });

  it('withholds a value a transform cannot be applied to rather than release it raw', () => {
    const projection = project({ a: 'not a date', b: 'not a postcode' }, ['a', 'b'], { a: 'year-only', b: 'postcode-district' }, key);
    expect(projection.released).toEqual({});
    expect(projection.fieldsReleased).toEqual([]);
    expect(projection.fieldsNotTransformable).toEqual(['a', 'b']);
  });
});

describe('transforms', () => {
  it('pseudonymises stably within one agreement and unlinkably across agreements', () => {
    const other = pseudonymKey(MASTER_KEY, 'another-agreement');
    const first = project(data, ['subject.nhsNumber'], { 'subject.nhsNumber': 'pseudonymise' }, key).released;
    const again = project(data, ['subject.nhsNumber'], { 'subject.nhsNumber': 'pseudonymise' }, key).released;
    const elsewhere = project(data, ['subject.nhsNumber'], { 'subject.nhsNumber': 'pseudonymise' }, other).released;
    expect(first).toEqual(again);
    expect(first).not.toEqual(elsewhere);
    expect(pseudonymKey('another master key', 'an-agreement').equals(key)).toBe(false);
  });

  it('keeps the year of a date or a time as written', () => {
    expect(yearOnly('2026-11-28')).toBe('2026');
    expect(yearOnly('2026-01-01T00:30:00+01:00')).toBe('2026');
    expect(yearOnly('28/11/2026')).toBeUndefined();
    expect(yearOnly(2026)).toBeUndefined();
  });

  it('keeps the outward code of a postcode', () => {
    expect(postcodeDistrict('SO16 7XX')).toBe('SO16');
    expect(postcodeDistrict('so167xx')).toBe('SO16');
    expect(postcodeDistrict('EC1A 1BB')).toBe('EC1A');
    expect(postcodeDistrict('M1 1AE')).toBe('M1');
    expect(postcodeDistrict('SO16')).toBeUndefined();
    expect(postcodeDistrict('not a postcode')).toBeUndefined();
  });
});

describe('digests and keys', () => {
  it('digests the canonical JSON (RFC 8785) of what was released, so key order does not matter', () => {
    const released = { b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } };
    expect(payloadDigest(released)).toBe(createHash('sha256').update('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}', 'utf8').digest('hex'));
    expect(payloadDigest({ a: 1, b: 2 })).toBe(payloadDigest({ b: 2, a: 1 }));
  });

  it('keys a subject by its NHS number when it has one, else its NI number, else not at all', () => {
    const secret = 'audit-secret';
    const byNhs = subjectKey({ nhsNumber: '943 476 5919', niNumber: 'QQ123456C' }, secret);
    expect(byNhs).toBe(subjectKey({ nhsNumber: '9434765919' }, secret));
    expect(subjectKey({ niNumber: 'qq 123456 c' }, secret)).toBe(subjectKey({ niNumber: 'QQ123456C' }, secret));
    expect(subjectKey({ niNumber: 'QQ123456C' }, secret)).not.toBe(byNhs);
    expect(subjectKey({}, secret)).toBeNull();
    expect(byNhs).not.toContain('9434765919');
    expect(subjectKey({ nhsNumber: '9434765919' }, 'another secret')).not.toBe(byNhs);
    expect(subjectKeys({ nhsNumber: '9434765919', niNumber: 'QQ123456C' }, secret)).toEqual({
      nhsNumber: byNhs,
      niNumber: subjectKey({ niNumber: 'QQ123456C' }, secret),
    });
  });
});
