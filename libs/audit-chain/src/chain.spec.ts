import fc from 'fast-check';
import { AuditChainError, CONTENT_FIELDS, GENESIS_HASH, chain, chainPartition, hashRecord, type UnchainedDecision } from '.';
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

  it('gives every row exactly the content fields, seq, prevHash and hash, in that order', () => {
    const [row] = chain([sample()], null);
    const [partitionRow] = chainPartition([sample()], { seq: 0, hash: GENESIS_HASH }, [1]);
    expect(Object.keys(row!)).toEqual([...CONTENT_FIELDS, 'seq', 'prevHash', 'hash']);
    expect(Object.keys(partitionRow!)).toEqual([...CONTENT_FIELDS, 'seq', 'prevHash', 'hash']);
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

describe('chainPartition', () => {
  const decisions = fc.sample(unchainedDecisionArbitrary, { numRuns: 4, seed: 7 }).map((decision) => ({ ...decision, topic: 'accord.events', partition: 3 }));
  const root = { seq: 10, hash: 'a'.repeat(64) };

  it('links one partition chain onto its head at the given seqs, gaps allowed', () => {
    const rows = chainPartition(decisions.slice(0, 3), root, [11, 14, 20]);
    expect(rows.map((row) => row.seq)).toEqual([11, 14, 20]);
    expect(rows.map((row) => row.prevHash)).toEqual([root.hash, rows[0]!.hash, rows[1]!.hash]);
    for (const row of rows) expect(row.hash).toBe(hashRecord(row));
    expect(chainPartition([], root, [])).toEqual([]);
  });

  it('property: chaining in batches equals chaining everything at once', () => {
    fc.assert(
      fc.property(
        batchArbitrary(0, 30),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 30, maxLength: 30 }),
        fc.nat(),
        (batch, steps, cut) => {
          const onePartition = batch.map((decision) => ({ ...decision, topic: 'accord.events', partition: 0 }));
          const seqs: number[] = [];
          for (let i = 0, seq = 0; i < onePartition.length; i++) seqs.push((seq += steps[i]!));
          const split = cut % (onePartition.length + 1);
          const head = { seq: 0, hash: GENESIS_HASH };
          const first = chainPartition(onePartition.slice(0, split), head, seqs.slice(0, split));
          const last = first.at(-1);
          const second = chainPartition(onePartition.slice(split), last ? { seq: last.seq, hash: last.hash } : head, seqs.slice(split));
          expect([...first, ...second]).toEqual(chainPartition(onePartition, head, seqs));
        },
      ),
    );
  });

  it.each([
    ['seqs of another length', decisions.slice(0, 2), [11], /seqs must hold exactly one seq per decision/],
    ['a first seq not after the head', decisions.slice(0, 1), [10], /seqs\[0\] must be greater than the chain head's seq \(10\)/],
    ['seqs not increasing', decisions.slice(0, 2), [12, 12], /seqs\[1\] must be greater than seqs\[0\]/],
    ['a seq that is not an integer', decisions.slice(0, 2), [11, 12.5], /seqs\[1\] must be an integer/],
    ['rows of two chains', [decisions[0]!, { ...decisions[1]!, partition: 4 }], [11, 12], /decision 1 of the batch: topic and partition/],
    ['a topic that is no Kafka topic name', [{ ...decisions[0]!, topic: 'accord events' }], [11], /decision 0 of the batch: topic must be a Kafka topic name/],
    ['a decision chain() refuses', [decisions[0]!, { ...decisions[1]!, decisionId: 'not-a-uuid' }], [11, 12], /decision 1 of the batch: decisionId/],
  ])('refuses %s', (_what, batch, seqs, message) => {
    expect(() => chainPartition(batch as UnchainedDecision[], root, seqs)).toThrow(AuditChainError);
    expect(() => chainPartition(batch as UnchainedDecision[], root, seqs)).toThrow(message);
  });

  it('refuses a malformed head', () => {
    expect(() => chainPartition(decisions.slice(0, 1), { seq: -1, hash: GENESIS_HASH }, [1])).toThrow(AuditChainError);
    expect(() => chainPartition(decisions.slice(0, 1), { seq: 1, hash: 'ABC' }, [2])).toThrow(AuditChainError);
  });
});
