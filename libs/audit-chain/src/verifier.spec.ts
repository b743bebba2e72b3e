import fc from 'fast-check';
import {
  GENESIS_HASH,
  HASHED_FIELDS,
  canonicalContent,
  canonicalJson,
  chain,
  createChainVerifier,
  generateDevelopmentKeyPair,
  hashContent,
  hashRecord,
  signCheckpoint,
  verifyChain,
  type ChainedDecision,
  type Checkpoint,
  type RenderedRow,
} from '.';
import { batchArbitrary, columnValueArbitrary, unchainedDecisionArbitrary } from '../test/arbitraries';

const keys = generateDevelopmentKeyPair();
const otherKeys = generateDevelopmentKeyPair();
const SIGNED_AT = '2026-04-01T12:00:00.000Z';

/** A chain of 1–200 decisions with arbitrary field values. */
const chainArbitrary = (minLength = 1, maxLength = 200) =>
  batchArbitrary(minLength, maxLength).map((decisions) => chain(decisions, null));

/** A chain and a valid index into it. */
const chainAndIndex = (minLength = 1) =>
  chainArbitrary(minLength).chain((rows) => fc.tuple(fc.constant(rows), fc.nat(rows.length - 1)));

const copy = (rows: ChainedDecision[]): ChainedDecision[] => rows.map((row) => structuredClone(row));
const sealAt = (rows: ChainedDecision[], seq: number, key = keys.privateKey): Checkpoint =>
  signCheckpoint({ seq, hash: rows[seq - 1]!.hash, signedAt: SIGNED_AT }, key);
const verifyWithCheckpoints = (rows: ChainedDecision[], checkpoints: Checkpoint[]) =>
  verifyChain(rows, { checkpoints, publicKeys: [keys.publicKey] });

/** What a tamperer with database access but without the signing key can do: recompute every link from `from` on. */
function rehashFrom(rows: ChainedDecision[], from: number): ChainedDecision[] {
  for (let i = from; i < rows.length; i++) {
    const row = rows[i]!;
    row.seq = i + 1;
    row.prevHash = i === 0 ? GENESIS_HASH : rows[i - 1]!.hash;
    row.hash = hashRecord(row);
  }
  return rows;
}

describe('verifyChain', () => {
  it('property: any chain verifies, every row checked', () => {
    fc.assert(
      fc.property(chainArbitrary(), (rows) => {
        const last = rows.at(-1)!;
        expect(verifyChain(rows)).toEqual({ ok: true, checked: rows.length, head: { seq: last.seq, hash: last.hash }, checkpointsChecked: 0 });
      }),
    );
  });

  it('property: an edit to ANY column of ANY row (seq, prevHash and hash included) names that row', () => {
    const fields = [...HASHED_FIELDS, 'hash' as const];
    fc.assert(
      fc.property(chainAndIndex(), fc.constantFrom(...fields), columnValueArbitrary, ([rows, index], field, value) => {
        const row = rows[index] as unknown as Record<string, unknown>;
        fc.pre(canonicalJson(value) !== canonicalJson(row[field]));
        const tampered = copy(rows);
        (tampered[index] as unknown as Record<string, unknown>)[field] = value;
        const result = verifyChain(tampered);
        expect(result).toMatchObject({ ok: false, checked: index, firstBrokenSeq: index + 1 });
        expect(result.problem).toEqual(expect.any(String));
      }),
    );
  });

  it('property: deleting any row but the last names the row after the gap', () => {
    fc.assert(
      fc.property(chainAndIndex(2).filter(([rows, index]) => index < rows.length - 1), ([rows, index]) => {
        const tampered = rows.filter((_, i) => i !== index);
        expect(verifyChain(tampered)).toMatchObject({ ok: false, checked: index, firstBrokenSeq: index + 2 });
      }),
    );
  });

  it('deleting the last row leaves a valid shorter chain: only the head (or a checkpoint) shows it', () => {
    const rows = chain(fc.sample(unchainedDecisionArbitrary, 5), null);
    const result = verifyChain(rows.slice(0, -1));
    expect(result.ok).toBe(true);
    expect(result.head).not.toEqual({ seq: 5, hash: rows[4]!.hash });
    expect(verifyWithCheckpoints(rows.slice(0, -1), [sealAt(rows, 5)])).toMatchObject({ ok: false, firstBrokenSeq: 5 });
  });

  it('property: a forged row inserted before row k, even one correctly hashed and linked, names k', () => {
    fc.assert(
      fc.property(chainAndIndex(), unchainedDecisionArbitrary, fc.boolean(), ([rows, index], content, linked) => {
        const forged = linked
          ? chain([content], index === 0 ? null : { seq: index, hash: rows[index - 1]!.hash })[0]!
          : { ...content, seq: index + 1, prevHash: 'f'.repeat(64), hash: 'e'.repeat(64) };
        const tampered = [...rows.slice(0, index), forged, ...rows.slice(index)];
        expect(verifyChain(tampered)).toMatchObject({
          ok: false,
          checked: linked ? index + 1 : index,
          firstBrokenSeq: index + 1,
        });
      }),
    );
  });

  it('property: swapping the contents of two rows (each keeps its seq) names the lower seq', () => {
    fc.assert(
      fc.property(
        chainArbitrary(2).chain((rows) =>
          fc.tuple(fc.constant(rows), fc.uniqueArray(fc.nat(rows.length - 1), { minLength: 2, maxLength: 2 })),
        ),
        ([rows, [i, j]]) => {
          const [low, high] = [Math.min(i!, j!), Math.max(i!, j!)];
          const tampered = copy(rows);
          tampered[low] = { ...rows[high]!, seq: low + 1 };
          tampered[high] = { ...rows[low]!, seq: high + 1 };
          expect(verifyChain(tampered)).toMatchObject({ ok: false, checked: low, firstBrokenSeq: low + 1 });
        },
      ),
    );
  });

  it('property: rows pushed out of order (seq travelling with the row) name the row that came early', () => {
    fc.assert(
      fc.property(
        chainArbitrary(2).chain((rows) =>
          fc.tuple(fc.constant(rows), fc.uniqueArray(fc.nat(rows.length - 1), { minLength: 2, maxLength: 2 })),
        ),
        ([rows, [i, j]]) => {
          const [low, high] = [Math.min(i!, j!), Math.max(i!, j!)];
          const swapped = [...rows];
          [swapped[low], swapped[high]] = [rows[high]!, rows[low]!];
          expect(verifyChain(swapped)).toMatchObject({ ok: false, checked: low, firstBrokenSeq: high + 1 });
        },
      ),
    );
  });

  it('names an out-of-sequence first row when resuming after a checkpoint', () => {
    const rows = chain(fc.sample(unchainedDecisionArbitrary, 6), null);
    expect(verifyChain(rows.slice(3), { startAfter: { seq: 3, hash: rows[2]!.hash } })).toMatchObject({ ok: true, checked: 3 });
    expect(verifyChain(rows.slice(3), { startAfter: { seq: 3, hash: 'a'.repeat(64) } })).toMatchObject({ ok: false, firstBrokenSeq: 4 });
    expect(verifyChain(rows.slice(4), { startAfter: { seq: 3, hash: rows[2]!.hash } })).toMatchObject({ ok: false, firstBrokenSeq: 5 });
  });

  it('reports a seq that is not a number (e.g. a bigint column read as a string) at the expected seq', () => {
    const rows = copy(chain(fc.sample(unchainedDecisionArbitrary, 3), null));
    (rows[1] as unknown as { seq: string }).seq = '2';
    expect(verifyChain(rows)).toMatchObject({ ok: false, firstBrokenSeq: 2, problem: expect.stringMatching(/not an integer/) });
  });
});

describe('verifyChain with checkpoints', () => {
  const chainWithCheckpoints = chainArbitrary(1, 120).chain((rows) =>
    fc.tuple(fc.constant(rows), fc.uniqueArray(fc.integer({ min: 1, max: rows.length }), { maxLength: 5 })),
  );

  it('property: correctly signed checkpoints over an intact chain verify', () => {
    fc.assert(
      fc.property(chainWithCheckpoints, ([rows, seqs]) => {
        const checkpoints = seqs.sort((a, b) => a - b).map((seq) => sealAt(rows, seq));
        expect(verifyWithCheckpoints(rows, checkpoints)).toMatchObject({
          ok: true,
          checked: rows.length,
          checkpointsChecked: checkpoints.length,
        });
      }),
    );
  });

  it('property: a rewrite that recomputes every hash from row k on is caught by the first checkpoint at or after k', () => {
    fc.assert(
      fc.property(
        chainWithCheckpoints.chain(([rows, seqs]) =>
          fc.tuple(fc.constant(rows), fc.constant(seqs), fc.nat(rows.length - 1), fc.string({ minLength: 1 })),
        ),
        ([rows, seqs, index, reason]) => {
          const checkpoints = seqs.sort((a, b) => a - b).map((seq) => sealAt(rows, seq));
          const tampered = copy(rows);
          tampered[index]!.reasons = [...tampered[index]!.reasons, reason];
          rehashFrom(tampered, index);
          const catching = checkpoints.find((checkpoint) => checkpoint.seq >= index + 1);
          const result = verifyWithCheckpoints(tampered, checkpoints);
          if (catching) expect(result).toMatchObject({ ok: false, firstBrokenSeq: catching.seq });
          // After the last checkpoint a full rewrite is only visible against the chain-head row.
          else expect(result.ok).toBe(true);
        },
      ),
    );
  });

  it('property: a checkpoint with a bad signature (other key or any changed field) names its seq', () => {
    const change = fc.constantFrom('otherKey', 'signature', 'signedAt', 'keyId', 'hash');
    fc.assert(
      fc.property(chainAndIndex(), change, ([rows, index], how) => {
        const seq = index + 1;
        const good = sealAt(rows, seq);
        const bad: Checkpoint =
          how === 'otherKey'
            ? sealAt(rows, seq, otherKeys.privateKey)
            : how === 'signature'
              ? { ...good, signature: sealAt(rows, seq, otherKeys.privateKey).signature }
              : how === 'signedAt'
                ? { ...good, signedAt: '2026-04-01T12:00:00.001Z' }
                : how === 'keyId'
                  ? { ...good, keyId: otherKeys.keyId }
                  : { ...good, hash: 'a'.repeat(64) };
        expect(verifyWithCheckpoints(rows, [bad])).toMatchObject({ ok: false, checked: index, firstBrokenSeq: seq });
      }),
    );
  });

  it('property: an edited row before a checkpoint is named by the row, not the checkpoint', () => {
    fc.assert(
      fc.property(chainAndIndex(), ([rows, index]) => {
        const tampered = copy(rows);
        tampered[index]!.outcome = tampered[index]!.outcome === 'shared' ? 'withheld' : 'shared';
        expect(verifyWithCheckpoints(tampered, [sealAt(rows, rows.length)])).toMatchObject({
          ok: false,
          firstBrokenSeq: index + 1,
        });
      }),
    );
  });

  it('property: truncating the tail below a checkpoint names the first missing seq', () => {
    fc.assert(
      fc.property(chainAndIndex(2), ([rows, keep]) => {
        const result = verifyWithCheckpoints(rows.slice(0, keep), [sealAt(rows, rows.length)]);
        expect(result).toMatchObject({ ok: false, checked: keep, firstBrokenSeq: keep + 1 });
      }),
    );
  });

  it('a checkpoint sealing a deleted row is named instead of the row after the gap', () => {
    const rows = chain(fc.sample(unchainedDecisionArbitrary, 8), null);
    const tampered = rows.filter((row) => row.seq !== 4 && row.seq !== 5);
    expect(verifyWithCheckpoints(tampered, [sealAt(rows, 5)])).toMatchObject({ ok: false, firstBrokenSeq: 5 });
    expect(verifyChain(tampered)).toMatchObject({ ok: false, firstBrokenSeq: 6 });
  });

  it('resumes after a purged prefix from its checkpoint and rejects a startAfter the checkpoint contradicts', () => {
    const rows = chain(fc.sample(unchainedDecisionArbitrary, 10), null);
    const checkpoints = [sealAt(rows, 2), sealAt(rows, 6), sealAt(rows, 10)];
    const kept = rows.slice(6);
    const startAfter = { seq: 6, hash: rows[5]!.hash };
    expect(verifyChain(kept, { startAfter, checkpoints, publicKeys: [keys.publicKey] })).toMatchObject({
      ok: true,
      checked: 4,
      checkpointsChecked: 3,
    });
    const wrongStart = { seq: 6, hash: 'b'.repeat(64) };
    expect(verifyChain(kept, { startAfter: wrongStart, checkpoints, publicKeys: [keys.publicKey] })).toMatchObject({
      ok: false,
      firstBrokenSeq: 6,
    });
  });

  it('accepts checkpoints signed by any of several keys (rotation)', () => {
    const rows = chain(fc.sample(unchainedDecisionArbitrary, 4), null);
    const checkpoints = [sealAt(rows, 2, otherKeys.privateKey), sealAt(rows, 4)];
    expect(verifyChain(rows, { checkpoints, publicKeys: [keys.publicKeyPem, otherKeys.publicKey] }).ok).toBe(true);
  });
});

describe('streaming', () => {
  it('verifies 100k rows pushed one batch at a time without keeping them', () => {
    const template = fc.sample(unchainedDecisionArbitrary, { numRuns: 1, seed: 1 })[0]!;
    const verifier = createChainVerifier();
    let head: { seq: number; hash: string } | null = null;
    for (let batch = 0; batch < 200; batch++) {
      const rows = chain(Array.from({ length: 500 }, () => template), head);
      for (const row of rows) verifier.push(row);
      const last = rows.at(-1)!;
      head = { seq: last.seq, hash: last.hash };
    }
    expect(verifier.result()).toMatchObject({ ok: true, checked: 100_000, head });
  });
});

describe('pushRendered (rows whose canonical content the reader wrote out)', () => {
  const rendered = (row: ChainedDecision, content: string | null = canonicalContent(row)): RenderedRow => ({
    seq: row.seq,
    prevHash: row.prevHash,
    hash: row.hash,
    content,
  });

  it('property: reaches the same verdict as push, for intact and tampered chains alike', () => {
    fc.assert(
      fc.property(chainAndIndex(), fc.constantFrom(...HASHED_FIELDS), columnValueArbitrary, fc.boolean(), ([rows, index], field, value, tamper) => {
        const stored = copy(rows);
        if (tamper) (stored[index] as unknown as Record<string, unknown>)[field] = value;
        const byRow = createChainVerifier();
        const byContent = createChainVerifier();
        for (const row of stored) {
          let content: string | null;
          try {
            content = canonicalContent(row);
          } catch {
            content = null; // a value no reader could render
          }
          const pushed = byRow.push(row);
          expect(byContent.pushRendered(rendered(row, content))).toBe(pushed);
          if (!pushed) break;
        }
        expect(byContent.result()).toEqual(byRow.result());
      }),
    );
  });

  it('fails a row whose content is not the canonical content of its columns, or could not be rendered', () => {
    const rows = chain(fc.sample(unchainedDecisionArbitrary, 2), null);
    const notCanonical = canonicalContent(rows[1]!).replace('{"agreementId":', '{ "agreementId":');
    for (const content of [notCanonical, null]) {
      const verifier = createChainVerifier();
      expect(verifier.pushRendered(rendered(rows[0]!))).toBe(true);
      expect(verifier.pushRendered(rendered(rows[1]!, content))).toBe(false);
      expect(verifier.result()).toMatchObject({ ok: false, checked: 1, firstBrokenSeq: 2, problem: 'the row at seq 2 does not match its hash: a column was edited' });
    }
  });

  it("takes a reader's hash of the content in place of the content, and fails the row when it is not the row's hash", () => {
    const rows = chain(fc.sample(unchainedDecisionArbitrary, 2), null);
    const hashedBy = (row: ChainedDecision, contentHash: string | null): RenderedRow => ({ ...rendered(row, null), contentHash });
    const intact = createChainVerifier();
    for (const row of rows) expect(intact.pushRendered(hashedBy(row, hashContent(row.prevHash, canonicalContent(row))))).toBe(true);
    expect(intact.result()).toMatchObject({ ok: true, checked: 2 });
    // The hash stands for the content: a content beside it is not read.
    const otherContent = createChainVerifier();
    expect(otherContent.pushRendered({ ...rendered(rows[0]!, 'not the content'), contentHash: rows[0]!.hash })).toBe(true);
    for (const contentHash of [hashContent(rows[1]!.prevHash, canonicalContent(rows[0]!)), null]) {
      const verifier = createChainVerifier();
      expect(verifier.pushRendered(hashedBy(rows[0]!, rows[0]!.hash))).toBe(true);
      expect(verifier.pushRendered({ ...rendered(rows[1]!), contentHash })).toBe(false);
      expect(verifier.result()).toMatchObject({ ok: false, checked: 1, firstBrokenSeq: 2, problem: 'the row at seq 2 does not match its hash: a column was edited' });
    }
  });
});
