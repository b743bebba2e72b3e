import fc from 'fast-check';
import {
  AuditChainError,
  GENESIS_HASH,
  HASHED_FIELDS,
  canonicalContent,
  canonicalJson,
  chainPartition,
  createChainVerifier,
  generateDevelopmentKeyPair,
  hashRecord,
  signCheckpoint,
  verifyChain,
  type ChainedDecision,
  type Checkpoint,
  type RenderedRow,
  type UnchainedDecision,
} from '.';
import { columnValueArbitrary, unchainedDecisionArbitrary } from '../test/arbitraries';
import {
  CHAINS,
  LoadedCheckpoints,
  SIGNED_AT,
  chainKeyOf,
  chainSuccessor,
  copyRows,
  lastRowsOfChains,
  partitionLogArbitrary,
  rehashFrom,
  sampleLog,
  sealHeads,
  sealRow,
  type PartitionLog,
} from '../test/partition-log';

const keys = generateDevelopmentKeyPair();
const otherKeys = generateDevelopmentKeyPair();
const publicKeys = [keys.publicKey];

const verifyLog = (log: PartitionLog, rows: ChainedDecision[] = log.rows, checkpoints?: Checkpoint[]) =>
  verifyChain(rows, { partitionChainsAfter: log.boundary, ...(checkpoints ? { checkpoints, publicKeys } : {}) });

const headOf = (row: ChainedDecision | undefined) => (row ? { seq: row.seq, hash: row.hash } : null);

/**
 * `count` forged rows with valid hashes, linked into chain `chainIndex` of `log` just before
 * its row `position` (modulo the chain's length) at unused seqs (the `pick`-th run of free seqs there), merged into the
 * rows in seq order; undefined when that stretch has too few free seqs.
 */
function forge(log: PartitionLog, chainIndex: number, position: number, count: number, pick: number, decisions: readonly UnchainedDecision[]) {
  const key = chainKeyOf(CHAINS[chainIndex]!);
  const chainRows = log.rows.filter((row) => row.seq > log.boundary && chainKeyOf(row) === key);
  if (chainRows.length === 0) return undefined;
  const at = position % chainRows.length;
  const genuine = chainRows[at]!;
  const anchor = at === 0 ? log.root : { seq: chainRows[at - 1]!.seq, hash: chainRows[at - 1]!.hash };
  const used = new Set(log.rows.map((row) => row.seq));
  const free: number[] = [];
  for (let seq = Math.max(anchor.seq, log.boundary) + 1; seq < genuine.seq; seq++) if (!used.has(seq)) free.push(seq);
  if (free.length < count) return undefined;
  const from = pick % (free.length - count + 1);
  const seqs = free.slice(from, from + count);
  const forged = chainPartition(
    decisions.slice(0, count).map((decision) => ({ ...decision, ...CHAINS[chainIndex]! })),
    anchor,
    seqs,
  );
  const rows = [...log.rows, ...forged].sort((a, b) => a.seq - b.seq);
  return { rows, first: seqs[0]!, checked: log.rows.filter((row) => row.seq < seqs[0]!).length };
}

/** The problem a deleted partition row leaves at its chain's next row. */
function linkProblem(log: PartitionLog, deletedIndex: number, successorSeq: number): string {
  const deleted = log.rows[deletedIndex]!;
  const before = log.rows.slice(0, deletedIndex).filter((row) => row.seq > log.boundary && chainKeyOf(row) === chainKeyOf(deleted)).at(-1);
  if (before === undefined) {
    const root = log.boundary === 0 ? 'the genesis hash' : `the hash of seq ${log.boundary}`;
    return `seq ${successorSeq}: prevHash is not the root hash (${root}): a row was inserted, replaced or removed`;
  }
  return `seq ${successorSeq}: prevHash is not the hash of the previous row of its partition chain (seq ${before.seq}): a row was inserted, replaced or removed`;
}


/** One tampering of a log: an edit of one field, a deletion, or up to three forged rows with valid hashes in one chain. */
const tamperingArbitrary = fc.oneof(
  fc.record({ kind: fc.constant('edit' as const), field: fc.constantFrom(...HASHED_FIELDS.filter((field) => field !== 'seq'), 'hash' as const), value: columnValueArbitrary }),
  fc.record({ kind: fc.constant('delete' as const) }),
  fc.record({
    kind: fc.constant('insert' as const),
    chain: fc.nat(CHAINS.length - 1),
    count: fc.integer({ min: 1, max: 3 }),
    pick: fc.nat(),
    decisions: fc.array(unchainedDecisionArbitrary, { minLength: 3, maxLength: 3 }),
  }),
);

type Tampering = typeof tamperingArbitrary extends fc.Arbitrary<infer T> ? T : never;

/**
 * The rows after an edit of row `index` or a forged insertion there, and what verification
 * must report (checkpoints move neither); skips the case (fc.pre) when the edit changes
 * nothing or no forgery fits there.
 */
function editedOrForged(
  log: PartitionLog,
  index: number,
  how: Exclude<Tampering, { kind: 'delete' }>,
): { rows: ChainedDecision[]; expected: { firstBrokenSeq: number; checked: number } } {
  if (how.kind === 'edit') {
    fc.pre(canonicalJson(how.value) !== canonicalJson((log.rows[index] as unknown as Record<string, unknown>)[how.field]));
    const rows = copyRows(log.rows);
    (rows[index] as unknown as Record<string, unknown>)[how.field] = how.value;
    return { rows, expected: { firstBrokenSeq: log.rows[index]!.seq, checked: index } };
  }
  const forgery = forge(log, how.chain, index, how.count, how.pick, how.decisions);
  fc.pre(forgery !== undefined);
  return { rows: forgery!.rows, expected: { firstBrokenSeq: forgery!.first, checked: forgery!.checked } };
}

describe('verifyChain with partition chains', () => {
  it('property: an intact log verifies, every row checked, each chain listed with its last row', () => {
    fc.assert(
      fc.property(partitionLogArbitrary(), (log) => {
        expect(verifyLog(log)).toEqual({
          ok: true,
          checked: log.rows.length,
          head: headOf(log.rows.at(-1)),
          checkpointsChecked: 0,
          chains: lastRowsOfChains(log.rows, log.boundary),
        });
      }),
    );
  });

  it('verifies a log with B = 0, whose every chain starts from the genesis hash, and one with a single-chain prefix', () => {
    const fresh = sampleLog(0, [0, 1, 0, 3, 1, 0], [0, 2, 0, 1, 0, 0]);
    expect(fresh.rows.map((row) => row.seq)).toEqual([1, 4, 5, 7, 8, 9]);
    expect(fresh.rows.filter((row) => row.prevHash === GENESIS_HASH)).toHaveLength(3);
    expect(verifyLog(fresh)).toMatchObject({ ok: true, checked: 6 });
    const switched = sampleLog(4, [2, 2, 4], [3, 0, 1]);
    expect(switched.rows[4]).toMatchObject({ seq: 8, prevHash: switched.rows[3]!.hash });
    expect(verifyLog(switched)).toMatchObject({ ok: true, checked: 7, chains: lastRowsOfChains(switched.rows, 4) });
  });

  it('keeps the single-chain rules without partitionChainsAfter: a partition log is then broken at the first gap or link', () => {
    const log = sampleLog(3, [0, 1, 0], [1, 0, 0]);
    expect(verifyChain(log.rows)).toMatchObject({ ok: false, checked: 3, firstBrokenSeq: 5 });
    expect(verifyChain(log.rows)).not.toHaveProperty('chains');
  });

  it('pushRendered reaches the same verdicts given each row\'s topic and partition; without them the row has no chain', () => {
    const log = sampleLog(2, [0, 1, 0, 1], [1, 0, 2, 0]);
    const rendered = (row: ChainedDecision): RenderedRow => ({
      seq: row.seq,
      prevHash: row.prevHash,
      hash: row.hash,
      content: canonicalContent(row),
      topic: row.topic,
      partition: row.partition,
    });
    const byContent = createChainVerifier({ partitionChainsAfter: 2 });
    for (const row of log.rows) expect(byContent.pushRendered(rendered(row))).toBe(true);
    expect(byContent.result()).toEqual(verifyLog(log));

    const unplaced = createChainVerifier({ partitionChainsAfter: 2 });
    for (const row of log.rows.slice(0, 2)) unplaced.pushRendered({ ...rendered(row), topic: undefined, partition: undefined });
    const { topic: _topic, ...withoutTopic } = rendered(log.rows[2]!);
    expect(unplaced.pushRendered(withoutTopic)).toBe(false);
    expect(unplaced.result()).toMatchObject({
      ok: false,
      checked: 2,
      firstBrokenSeq: log.rows[2]!.seq,
      problem: `seq ${log.rows[2]!.seq} cannot be placed in a partition chain: its topic or partition is missing or malformed`,
    });
  });

  it('property: an edit to ANY column of ANY row names that row (a partition row by the seq it now holds)', () => {
    const fields = [...HASHED_FIELDS, 'hash' as const];
    fc.assert(
      fc.property(
        partitionLogArbitrary().chain((log) => fc.tuple(fc.constant(log), fc.nat(log.rows.length - 1))),
        fc.constantFrom(...fields),
        columnValueArbitrary,
        ([log, index], field, value) => {
          const row = log.rows[index] as unknown as Record<string, unknown>;
          fc.pre(canonicalJson(value) !== canonicalJson(row[field]));
          const tampered = copyRows(log.rows);
          (tampered[index] as unknown as Record<string, unknown>)[field] = value;
          const seq = log.rows[index]!.seq;
          // After the boundary seqs have gaps, so an edited seq cannot be told from a real one: the row is named as it stands.
          const named =
            field !== 'seq' || seq <= log.boundary
              ? seq
              : Number.isSafeInteger(value)
                ? (value as number)
                : (index === 0 ? 0 : log.rows[index - 1]!.seq) + 1;
          const result = verifyLog(log, tampered);
          expect(result).toMatchObject({ ok: false, checked: index, firstBrokenSeq: named });
          expect(result.problem).toEqual(expect.any(String));
        },
      ),
    );
  });

  it('property: deleting a row names the next row of its chain; a chain\'s last row is missed, and `chains` shows it', () => {
    fc.assert(
      fc.property(
        partitionLogArbitrary().chain((log) => fc.tuple(fc.constant(log), fc.nat(log.rows.length - 1))),
        ([log, index]) => {
          const deleted = log.rows[index]!;
          const tampered = log.rows.filter((_, i) => i !== index);
          const result = verifyLog(log, tampered);
          if (deleted.seq < log.boundary) {
            expect(result).toMatchObject({ ok: false, checked: index, firstBrokenSeq: deleted.seq + 1 });
          } else if (deleted.seq === log.boundary) {
            // Row B is the root: the first row after it names the gap.
            expect(result).toMatchObject({ ok: false, checked: index, firstBrokenSeq: log.rows[index + 1]!.seq });
          } else {
            const successor = chainSuccessor(log.rows, index);
            if (successor >= 0) {
              expect(result).toMatchObject({ ok: false, checked: successor - 1, firstBrokenSeq: log.rows[successor]!.seq });
              expect(result.problem).toBe(linkProblem(log, index, log.rows[successor]!.seq));
            } else {
              expect(result.ok).toBe(true);
              expect(result.chains).not.toEqual(lastRowsOfChains(log.rows, log.boundary));
              expect(result.chains).toEqual(lastRowsOfChains(tampered, log.boundary));
            }
          }
        },
      ),
    );
  });

  it('property: 1-3 forged rows with valid hashes linked into a chain name the first of them; checked counts the rows before it', () => {
    fc.assert(
      fc.property(
        partitionLogArbitrary({ maxGap: 3 }),
        fc.nat(CHAINS.length - 1),
        fc.nat(40),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        fc.array(unchainedDecisionArbitrary, { minLength: 3, maxLength: 3 }),
        (log, chainIndex, position, count, pick, decisions) => {
          const forgery = forge(log, chainIndex, position, count, pick, decisions);
          fc.pre(forgery !== undefined);
          const result = verifyLog(log, forgery!.rows);
          expect(result).toMatchObject({ ok: false, checked: forgery!.checked, firstBrokenSeq: forgery!.first });
          // Head and chains are taken back to the rows before the first forged one.
          const before = forgery!.rows.filter((row) => row.seq < forgery!.first);
          expect(result.head).toEqual(headOf(before.at(-1)));
          expect(result.chains).toEqual(lastRowsOfChains(before, log.boundary));
        },
      ),
    );
  });

  it('names three consecutive forged rows by the first, saying which row they were inserted after', () => {
    const log = sampleLog(2, [0, 1, 0, 1, 0], [0, 0, 5, 0, 0]);
    // Seqs 1-2 | 3 (chain 0), 4 (chain 1), 10 (chain 0), 11 (chain 1), 12 (chain 0): seqs 5-9 are free.
    const forgery = forge(log, 0, 1, 3, 1, fc.sample(unchainedDecisionArbitrary, { numRuns: 3, seed: 5 }))!;
    expect(forgery.rows.map((row) => row.seq)).toEqual([1, 2, 3, 4, 6, 7, 8, 10, 11, 12]);
    expect(verifyLog(log, forgery.rows)).toMatchObject({
      ok: false,
      checked: 4,
      firstBrokenSeq: 6,
      head: { seq: 4, hash: log.rows[3]!.hash },
      problem: 'seq 10 links to seq 3 of its chain: seq 6 (and 2 more) were inserted',
    });
    const first = forge(log, 0, 0, 1, 0, fc.sample(unchainedDecisionArbitrary, { numRuns: 1, seed: 5 }));
    expect(first).toBeUndefined(); // seq 3 directly follows the boundary: no free seq before it
    const beforeFirst = forge(sampleLog(2, [1, 0], [0, 2]), 0, 0, 1, 0, fc.sample(unchainedDecisionArbitrary, { numRuns: 1, seed: 5 }))!;
    expect(verifyLog(sampleLog(2, [1, 0], [0, 2]), beforeFirst.rows)).toMatchObject({
      ok: false,
      firstBrokenSeq: 4,
      problem: 'seq 6 links to the root of its chain: seq 4 was inserted',
    });
  });

  it('names a run of up to 63 forged rows exactly; a longer run names the genuine row after it', () => {
    const log = sampleLog(0, [0, 0], [0, 70]);
    const decisions = fc.sample(unchainedDecisionArbitrary, { numRuns: 64, seed: 3 });
    const run63 = forge(log, 0, 1, 63, 0, decisions)!;
    expect(verifyLog(log, run63.rows)).toMatchObject({ ok: false, checked: 1, firstBrokenSeq: 2 });
    const run64 = forge(log, 0, 1, 64, 0, decisions)!;
    expect(verifyLog(log, run64.rows)).toMatchObject({
      ok: false,
      checked: 65,
      firstBrokenSeq: 72,
      problem: 'seq 72: prevHash is not the hash of the previous row of its partition chain (seq 65): a row was inserted, replaced or removed',
    });
  });

  it('property: swapping two rows\' seqs names the lower seq', () => {
    fc.assert(
      fc.property(
        partitionLogArbitrary({ minRows: 2 }).chain((log) =>
          fc.tuple(fc.constant(log), fc.uniqueArray(fc.nat(log.rows.length - 1), { minLength: 2, maxLength: 2 })),
        ),
        ([log, [i, j]]) => {
          const [low, high] = [Math.min(i!, j!), Math.max(i!, j!)];
          const tampered = copyRows(log.rows);
          tampered[low]!.seq = log.rows[high]!.seq;
          tampered[high]!.seq = log.rows[low]!.seq;
          tampered.sort((a, b) => a.seq - b.seq);
          expect(verifyLog(log, tampered)).toMatchObject({ ok: false, checked: low, firstBrokenSeq: log.rows[low]!.seq });
        },
      ),
    );
  });

  it('fails a row moved to another chain, whether or not its hash was recomputed', () => {
    const log = sampleLog(1, [0, 1, 0, 1, 0], [0, 1, 0, 1, 0]);
    // Seqs 1 | 2 (chain 0), 4 (chain 1), 5 (chain 0), 7 (chain 1), 8 (chain 0): seq 5 moves to chain 1.
    const moved = copyRows(log.rows);
    const index = moved.findIndex((row) => row.seq === 5);
    Object.assign(moved[index]!, CHAINS[1]);
    expect(verifyLog(log, moved)).toMatchObject({
      ok: false,
      checked: index,
      firstBrokenSeq: 5,
      problem: 'the row at seq 5 does not match its hash: a column was edited',
    });
    moved[index]!.hash = hashRecord(moved[index]!);
    expect(verifyLog(log, moved)).toMatchObject({
      ok: false,
      checked: index,
      firstBrokenSeq: 5,
      problem: 'seq 5: prevHash is not the hash of the previous row of its partition chain (seq 4): a row was inserted, replaced or removed',
    });
  });

  it('names rows missing from the single chain before the boundary, duplicates and out-of-order rows', () => {
    const log = sampleLog(4, [0, 1, 0], [2, 0, 0]);
    // Seqs 1-4, then 7, 8, 9.
    expect(verifyLog(log, log.rows.filter((row) => row.seq !== 3 && row.seq !== 4))).toMatchObject({
      ok: false,
      checked: 2,
      firstBrokenSeq: 7,
      problem: 'seq 7 follows seq 2: rows 3-4 are missing',
    });
    const duplicated = [...log.rows.slice(0, 6), log.rows[5]!, log.rows[6]!];
    expect(verifyLog(log, duplicated)).toMatchObject({
      ok: false,
      checked: 6,
      firstBrokenSeq: 8,
      problem: 'seq 8 follows seq 8: a duplicate or out-of-order row',
    });
    const early = [log.rows[0]!, log.rows[1]!, log.rows[2]!, log.rows[3]!, log.rows[5]!, log.rows[4]!, log.rows[6]!];
    expect(verifyLog(log, early)).toMatchObject({ ok: false, checked: 5, firstBrokenSeq: 7 });
    const notInteger = copyRows(log.rows);
    (notInteger[5] as unknown as { seq: string }).seq = '8';
    expect(verifyLog(log, notInteger)).toMatchObject({
      ok: false,
      checked: 5,
      firstBrokenSeq: 8,
      problem: 'the row after seq 7 has a seq that is not an integer',
    });
  });

  it('names seqs, never row content, in every problem', () => {
    const log = sampleLog(1, [3, 3], [4, 0]);
    const tampered = copyRows(log.rows);
    tampered[2]!.subjectKey = 'sk-secret-subject';
    tampered[2]!.topic = 'accord.secret-topic';
    const result = verifyLog(log, tampered);
    expect(result).toMatchObject({ ok: false, firstBrokenSeq: 7 });
    expect(result.problem).not.toMatch(/secret|accord\./);
  });

  it('property: a random single tampering (edit, deletion or forged insertion) is named where the test expects', () => {
    fc.assert(
      fc.property(
        partitionLogArbitrary({ maxGap: 3 }).chain((log) => fc.tuple(fc.constant(log), fc.nat(log.rows.length - 1), tamperingArbitrary)),
        ([log, index, how]) => {
          let rows: ChainedDecision[];
          let expected: { firstBrokenSeq: number; checked: number } | undefined;
          if (how.kind === 'delete') {
            rows = log.rows.filter((_, i) => i !== index);
            const seq = log.rows[index]!.seq;
            // The first row after a gap in the single chain; or the next row of the deleted row's partition chain.
            const namedIndex = seq <= log.boundary ? index + 1 : chainSuccessor(log.rows, index);
            expected = namedIndex > 0 && namedIndex < log.rows.length ? { firstBrokenSeq: log.rows[namedIndex]!.seq, checked: namedIndex - 1 } : undefined;
          } else ({ rows, expected } = editedOrForged(log, index, how));
          const result = verifyLog(log, rows);
          if (expected) expect(result).toMatchObject({ ok: false, ...expected });
          // Only a chain's last row can go unseen: its chain-head row then differs from `chains`.
          else expect(result).toMatchObject({ ok: true, chains: lastRowsOfChains(rows, log.boundary) });
        },
      ),
    );
  });
});

describe('partition chains with checkpoints (a v2 checkpoint is a cut)', () => {
  /** A log and the seqs to sign checkpoints after: v1 at single-chain rows, v2 cuts after the boundary. */
  const sealedLog = partitionLogArbitrary().chain((log) =>
    fc.tuple(fc.constant(log), fc.uniqueArray(fc.integer({ min: 1, max: log.rows.at(-1)!.seq }), { minLength: 1, maxLength: 5 })),
  );
  const sign = (log: PartitionLog, throughs: number[]): Checkpoint[] =>
    throughs
      .map((through) => (through <= log.boundary ? sealRow(log, through, keys.privateKey) : sealHeads(log, through, keys.privateKey)))
      .filter((checkpoint): checkpoint is Checkpoint => checkpoint !== undefined)
      .sort((a, b) => a.seq - b.seq);

  /**
   * Pushes rows as hub-api does: the checkpoints loaded through each row before it is
   * pushed (reading further throws), and `result()` taken after every row.
   */
  function verifyLoaded(log: PartitionLog, rows: readonly ChainedDecision[], checkpoints: readonly Checkpoint[]) {
    const feed = new LoadedCheckpoints(checkpoints);
    feed.loadThrough(0);
    const verifier = createChainVerifier({ partitionChainsAfter: log.boundary, checkpoints: feed, publicKeys });
    const midway: number[] = [];
    for (const row of rows) {
      feed.loadThrough(row.seq);
      const intact = verifier.push(row);
      midway.push(verifier.result().checked);
      if (!intact) break;
    }
    return { result: verifier.result(), midway, feed };
  }

  // Seqs 1-2 | 4 (chain 0), 5 (chain 1), 8 (chain 2), 9 (chain 0), 11 (chain 1), 12 (chain 2), 16 (chain 0).
  const log = sampleLog(2, [0, 1, 2, 0, 1, 2, 0], [1, 0, 2, 0, 1, 0, 3]);
  const at = (seq: number) => log.rows.find((row) => row.seq === seq)!;
  const cut9 = sealHeads(log, 9, keys.privateKey)!;
  const cut12 = sealHeads(log, 12, keys.privateKey)!;
  const cut16 = sealHeads(log, 16, keys.privateKey)!;
  const v1At2 = sealRow(log, 2, keys.privateKey);
  const without = (...seqs: number[]) => log.rows.filter((row) => !seqs.includes(row.seq));
  /** Rows of `chainIndex` forged with valid hashes after its row `after`, at `seqs`, merged into the log. */
  const forgedAfter = (chainIndex: number, after: number, seqs: number[]) => {
    const decisions = fc.sample(unchainedDecisionArbitrary, { numRuns: seqs.length, seed: 7 }).map((decision) => ({ ...decision, ...CHAINS[chainIndex]! }));
    const forged = chainPartition(decisions, { seq: after, hash: at(after).hash }, seqs);
    return [...log.rows, ...forged].sort((a, b) => a.seq - b.seq);
  };

  it('the example log and its cuts', () => {
    expect(log.rows.map((row) => row.seq)).toEqual([1, 2, 4, 5, 8, 9, 11, 12, 16]);
    expect([cut9, cut12, cut16].map((cut) => [cut.seq, cut.heads!.map((head) => head.seq)])).toEqual([
      [9, [5, 8, 9]],
      [12, [9, 11, 12]],
      [16, [11, 12, 16]],
    ]);
  });

  it('property: v1 checkpoints in the prefix and v2 cuts after it verify over an intact log, each counted once, read at most one ahead', () => {
    fc.assert(
      fc.property(sealedLog, ([log, throughs]) => {
        const checkpoints = sign(log, throughs);
        const expected = {
          ok: true,
          checked: log.rows.length,
          head: headOf(log.rows.at(-1)),
          checkpointsChecked: checkpoints.length,
          chains: lastRowsOfChains(log.rows, log.boundary),
        };
        expect(verifyLog(log, log.rows, checkpoints)).toEqual(expected);
        const { result, midway, feed } = verifyLoaded(log, log.rows, checkpoints);
        expect(result).toEqual(expected);
        expect(feed.read).toBe(checkpoints.length);
        // A verdict taken midway counts every row pushed so far, and changes nothing for the rows after it.
        expect(midway).toEqual(log.rows.map((_, i) => i + 1));
      }),
    );
  });

  it('verifies several cuts and a v1 checkpoint in the prefix; a verdict midway is the verdict of the rows so far', () => {
    const checkpoints = [v1At2, cut9, cut12, cut16];
    expect(verifyLog(log, log.rows, checkpoints)).toMatchObject({ ok: true, checked: 9, checkpointsChecked: 4 });
    const verifier = createChainVerifier({ partitionChainsAfter: 2, checkpoints, publicKeys });
    for (const row of log.rows.slice(0, 7)) verifier.push(row);
    // Through seq 11 cut 9 holds, and cut 12 is not reached: as things stand, seq 12 is missing.
    expect(verifier.result()).toMatchObject({ ok: false, checked: 7, firstBrokenSeq: 12, checkpointsChecked: 2 });
    for (const row of log.rows.slice(7)) verifier.push(row);
    expect(verifier.result()).toMatchObject({ ok: true, checked: 9, checkpointsChecked: 4 });
  });

  it('property: a rewrite that recomputes every hash from row k on is named by the first checkpoint it contradicts', () => {
    fc.assert(
      fc.property(
        sealedLog.chain(([log, throughs]) => fc.tuple(fc.constant(log), fc.constant(throughs), fc.nat(log.rows.length - 1), fc.string({ minLength: 1 }))),
        ([log, throughs, index, reason]) => {
          const checkpoints = sign(log, throughs);
          const tampered = copyRows(log.rows);
          tampered[index]!.reasons = [...tampered[index]!.reasons, reason];
          rehashFrom(tampered, log.boundary, index);
          const hashAt = new Map(tampered.map((row) => [row.seq, row.hash]));
          const root = log.boundary === 0 ? GENESIS_HASH : hashAt.get(log.boundary);
          // A v1 checkpoint names its row; a v2 one its own seq when the root changed, else its lowest head that changed.
          const named = (checkpoint: Checkpoint): number | undefined => {
            if (checkpoint.heads === undefined) return hashAt.get(checkpoint.seq) === checkpoint.hash ? undefined : checkpoint.seq;
            if (checkpoint.root!.hash !== root) return checkpoint.seq;
            const changed = checkpoint.heads.filter((head) => hashAt.get(head.seq) !== head.hash).map((head) => head.seq);
            return changed.length === 0 ? undefined : Math.min(...changed);
          };
          const expected = checkpoints.map(named).find((seq) => seq !== undefined);
          const result = verifyLog(log, tampered, checkpoints);
          if (expected !== undefined) {
            expect(result).toMatchObject({ ok: false, firstBrokenSeq: expected, checked: log.rows.filter((row) => row.seq < expected).length });
          } else {
            // After the last cut a rewrite is only visible against the chain-head rows.
            expect(result).toMatchObject({ ok: true, chains: lastRowsOfChains(tampered, log.boundary) });
          }
        },
      ),
    );
  });

  it('property: with cuts, an edit names its row, forged rows the first of them, and a deleted row the cut it is missing from or its chain successor', () => {
    fc.assert(
      fc.property(
        partitionLogArbitrary({ maxGap: 3 }).chain((log) =>
          fc.tuple(
            fc.constant(log),
            fc.uniqueArray(fc.integer({ min: 1, max: log.rows.at(-1)!.seq }), { minLength: 1, maxLength: 5 }),
            fc.integer({ min: log.boundary, max: log.rows.length - 1 }),
            tamperingArbitrary,
          ),
        ),
        ([log, throughs, index, how]) => {
          const checkpoints = sign(log, throughs);
          let rows: ChainedDecision[];
          let expected: { firstBrokenSeq: number; checked: number } | undefined;
          if (how.kind === 'delete') {
            rows = log.rows.filter((_, i) => i !== index);
            const deleted = log.rows[index]!;
            const successor = chainSuccessor(log.rows, index);
            // The first cut at or after the deleted row seals it as its chain's head unless the chain went on before the cut.
            const cut = checkpoints.find((checkpoint) => checkpoint.heads !== undefined && checkpoint.seq >= deleted.seq);
            if (cut !== undefined && (successor < 0 || cut.seq < log.rows[successor]!.seq)) expected = { firstBrokenSeq: deleted.seq, checked: index };
            else if (successor >= 0) expected = { firstBrokenSeq: log.rows[successor]!.seq, checked: successor - 1 };
            else expected = undefined;
          } else ({ rows, expected } = editedOrForged(log, index, how));
          const result = verifyLog(log, rows, checkpoints);
          if (expected) expect(result).toMatchObject({ ok: false, ...expected });
          else expect(result).toMatchObject({ ok: true, chains: lastRowsOfChains(rows, log.boundary) });
          expect(verifyLoaded(log, rows, checkpoints).result).toEqual(result);
        },
      ),
    );
  });

  it('names a row deleted from a chain\'s end before a cut by that head, with only the rows before it checked', () => {
    const checkpoints = [v1At2, cut9, cut12];
    // Seq 9 was chain 0's head at cut 9: the chain now ends at seq 4.
    expect(verifyLog(log, without(9), checkpoints)).toEqual({
      ok: false,
      checked: 5,
      firstBrokenSeq: 9,
      problem: "the checkpoint at seq 9 seals seq 9 as its partition chain's head, but the chain ends at seq 4: rows of the chain up to seq 9 were deleted",
      head: { seq: 8, hash: at(8).hash },
      checkpointsChecked: 1,
      chains: lastRowsOfChains(without(9).filter((row) => row.seq < 9), 2),
    });
    // Seq 5 was chain 1's only row at cut 9: named before the row after it, though the rows reached seq 9.
    expect(verifyLog(log, without(5), checkpoints)).toMatchObject({
      ok: false,
      checked: 3,
      firstBrokenSeq: 5,
      head: { seq: 4, hash: at(4).hash },
      problem: "the checkpoint at seq 9 seals seq 5 as its partition chain's head, but the chain has no row: rows of the chain up to seq 5 were deleted",
    });
    // Without the cut only the chain's next row shows it.
    expect(verifyLog(log, without(9))).toMatchObject({ ok: false, firstBrokenSeq: 16 });
    expect(verifyLog(log, without(5))).toMatchObject({ ok: false, firstBrokenSeq: 11 });
  });

  it('names a forged row appended to a chain after the cut, with a seq below the cut\'s', () => {
    // Chain 1's head at cut 16 is seq 11; forged rows 13 (and 14) follow it with valid hashes, and no genuine row comes after.
    const one = forgedAfter(1, 11, [13]);
    expect(verifyLog(log, one)).toMatchObject({ ok: true }); // the rows alone cannot show it
    expect(verifyLog(log, one, [cut9, cut16])).toEqual({
      ok: false,
      checked: 8,
      firstBrokenSeq: 13,
      problem: "the checkpoint at seq 16 seals seq 11 as its partition chain's head, but seq 13 follows it in the chain: rows were inserted after the checkpoint",
      head: { seq: 12, hash: at(12).hash },
      checkpointsChecked: 1,
      chains: lastRowsOfChains(log.rows.filter((row) => row.seq < 13), 2),
    });
    const two = forgedAfter(1, 11, [13, 14]);
    expect(verifyLog(log, two, [cut16])).toMatchObject({
      ok: false,
      checked: 8,
      firstBrokenSeq: 13,
      problem: "the checkpoint at seq 16 seals seq 11 as its partition chain's head, but seq 13 (and 1 more) follow it in the chain: rows were inserted after the checkpoint",
    });
    // A forged row in chain 0 after its head 9 at cut 12 is named when the rows pass seq 12, before chain 0's next row.
    expect(verifyLog(log, forgedAfter(0, 9, [10]), [cut12])).toMatchObject({ ok: false, checked: 6, firstBrokenSeq: 10, problem: expect.stringMatching(/^the checkpoint at seq 12 /) });
  });

  it('names a head whose row moved or was rewritten before rows were appended, and the last row of a chain that went on beyond its last 64', () => {
    // Row 9 (chain 0's head at cut 12) given seq 10, its hash recomputed: chain 0 has no row at seq 9.
    const moved = copyRows(log.rows).map((row) => (row.seq === 9 ? { ...row, seq: 10 } : row));
    moved.find((row) => row.seq === 10)!.hash = hashRecord(moved.find((row) => row.seq === 10)!);
    expect(verifyLog(log, moved, [cut12])).toMatchObject({
      ok: false,
      checked: 5,
      firstBrokenSeq: 9,
      problem: "the checkpoint at seq 12 seals seq 9 as its partition chain's head, but the chain has no row at seq 9: a row was deleted, replaced or moved",
    });
    // Row 9 rewritten (hashes recomputed) and a row appended after it: the rewrite is the lower seq.
    const rewritten = rehashFrom(copyRows(log.rows).map((row) => (row.seq === 9 ? { ...row, reasons: ['rewritten'] } : row)), 2, 5);
    const appended = chainPartition([{ ...fc.sample(unchainedDecisionArbitrary, { numRuns: 1, seed: 2 })[0]!, ...CHAINS[0] }], { seq: 9, hash: rewritten[5]!.hash }, [10]);
    expect(verifyLog(log, [...rewritten, ...appended].sort((a, b) => a.seq - b.seq), [cut12])).toMatchObject({
      ok: false,
      checked: 5,
      firstBrokenSeq: 9,
      problem: 'the checkpoint at seq 12 seals a different hash at seq 9: rows of its partition chain up to it were rewritten',
    });
    // 70 rows forged after chain 0's head (seq 1) below the cut at 82: the head is no longer among the chain's last 64.
    const long = sampleLog(0, [0, 1], [0, 80]);
    const cut = sealHeads(long, 82, keys.privateKey)!;
    const decisions = fc.sample(unchainedDecisionArbitrary, { numRuns: 70, seed: 4 }).map((decision) => ({ ...decision, ...CHAINS[0] }));
    const forged = chainPartition(decisions, { seq: 1, hash: long.rows[0]!.hash }, Array.from({ length: 70 }, (_, i) => i + 2));
    expect(verifyLog(long, [long.rows[0]!, ...forged, long.rows[1]!], [cut])).toMatchObject({
      ok: false,
      checked: 70,
      firstBrokenSeq: 71,
      problem: "the checkpoint at seq 82 seals seq 1 as its partition chain's head, but the chain goes on to seq 71: rows were inserted after the checkpoint",
    });
  });

  it('names the first row of a chain the cut leaves out', () => {
    const leftOut = signCheckpoint({ root: log.root, heads: cut12.heads!.filter((head) => head.seq !== 11), signedAt: SIGNED_AT }, keys.privateKey);
    expect(leftOut.seq).toBe(12);
    expect(verifyLog(log, log.rows, [leftOut])).toMatchObject({
      ok: false,
      checked: 3,
      firstBrokenSeq: 5,
      head: { seq: 4, hash: at(4).hash },
      problem: 'seq 5 is the first row of a partition chain the checkpoint at seq 12 does not seal: the chain was not there when it was signed',
    });
  });

  it('names a cut with a bad signature or another root by its seq', () => {
    const byOther = sealHeads(log, 12, otherKeys.privateKey)!;
    expect(verifyLog(log, log.rows, [v1At2, cut9, byOther])).toEqual({
      ok: false,
      checked: 7,
      firstBrokenSeq: 12,
      problem: `the checkpoint at seq 12 (key ${otherKeys.keyId}) has an invalid signature`,
      head: { seq: 11, hash: at(11).hash },
      checkpointsChecked: 2,
      chains: lastRowsOfChains(log.rows.filter((row) => row.seq < 12), 2),
    });
    const edited: Checkpoint = { ...cut12, heads: cut12.heads!.map((head) => (head.seq === 11 ? { ...head, hash: at(5).hash } : head)) };
    expect(verifyLog(log, log.rows, [edited])).toMatchObject({ ok: false, firstBrokenSeq: 12, problem: expect.stringMatching(/invalid signature/) });

    const otherRoot = signCheckpoint({ root: { seq: 2, hash: 'e'.repeat(64) }, heads: cut12.heads!, signedAt: SIGNED_AT }, keys.privateKey);
    expect(verifyLog(log, log.rows, [otherRoot])).toMatchObject({
      ok: false,
      checked: 7,
      firstBrokenSeq: 12,
      problem: 'the checkpoint at seq 12 seals a different root (seq 2): rows up to it were rewritten',
    });
    const otherBoundary = signCheckpoint({ root: { seq: 1, hash: at(1).hash }, heads: cut12.heads!, signedAt: SIGNED_AT }, keys.privateKey);
    expect(verifyLog(log, log.rows, [otherBoundary])).toMatchObject({
      ok: false,
      firstBrokenSeq: 12,
      problem: 'the checkpoint at seq 12 roots the partition chains at seq 1, not at seq 2',
    });
  });

  it('names the lowest head a cut beyond the last row does not reach (rows deleted from the end)', () => {
    expect(verifyLog(log, log.rows.filter((row) => row.seq < 8), [v1At2, cut9])).toMatchObject({
      ok: false,
      checked: 4,
      firstBrokenSeq: 8,
      checkpointsChecked: 1,
      problem: "the checkpoint at seq 9 seals seq 8 as its partition chain's head, but the chain has no row: rows of the chain up to seq 8 were deleted",
    });
    // Chain 1 stands at its head (11); chains 2 and 0 end below theirs (12, 16): the lower is named.
    expect(verifyLog(log, log.rows.filter((row) => row.seq <= 11), [cut16])).toMatchObject({
      ok: false,
      checked: 7,
      firstBrokenSeq: 12,
      problem: "the checkpoint at seq 16 seals seq 12 as its partition chain's head, but the chain ends at seq 8: rows of the chain up to seq 12 were deleted",
    });
  });

  it('checks a v1 checkpoint after the boundary against its one row, also beside a cut at the same seq', () => {
    const v1At9 = sealRow(log, 9, keys.privateKey);
    for (const checkpoints of [[cut9, v1At9], [v1At9, cut9]]) {
      expect(verifyLog(log, log.rows, checkpoints)).toMatchObject({ ok: true, checkpointsChecked: 2 });
      const rewritten = rehashFrom(copyRows(log.rows).map((row) => (row.seq === 9 ? { ...row, reasons: ['rewritten'] } : row)), 2, 5);
      expect(verifyLog(log, rewritten, checkpoints)).toMatchObject({ ok: false, checked: 5, firstBrokenSeq: 9 });
    }
    expect(verifyLog(log, without(9), [v1At9])).toMatchObject({
      ok: false,
      checked: 5,
      firstBrokenSeq: 9,
      problem: 'seq 9 is sealed by a checkpoint but missing: a row was deleted',
    });
    expect(verifyLog(log, log.rows.filter((row) => row.seq < 9), [v1At9])).toMatchObject({
      ok: false,
      checked: 5,
      firstBrokenSeq: 9,
      problem: 'a checkpoint seals seq 9 but the rows end at seq 8: rows were deleted from the end',
    });
  });

  it('reads checkpoints lazily: one at the start, then never more than one beyond the rows', () => {
    const checkpoints = [v1At2, cut9, cut12, cut16];
    const feed = new LoadedCheckpoints(checkpoints);
    feed.loadThrough(0);
    const verifier = createChainVerifier({ partitionChainsAfter: 2, checkpoints: feed, publicKeys });
    expect(feed.read).toBe(1);
    for (const row of log.rows) {
      feed.loadThrough(row.seq);
      expect(verifier.push(row)).toBe(true);
      expect(feed.read).toBeLessThanOrEqual(checkpoints.filter((checkpoint) => checkpoint.seq <= row.seq).length + 1);
    }
    expect(verifier.result()).toMatchObject({ ok: true, checkpointsChecked: 4 });
    // Flattening the checkpoints up front would have read past what was loaded.
    const early = new LoadedCheckpoints(checkpoints);
    early.loadThrough(0);
    expect(() => [...early]).toThrow(/read past what was loaded/);
  });

  it('names a checkpoint with an invalid seq after the last row before it, whether the rows pass it or end', () => {
    const invalid = { ...cut12, seq: Number.NaN };
    const expected = { ok: false, firstBrokenSeq: 10, checkpointsChecked: 1, problem: 'a checkpoint after seq 9 has an invalid seq' };
    expect(verifyLog(log, log.rows, [cut9, invalid])).toMatchObject({ ...expected, checked: 6 });
    expect(verifyLog(log, log.rows.filter((row) => row.seq <= 9), [cut9, invalid])).toMatchObject({ ...expected, checked: 6 });
  });

  it('refuses options that cannot be verified', () => {
    expect(() => verifyChain(log.rows, { checkpoints: [cut9], publicKeys })).toThrow(/v2 checkpoint/);
    expect(() => verifyChain(log.rows, { partitionChainsAfter: 2, checkpoints: [cut9] })).toThrow(/publicKeys/);
    expect(() => verifyChain(log.rows, { partitionChainsAfter: 2, checkpoints: [cut12, cut9], publicKeys })).toThrow(/sorted by seq/);
    expect(() => verifyChain(log.rows, { partitionChainsAfter: -1 })).toThrow(AuditChainError);
    expect(() => verifyChain(log.rows, { partitionChainsAfter: 2, startAfter: { seq: 4, hash: at(4).hash } })).toThrow(/root, heads/);
    expect(() => verifyChain(log.rows, { partitionChainsAfter: 1, startAfter: { root: log.root, heads: [] } })).toThrow(AuditChainError);
    const duplicateChain = { root: log.root, heads: [cut9.heads![0]!, { ...cut9.heads![0]!, seq: 20 }] };
    expect(() => verifyChain(log.rows, { startAfter: duplicateChain })).toThrow(/startAfter: heads\[1\]/);
  });
});

describe('resuming partition chains after a retention purge', () => {
  /** A log, the seq of the cut a purge went through, and the seqs of other cuts before and after it. */
  const purgedLog = partitionLogArbitrary({ minRows: 2 }).chain((log) =>
    fc.tuple(
      fc.constant(log),
      fc.integer({ min: log.boundary + 1, max: log.rows.at(-1)!.seq }),
      fc.uniqueArray(fc.integer({ min: log.boundary + 1, max: log.rows.at(-1)!.seq }), { maxLength: 4 }),
    ),
  );

  it('property: the rows after the cut a purge went through verify from its root and heads, with every checkpoint before and after it', () => {
    fc.assert(
      fc.property(purgedLog, ([log, through, others]) => {
        const start = sealHeads(log, through, keys.privateKey);
        fc.pre(start !== undefined);
        const kept = log.rows.filter((row) => row.seq > start!.seq);
        const cuts = others.map((other) => sealHeads(log, other, keys.privateKey)).filter((cut): cut is Checkpoint => cut !== undefined);
        const earlier = log.boundary > 0 ? [sealRow(log, log.boundary, keys.privateKey)] : [];
        const checkpoints = [...earlier, ...cuts, start!, sealHeads(log, log.rows.at(-1)!.seq, keys.privateKey)!].sort((a, b) => a.seq - b.seq);
        const startAfter = { root: start!.root!, heads: start!.heads! };
        const result = verifyChain(kept, { startAfter, checkpoints, publicKeys });
        expect(result).toEqual({
          ok: true,
          checked: kept.length,
          head: headOf(kept.at(-1)) ?? { seq: start!.seq, hash: start!.hash },
          checkpointsChecked: checkpoints.length,
          chains: lastRowsOfChains(log.rows, log.boundary),
        });
        expect(verifyChain(kept, { startAfter, partitionChainsAfter: log.boundary, checkpoints, publicKeys })).toEqual(result);
        // As hub-api feeds them: only the checkpoints after the start, loaded as the rows advance.
        const after = checkpoints.filter((checkpoint) => checkpoint.seq > start!.seq);
        const feed = new LoadedCheckpoints(after);
        feed.loadThrough(start!.seq);
        const verifier = createChainVerifier({ startAfter, checkpoints: feed, publicKeys });
        for (const row of kept) {
          feed.loadThrough(row.seq);
          verifier.push(row);
        }
        expect(verifier.result()).toEqual({ ...result, checkpointsChecked: after.length });
      }),
    );
  });

  // Seqs 1 | 2 (chain 0), 3 (chain 2), 4 (chain 1), 5 (chain 0), 6 (chain 1), 7 (chain 0); the purge went through the cut at 3.
  const log = sampleLog(1, [0, 2, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0]);
  const start = sealHeads(log, 3, keys.privateKey)!;
  const startAfter = { root: start.root!, heads: start.heads! };
  const kept = log.rows.filter((row) => row.seq > 3);
  const last = sealHeads(log, 7, keys.privateKey)!;

  it('checks only the signatures of checkpoints before the start, and that the one at the start is the start', () => {
    const before = [sealRow(log, 1, keys.privateKey), sealHeads(log, 2, keys.privateKey)!, start];
    expect(verifyChain(kept, { startAfter, checkpoints: [...before, last], publicKeys })).toMatchObject({ ok: true, checked: 4, checkpointsChecked: 4 });
    expect(verifyChain([], { startAfter })).toMatchObject({ ok: true, checked: 0, head: { seq: 3, hash: log.rows[2]!.hash }, chains: start.heads });

    const unsigned = sealHeads(log, 2, otherKeys.privateKey)!;
    expect(verifyChain(kept, { startAfter, checkpoints: [unsigned, start, last], publicKeys })).toMatchObject({
      ok: false,
      checked: 0,
      firstBrokenSeq: 2,
      problem: `the checkpoint at seq 2 (key ${otherKeys.keyId}) has an invalid signature`,
    });
    const wrongHead = { ...startAfter, heads: [{ ...start.heads![0]!, hash: 'b'.repeat(64) }, start.heads![1]!] };
    expect(verifyChain(kept, { startAfter: wrongHead, checkpoints: [start, last], publicKeys })).toMatchObject({
      ok: false,
      firstBrokenSeq: 2,
      problem: 'the checkpoint at seq 3, where startAfter begins, seals other partition chain heads than startAfter: they differ at seq 2',
    });
    const wrongRoot = { ...startAfter, root: { seq: 1, hash: 'c'.repeat(64) } };
    expect(verifyChain(kept, { startAfter: wrongRoot, checkpoints: [start], publicKeys })).toMatchObject({ ok: false, firstBrokenSeq: 3 });
    expect(verifyChain(kept, { startAfter: wrongHead, checkpoints: [sealRow(log, 2, keys.privateKey), sealRow(log, 3, keys.privateKey)], publicKeys })).toMatchObject({
      ok: false,
      firstBrokenSeq: 2,
      problem: 'the checkpoint at seq 2 seals a different hash: rows up to it were rewritten',
    });
  });

  it('fails a cut that leaves out a chain the start names, even one with no row since', () => {
    expect(verifyChain(kept, { startAfter, checkpoints: [last], publicKeys })).toMatchObject({ ok: true, checkpointsChecked: 1 });
    const leftOut = signCheckpoint({ root: log.root, heads: last.heads!.filter((head) => head.seq !== 3), signedAt: SIGNED_AT }, keys.privateKey);
    expect(verifyChain(kept, { startAfter, checkpoints: [leftOut], publicKeys })).toMatchObject({
      ok: false,
      checked: 3,
      firstBrokenSeq: 7,
      problem: 'the checkpoint at seq 7 does not seal the partition chain whose head startAfter gives at seq 3',
    });
  });

  it('fails a kept row at or below its chain\'s start head, and a start head the rows contradict', () => {
    expect(verifyChain(log.rows.filter((row) => row.seq >= 2), { startAfter })).toMatchObject({
      ok: false,
      checked: 0,
      firstBrokenSeq: 2,
      problem: "seq 2 is not after its partition chain's head in startAfter (seq 2): a duplicate or out-of-order row",
    });
    const wrongHead = { ...startAfter, heads: [{ ...start.heads![0]!, hash: 'b'.repeat(64) }, start.heads![1]!] };
    expect(verifyChain(kept, { startAfter: wrongHead })).toMatchObject({ ok: false, firstBrokenSeq: 5 });
  });

  it('resumes after a v1 checkpoint at or before the boundary', () => {
    const log = sampleLog(3, [0, 1, 0], [1, 0, 0]);
    const startAfter = { seq: 2, hash: log.rows[1]!.hash };
    expect(verifyChain(log.rows.slice(2), { startAfter, partitionChainsAfter: 3 })).toMatchObject({ ok: true, checked: 4 });
    expect(verifyChain(log.rows.slice(3), { startAfter: { seq: 3, hash: log.rows[2]!.hash }, partitionChainsAfter: 3 })).toMatchObject({ ok: true, checked: 3 });
  });
});
