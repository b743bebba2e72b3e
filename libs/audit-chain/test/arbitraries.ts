import fc from 'fast-check';
import type { LawfulBasis, UnchainedDecision } from '../src';

const text = fc.string({ unit: 'grapheme', maxLength: 16 });
const nullableText = fc.option(text, { nil: null });
const texts = fc.array(text, { maxLength: 4 });

export const lawfulBasisArbitrary: fc.Arbitrary<LawfulBasis> = fc.record({
  article6: text,
  article9: nullableText,
  legislation: texts,
});

export const decidedAtArbitrary = fc
  .date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2099-12-31T23:59:59.999Z'), noInvalidDate: true })
  .map((date) => date.toISOString());

/** Any decision the broker could write, with arbitrary (valid) field values. */
export const unchainedDecisionArbitrary: fc.Arbitrary<UnchainedDecision> = fc.record({
  decisionId: fc.uuid(),
  eventId: nullableText,
  eventType: nullableText,
  source: nullableText,
  recipient: nullableText,
  agreementId: nullableText,
  agreementVersion: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: null }),
  purpose: nullableText,
  lawfulBasis: fc.option(lawfulBasisArbitrary, { nil: null }),
  outcome: fc.constantFrom('shared' as const, 'withheld' as const, 'rejected' as const),
  reasons: texts,
  fieldsReleased: texts,
  fieldsWithheld: texts,
  consentRefs: texts,
  subjectKey: nullableText,
  payloadDigest: nullableText,
  topic: text,
  partition: fc.nat(1000),
  offset: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
  decidedAt: decidedAtArbitrary,
});

export const batchArbitrary = (minLength: number, maxLength: number) =>
  fc.array(unchainedDecisionArbitrary, { minLength, maxLength });

/** Any value a tamperer could write into any column, of the right type or not. */
export const columnValueArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  text,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  texts,
  lawfulBasisArbitrary,
  fc.stringMatching(/^[0-9a-f]{64}$/),
  decidedAtArbitrary,
);
