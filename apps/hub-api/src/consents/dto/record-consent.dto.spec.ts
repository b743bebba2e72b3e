import type { ArgumentMetadata } from '@nestjs/common';
import { InvalidRequest, validationPipe } from '@accord/platform';
import { ConsentLookupQuery, RecordConsentRequest } from './record-consent.dto';

const body: ArgumentMetadata = { type: 'body', metatype: RecordConsentRequest };

async function problems(value: unknown, metadata = body): Promise<Array<{ path: string; problem: string }>> {
  try {
    await validationPipe().transform(value, metadata);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequest);
    return (error as InvalidRequest).problems ?? [];
  }
  return [];
}

describe('RecordConsentRequest', () => {
  it('accepts a scoped grant with every field, normalising a spaced NHS number', async () => {
    const request = await validationPipe().transform(
      {
        subject: { nhsNumber: '943 476 5919' },
        kind: 'grant',
        scope: { purpose: 'substance-misuse-treatment', recipient: 'ohid.ndtms', agreementId: null },
        effectiveFrom: '2026-11-28T10:00:00Z',
        recordedBy: 'A consent officer',
        evidence: 'Form 12',
      },
      body,
    );
    expect(request).toBeInstanceOf(RecordConsentRequest);
    expect(request.subject.nhsNumber).toBe('9434765919');
  });

  it('needs at least one identifier, once, and validates each given', async () => {
    expect(await problems({ subject: {}, kind: 'grant' })).toEqual([{ path: 'subject.nhsNumber', problem: 'the subject needs an nhsNumber or an niNumber' }]);
    expect(await problems({ subject: { niNumber: 'ab 12 34 56 c' }, kind: 'grant' })).toEqual([]);
    const both = await problems({ subject: { nhsNumber: '9434765918', niNumber: 'BG123456A' }, kind: 'grant' });
    expect(both.map((problem) => problem.path)).toEqual(['subject.nhsNumber', 'subject.niNumber']);
    expect(JSON.stringify(both)).not.toMatch(/9434765918|BG123456A/);
  });

  it('lists every problem of a bad body', async () => {
    const found = await problems({
      subject: { nhsNumber: '123', extra: 'x' },
      kind: 'perhaps',
      scope: { purpose: '', recipient: 'Bad', agreementId: 'Not_Valid', other: 1 },
      effectiveFrom: '2026-11-28',
      recordedBy: 'x'.repeat(201),
      evidence: 5,
    });
    expect([...new Set(found.map((problem) => problem.path))].sort()).toEqual(
      [
        'effectiveFrom',
        'evidence',
        'kind',
        'recordedBy',
        'scope.agreementId',
        'scope.other',
        'scope.purpose',
        'scope.recipient',
        'subject.extra',
        'subject.nhsNumber',
      ].sort(),
    );
  });

  it('refuses a scope on the national opt-out kinds, but allows an empty one', async () => {
    expect(await problems({ subject: { nhsNumber: '9434765919' }, kind: 'national-opt-out', scope: { recipient: 'ohid.ndtms' } })).toEqual([
      { path: 'scope', problem: 'national-opt-out and national-opt-out-removed statements have no scope: leave it out' },
    ]);
    expect(await problems({ subject: { nhsNumber: '9434765919' }, kind: 'national-opt-out-removed', scope: { purpose: null } })).toEqual([]);
  });

  it('looks up by either identifier, and needs one', async () => {
    const query: ArgumentMetadata = { type: 'query', metatype: ConsentLookupQuery };
    expect(await problems({ niNumber: 'AB123456C' }, query)).toEqual([]);
    expect(await problems({}, query)).toEqual([{ path: 'nhsNumber', problem: 'the subject needs an nhsNumber or an niNumber' }]);
  });
});
