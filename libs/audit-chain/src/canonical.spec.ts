import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { AuditChainError, GENESIS_HASH, HASHED_FIELDS, canonicalContent, canonicalJson, chain, hashContent, hashRecord, type ChainedDecision } from '.';
import { batchArbitrary, columnValueArbitrary, unchainedDecisionArbitrary } from '../test/arbitraries';

const row: ChainedDecision = {
  decisionId: '6f1c2a9e-3b7d-4c1e-9a52-0d8e7f6a5b4c',
  eventId: 'evt-1',
  eventType: 'care.admission',
  source: 'nhs-trust.pas',
  recipient: 'council.revenues',
  agreementId: 'council-tax-and-hb-review',
  agreementVersion: 3,
  purpose: 'Review council tax exemption',
  lawfulBasis: { legislation: ['Local Government Finance Act 1992'], article9: null, article6: 'public-task' },
  outcome: 'shared',
  reasons: ['rule matched'],
  fieldsReleased: ['subject.nhsNumber', 'admittedAt'],
  fieldsWithheld: ['diagnosis'],
  consentRefs: [],
  subjectKey: 'sk-abc',
  payloadDigest: 'pd-123',
  topic: 'accord.events.nhs-trust.pas',
  partition: 2,
  offset: '9007199254740993',
  decidedAt: '2026-04-01T09:30:00.000Z',
  seq: 1,
  prevHash: GENESIS_HASH,
  hash: 'not part of the content',
};

describe('canonical form', () => {
  it('sorts keys at every level, keeps array order, writes undefined as null and dates as ISO strings', () => {
    expect(canonicalJson({ b: [3, 1, { z: undefined, a: 'x' }], a: new Date(Date.UTC(2026, 3, 1)), c: undefined })).toBe(
      '{"a":"2026-04-01T00:00:00.000Z","b":[3,1,{"a":"x","z":null}],"c":null}',
    );
  });

  it('writes every string exactly as JSON.stringify does (quotes, backslashes, controls, any Unicode, lone surrogates)', () => {
    for (const text of ['', 'plain', 'quote " here', 'back\\slash', 'line\nbreak', '\u0000\u001f\u007f', '\u2028\u2029', 'é😀', '\ud800', 'x\udfffy']) {
      expect(canonicalJson(text)).toBe(JSON.stringify(text));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => canonicalJson(text) === JSON.stringify(text)),
      { numRuns: 5000 },
    );
  });

  it('refuses values that would collide with another value', () => {
    for (const value of [NaN, Infinity, 1n, () => 1, new Map(), Symbol('s'), new Date(NaN)]) {
      expect(() => canonicalJson({ value })).toThrow(AuditChainError);
    }
  });

  it('is exactly the documented string, so auditors can recompute a hash by hand', () => {
    const expected =
      '{"agreementId":"council-tax-and-hb-review","agreementVersion":3,"consentRefs":[],' +
      '"decidedAt":"2026-04-01T09:30:00.000Z","decisionId":"6f1c2a9e-3b7d-4c1e-9a52-0d8e7f6a5b4c",' +
      '"eventId":"evt-1","eventType":"care.admission","fieldsReleased":["subject.nhsNumber","admittedAt"],' +
      '"fieldsWithheld":["diagnosis"],"lawfulBasis":{"article6":"public-task","article9":null,' +
      '"legislation":["Local Government Finance Act 1992"]},"offset":"9007199254740993","outcome":"shared",' +
      '"partition":2,"payloadDigest":"pd-123","prevHash":"' + GENESIS_HASH + '","purpose":"Review council tax exemption",' +
      '"reasons":["rule matched"],"recipient":"council.revenues","seq":1,"source":"nhs-trust.pas",' +
      '"subjectKey":"sk-abc","topic":"accord.events.nhs-trust.pas"}';
    expect(canonicalContent(row)).toBe(expected);
    expect(hashRecord(row)).toBe(createHash('sha256').update(`${GENESIS_HASH}\n${expected}`).digest('hex'));
  });

  it('ignores columns that are not decision fields and treats a missing field as null', () => {
    const withExtras = { ...row, id: 42, createdAt: new Date() } as ChainedDecision;
    expect(canonicalContent(withExtras)).toBe(canonicalContent(row));
    const { purpose: _purpose, ...withoutPurpose } = row;
    expect(canonicalContent(withoutPurpose as ChainedDecision)).toBe(canonicalContent({ ...row, purpose: null }));
  });

  it('hashes a decidedAt read back from timestamptz as a Date exactly like the stored string', () => {
    const fromDatabase = { ...row, decidedAt: new Date(row.decidedAt) as unknown as string };
    expect(hashRecord(fromDatabase)).toBe(hashRecord(row));
  });

  it('hashRecord is hashContent of prevHash and canonicalContent, for any row a writer or a tamperer could give', () => {
    /** The hash, or the kind and message of what was thrown. */
    const outcome = (run: () => string): string => {
      try {
        return run();
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    };
    const same = (record: ChainedDecision) =>
      outcome(() => hashRecord(record)) === outcome(() => hashContent(String(record.prevHash), canonicalContent(record)));
    const anyPrevHash = fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string({ unit: 'binary', maxLength: 8 }));
    const written = fc.record({ decision: unchainedDecisionArbitrary, seq: fc.nat(), prevHash: anyPrevHash });
    fc.assert(fc.property(written, ({ decision, seq, prevHash }) => same({ ...decision, seq, prevHash, hash: '' })), { numRuns: 2000 });
    const tampered = fc.record({ row: written, field: fc.constantFrom(...HASHED_FIELDS), value: fc.oneof(columnValueArbitrary, fc.string({ unit: 'binary' })) });
    fc.assert(
      fc.property(tampered, ({ row: { decision, seq, prevHash }, field, value }) => same({ ...decision, seq, prevHash, hash: '', [field]: value })),
      { numRuns: 2000 },
    );
    for (const value of [NaN, 1n, new Map()]) {
      expect(() => hashRecord({ ...row, purpose: value as unknown as string })).toThrow(AuditChainError);
    }
  });

  it('genesis is 64 zeros', () => {
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });
});
