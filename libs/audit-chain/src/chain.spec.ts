import fc from 'fast-check';
import { AuditChainError, GENESIS_HASH, chain, hashRecord, type UnchainedDecision } from '.';
import { batchArbitrary, unchainedDecisionArbitrary } from '../test/arbitraries';

const sample = (): UnchainedDecision => fc.sample(unchainedDecisionArbitrary, { numRuns: 1, seed: 7 })[0]!;

describe('chain', () => {
  it('starts an empty chain at seq 1 from the genesis hash', () => {
    const [first, second] = chain([sample(), sample()], null);
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    expect(first!.hash).toBe(hashRecord(first!));
    expect(second).toMatchObject({ seq: 2, prevHash: first!.hash });
  });

  it('continues from the chain head', () => {
    const [row] = chain([sample()], { seq: 41, hash: 'a'.repeat(64) });
    expect(row).toMatchObject({ seq: 42, prevHash: 'a'.repeat(64) });
  });

  it('stores only decision fields, with a missing nullable field as null', () => {
    const { purpose: _purpose, ...withoutPurpose } = sample();
    const [row] = chain([{ ...withoutPurpose, internalNote: 'x' } as unknown as UnchainedDecision], null);
    expect(row).not.toHaveProperty('internalNote');
    expect(row!.purpose).toBeNull();
  });

  it.each([
    ['decisionId', 'not-a-uuid'],
    ['decidedAt', '2026-04-01T09:30:00Z'],
    ['decidedAt', '2026-02-30T09:30:00.000Z'],
    ['decidedAt', '2026-04-01T10:30:00.000+01:00'],
    ['agreementVersion', 1.5],
    ['partition', -1],
    ['offset', 12],
    ['offset', '12.0'],
    ['outcome', 'maybe'],
    ['reasons', ['ok', 3]],
    ['lawfulBasis', { article6: 'public-task' }],
    ['eventId', 7],
  ])('refuses a decision whose %s would not round-trip through the audit table (%p)', (field, value) => {
    const decision = { ...sample(), [field]: value } as UnchainedDecision;
    expect(() => chain([decision], null)).toThrow(AuditChainError);
    expect(() => chain([decision], null)).toThrow(new RegExp(`decision 0 of the batch: ${field}`));
  });

  it('refuses a malformed head', () => {
    expect(() => chain([sample()], { seq: 1.5, hash: GENESIS_HASH })).toThrow(AuditChainError);
    expect(() => chain([sample()], { seq: 1, hash: 'ABC' })).toThrow(AuditChainError);
  });

  it('property: chaining in batches equals chaining everything at once', () => {
    fc.assert(
      fc.property(batchArbitrary(0, 60), fc.nat(), (decisions, cut) => {
        const split = decisions.length === 0 ? 0 : cut % (decisions.length + 1);
        const first = chain(decisions.slice(0, split), null);
        const last = first.at(-1);
        const second = chain(decisions.slice(split), last ? { seq: last.seq, hash: last.hash } : null);
        expect([...first, ...second]).toEqual(chain(decisions, null));
      }),
    );
  });
});
