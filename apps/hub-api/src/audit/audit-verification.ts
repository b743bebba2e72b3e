import type { KeyObject } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  createChainVerifier,
  hashRecord,
  verifyCheckpoint,
  type ChainHead,
  type ChainVerification,
  type ChainVerifier,
  type Checkpoint,
  type RenderedRow,
  type SealedHead,
} from '@accord/audit-chain';
import {
  chainKey,
  cutAuditLog,
  firstRowBeyondHeads,
  readCheckpointsFrom,
  readDecisionAt,
  readLatestCheckpoint,
  readLastRowsOfChains,
  readLatestPurge,
  streamRenderedRows,
  type AuditCut,
} from '@accord/persistence';
import { verifyPurge } from './audit-keys';

/*
 * Recomputes the audit chain from Postgres in constant memory: rows are read in
 * keyset-paginated chunks (by seq) and pushed through the streaming verifier of
 * `@accord/audit-chain`, with the checkpoints fed lazily alongside. Used by
 * `GET /v1/audit/verify`, by the checkpoint sealer (for the segment it is about to seal)
 * and by `npm run audit:verify` (no Nest, no HTTP).
 */

export interface AuditVerificationReport {
  ok: boolean;
  /** Rows verified intact (before the first break, if any). */
  checked: number;
  firstBrokenSeq?: number;
  /** One line for an auditor; names seqs, never row content. */
  problem?: string;
  /** The retained chain that was verified: seq `fromSeq` through `throughSeq` (the head when verification began). */
  fromSeq: number;
  throughSeq: number;
  checkpointsChecked: number;
  lastCheckpoint?: Checkpoint;
  /** Present once rows were purged under the retention policy: verification starts after this sealed point. */
  retention?: { purgedThroughSeq: number; decidedBefore: string; purgedAt: string; note: string };
  verifiedAt: string;
}

export interface VerifyOptions {
  publicKeys: readonly KeyObject[];
  /** Seqs per query. */
  chunkSize?: number;
  onProgress?: (checked: number, total: number) => void;
  /** Stops verification between ranges (it rejects with the signal's reason), e.g. when the client has gone. */
  signal?: AbortSignal;
}

const DEFAULT_CHUNK = 20_000;

/**
 * Every row is read with Postgres's SHA-256 of its content rather than the content itself
 * (`streamRenderedRows`): the content then never crosses the socket nor is decoded and
 * hashed here. Per row that took 5.9 µs of this process's CPU and now takes 1.7, for
 * about 0.5 µs more in Postgres: `audit:verify` checked 10 M rows in 69 s instead of 78
 * (bench/README.md, eighteenth run). What it trusts Postgres with: docs/audit.md.
 */
const HASHED_BY_POSTGRES = { hashInDatabase: true } as const;
const CHECKPOINT_PAGE = 1_000;

/**
 * Verifies the whole retained log: purge record, the single chain's rows (up to the root),
 * the partition chains' rows (up to a cut taken as verification begins), checkpoints, and
 * every chain's head row.
 */
export async function verifyAuditLog(manager: EntityManager, options: VerifyOptions): Promise<AuditVerificationReport> {
  const verifiedAt = new Date().toISOString();
  if (options.publicKeys.length === 0) throw new Error('no public key to verify checkpoints with');
  const purge = await readLatestPurge(manager);
  const cut = await cutAuditLog(manager);
  const { root } = cut;
  const fromSeq = (purge?.throughSeq ?? 0) + 1;
  const base = { fromSeq, throughSeq: cut.heads.at(-1)?.seq ?? root.seq, verifiedAt };
  let retention: AuditVerificationReport['retention'];
  if (purge) {
    retention = {
      purgedThroughSeq: purge.throughSeq,
      decidedBefore: purge.decidedBefore,
      purgedAt: purge.purgedAt,
      note:
        `rows 1–${purge.throughSeq} were purged under the retention policy on ${purge.purgedAt}; ` +
        `verification starts after the signed checkpoint at seq ${purge.throughSeq}`,
    };
    if (!verifyPurge(purge, options.publicKeys)) {
      return {
        ok: false,
        checked: 0,
        firstBrokenSeq: purge.throughSeq,
        problem: `the retention purge record through seq ${purge.throughSeq} has an invalid signature: rows may have been deleted without authority`,
        checkpointsChecked: 0,
        retention,
        ...base,
      };
    }
  }

  // The single chain, up to the root every partition chain starts from.
  let single: SegmentVerification = { ok: true, checked: 0, head: root, checkpointsChecked: 0 };
  if (root.seq > fromSeq - 1) {
    single = await verifySegment(manager, {
      ...options,
      startAfter: purge ? { seq: purge.throughSeq, hash: purge.hash } : undefined,
      throughSeq: root.seq,
    });
    const report = reportOf(single, base, retention);
    if (!report.ok) return explainShift(manager, report);
    const lastSeq = single.head?.seq ?? fromSeq - 1;
    if (lastSeq < root.seq) {
      return broken(report, lastSeq + 1, `the single chain ends at seq ${lastSeq} but its recorded end is seq ${root.seq}: rows ${lastSeq + 1}–${root.seq} are missing`);
    }
    if (root.seq > 0 && single.head?.hash !== root.hash) {
      return broken(report, root.seq, `the recorded end of the single chain is not the hash of the row at seq ${root.seq}: the root row was edited`);
    }
  }

  // The partition chains, from the root or from the checkpoint a purge went through.
  let start: PartitionStart = { after: root.seq, root, heads: [] };
  if (purge && purge.throughSeq > root.seq) {
    const purged = await startAfterPurge(manager, purge, options.publicKeys);
    if ('problem' in purged) return broken(reportOf(single, base, retention), purge.throughSeq, purged.problem);
    start = purged;
  }
  const partitions = await verifyPartitionChains(manager, { ...options, start, cut, checkedBefore: single.checked });
  const report = reportOf(joined(single, partitions), base, retention);
  if (partitions.ok) {
    // Rows above the cut were not read; one that no head reaches was added outside the writer all the same.
    const beyond = await firstRowBeyondHeads(manager, cut.cut);
    return beyond === null ? report : broken(report, beyond, beyondHeadProblem(beyond));
  }
  return explainShift(manager, { ...report, ok: false, firstBrokenSeq: partitions.firstBrokenSeq, problem: partitions.problem }, true);
}

function reportOf(
  verified: SegmentVerification,
  base: { fromSeq: number; throughSeq: number; verifiedAt: string },
  retention: AuditVerificationReport['retention'],
): AuditVerificationReport {
  return {
    ok: verified.ok,
    checked: verified.checked,
    ...(verified.ok ? {} : { firstBrokenSeq: verified.firstBrokenSeq, problem: verified.problem }),
    checkpointsChecked: verified.checkpointsChecked,
    ...(verified.lastCheckpoint ? { lastCheckpoint: verified.lastCheckpoint } : {}),
    ...(retention ? { retention } : {}),
    ...base,
  };
}

/** Where partition-chain verification starts: after seq `after`, each chain in `heads` from its head, any other from `root`. */
export interface PartitionStart {
  after: number;
  root: ChainHead;
  heads: SealedHead[];
}

/**
 * Where the partition chains resume after a retention purge that went beyond the root:
 * the v2 checkpoint the purge went through, once its signature verifies; or the problem
 * (to report at the purge's seq) when that checkpoint is missing or not genuine.
 */
export async function startAfterPurge(
  manager: EntityManager,
  purge: { throughSeq: number },
  publicKeys: readonly KeyObject[],
): Promise<PartitionStart | { problem: string }> {
  const sealed = await readLatestCheckpoint(manager, purge.throughSeq);
  if (sealed?.seq !== purge.throughSeq || !sealed.root || !sealed.heads || !publicKeys.some((key) => verifyCheckpoint(sealed, key))) {
    return { problem: `the checkpoint the retention purge went through (seq ${purge.throughSeq}) is missing or its signature is invalid` };
  }
  return { after: sealed.seq, root: sealed.root, heads: sealed.heads };
}

/** What a row no chain head reaches says: it did not come through the writer. */
function beyondHeadProblem(seq: number): string {
  return `seq ${seq} lies beyond the head of its partition chain: a row was added outside the writer`;
}

/**
 * Verifies the partition chains' rows after `start` through the cut, with every checkpoint
 * among them (each a cut the chains must stand at when the rows pass its seq), and then
 * each chain's head row against the rows. A row above
 * its chain's head (or of a chain with no head) at or below the cut was added outside the
 * writer: no append can commit such a row after the cut.
 *
 * Off a transaction the rows are first verified in ranges, `RANGES_IN_FLIGHT` at once
 * (see `verifyPartitionRanges`); unless every range is intact and joins the one before
 * it exactly, the verdict is that of one verifier over the rows in seq order, whose
 * memory grows with the partitions, not the rows.
 */
export async function verifyPartitionChains(
  manager: EntityManager,
  options: VerifyOptions & { start: PartitionStart; cut: AuditCut; checkedBefore?: number },
): Promise<SegmentVerification> {
  const { cut } = options;
  const headOf = new Map(cut.heads.map((head) => [chainKey(head), head]));
  // Each chain's head seq by topic and partition (undefined: the chain has none), as rows meet them: no key written per row.
  const headSeqs = new Map<string, Map<number, number | undefined>>();
  // A row pushed intact that its chain's head does not reach was added outside the writer.
  // A rendered row always has its topic and partition; one without them is one the verifier refused already.
  const isBeyond = (row: RenderedRow): boolean => {
    if (row.topic === undefined || row.partition === undefined) return true;
    let byPartition = headSeqs.get(row.topic);
    if (byPartition === undefined) headSeqs.set(row.topic, (byPartition = new Map()));
    let headSeq = byPartition.get(row.partition);
    if (headSeq === undefined && !byPartition.has(row.partition)) {
      headSeq = headOf.get(chainKey({ topic: row.topic, partition: row.partition }))?.seq;
      // A row of a chain with no head is beyond it and ends its pass: this holds the heads' chains and few more.
      byPartition.set(row.partition, headSeq);
    }
    return headSeq === undefined || row.seq > headSeq;
  };
  // Progress never goes back, should one pass over the rows follow the ranges.
  let reported = 0;
  const onProgress = options.onProgress && ((checked: number, total: number) => options.onProgress!((reported = Math.max(reported, checked)), total));
  const passOptions = { ...options, onProgress, isBeyond };
  const ranged = manager.queryRunner ? undefined : await verifyPartitionRanges(manager, passOptions);
  const { result, beyond } = ranged ? { result: ranged, beyond: undefined } : await verifyPartitionRowsInOrder(manager, passOptions);
  // After a row beyond its head no row was pushed, so a checkpoint the verifier finds unreached past it says nothing more.
  if (!result.ok && (beyond === undefined || result.firstBrokenSeq! < beyond)) return result;
  if (beyond !== undefined) {
    return { ...result, ok: false, firstBrokenSeq: beyond, problem: beyondHeadProblem(beyond) };
  }
  // The rows cannot show what was deleted from a chain's end after its last seal: its head row can.
  const ends = new Map((result.chains ?? []).map((head) => [chainKey(head), head]));
  for (const head of cut.heads) {
    // The verifier's chains include those `start` gave, whether or not a row followed.
    const end = ends.get(chainKey(head));
    if (end === undefined || end.seq < head.seq) {
      return { ...result, ok: false, firstBrokenSeq: head.seq, problem: `a partition chain's head is at seq ${head.seq} but its rows end ${end ? `at seq ${end.seq}` : 'before it starts'}: its rows after that were deleted` };
    }
    if (end.hash !== head.hash) {
      return { ...result, ok: false, firstBrokenSeq: head.seq, problem: `a partition chain's head is not the hash of the row at seq ${head.seq}: the head row was edited` };
    }
  }
  return result;
}

type PartitionPassOptions = VerifyOptions & {
  start: PartitionStart;
  cut: AuditCut;
  checkedBefore?: number;
  /** Whether an intact row lies beyond its chain's head. */
  isBeyond: (row: RenderedRow) => boolean;
};

/** One verifier over the rows in seq order, up to the first break or the first row beyond its head. */
async function verifyPartitionRowsInOrder(manager: EntityManager, options: PartitionPassOptions): Promise<{ result: SegmentVerification; beyond: number | undefined }> {
  const { start, cut } = options;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  // A v2 checkpoint is taken at a cut: when the rows pass its seq, every chain must stand exactly at its heads.
  const checkpoints = new CheckpointFeed(manager, start.after + 1, cut.cut);
  await checkpoints.loadThrough(start.after);
  const verifier = createChainVerifier({
    partitionChainsAfter: start.root.seq,
    startAfter: { root: start.root, heads: start.heads },
    checkpoints,
    publicKeys: options.publicKeys,
  });
  const total = Math.max(0, cut.cut - start.after);
  const checkedBefore = options.checkedBefore ?? 0;
  let beyond: number | undefined;
  let intact = true;
  options.onProgress?.(checkedBefore, checkedBefore + total);
  for (let from = start.after; from < cut.cut && intact && beyond === undefined; from += chunkSize) {
    options.signal?.throwIfAborted();
    const through = Math.min(from + chunkSize, cut.cut);
    await checkpoints.loadThrough(through);
    await streamRenderedRows(manager, from, through, (row) => {
      if (!intact || beyond !== undefined) return;
      intact = verifier.pushRendered(row);
      if (intact && options.isBeyond(row)) beyond = row.seq;
    }, HASHED_BY_POSTGRES);
    options.onProgress?.(checkedBefore + verifier.result().checked, checkedBefore + total);
  }
  return { result: withLastCheckpoint(verifier.result(), checkpoints), beyond };
}

/**
 * The partition chains' rows in ranges of seq, `RANGES_IN_FLIGHT` at once, each on its own
 * connection by its own verifier, so that Postgres writes rows on both cores. A range
 * starts from each chain's last row before it as stored (`readLastRowsOfChains` of the
 * ranges before it, a cheap query that runs ahead), and its verdict is taken only when
 * the ranges before it were intact and left every chain exactly there: then it is the
 * verdict one verifier over all the rows reaches, checkpoints included (each is checked by
 * the range it lies in, against the same chains). Undefined as soon as a range is not
 * that (a break, a row beyond its head, a start that did not hold): the caller then
 * verifies the rows in order, which names the first break as it always has, a run of
 * inserted rows that spans two ranges included.
 */
async function verifyPartitionRanges(manager: EntityManager, options: PartitionPassOptions): Promise<SegmentVerification | undefined> {
  const { start, cut } = options;
  const ranges = seqRanges(start.after, cut.cut, options.chunkSize ?? DEFAULT_CHUNK);
  const total = Math.max(0, cut.cut - start.after);
  const checkedBefore = options.checkedBefore ?? 0;
  options.onProgress?.(checkedBefore, checkedBefore + total);
  // Each chain's last stored row before the range launched last: the one before a range is read only once it is launched.
  let heads = Promise.resolve(new Map(start.heads.map((head) => [chainKey(head), head])));
  const { verified, stoppedAt } = await joinRangeVerdicts({
    ranges,
    inFlight: RANGES_IN_FLIGHT,
    verified: { ok: true, checked: 0, head: null, checkpointsChecked: 0, chains: start.heads },
    verify: (range, index) => {
      if (index > 0) {
        const before = ranges[index - 1]!;
        heads = heads.then(async (known) => {
          const next = new Map(known);
          for (const head of await readLastRowsOfChains(manager, before.from, before.through)) next.set(chainKey(head), head);
          return next;
        });
      }
      // A start the verifier refuses (a stored hash that is not one, say) is a range that cannot be taken.
      return heads.then((known) => verifyPartitionRange(manager, range, { root: start.root, heads: [...known.values()] }, options).catch(() => undefined));
    },
    holds: (verdict, _range, _index, before) => verdict.clean && verdict.result.ok && sameChains(verdict.startHeads, before.chains ?? []),
    onJoined: (joinedSoFar) => options.onProgress?.(checkedBefore + joinedSoFar.checked, checkedBefore + total),
    signal: options.signal,
  });
  if (stoppedAt === undefined) return verified;
  options.signal?.throwIfAborted();
  return undefined;
}

interface PartitionRangeVerdict {
  /** The chains' heads the range's verifier started from. */
  startHeads: readonly SealedHead[];
  result: SegmentVerification;
  /** Every row intact, none beyond its head. */
  clean: boolean;
}

async function verifyPartitionRange(
  manager: EntityManager,
  range: SeqRange,
  startAfter: { root: ChainHead; heads: SealedHead[] },
  options: PartitionPassOptions,
): Promise<PartitionRangeVerdict> {
  // The checkpoints the rows of this range pass; those at or before its start are the ranges' before it.
  const checkpoints = new CheckpointFeed(manager, range.from + 1, range.through);
  await checkpoints.loadThrough(range.through);
  const verifier = createChainVerifier({ partitionChainsAfter: startAfter.root.seq, startAfter, checkpoints, publicKeys: options.publicKeys });
  let clean = true;
  await streamRenderedRows(manager, range.from, range.through, (row) => {
    if (clean) clean = verifier.pushRendered(row) && !options.isBeyond(row);
  }, HASHED_BY_POSTGRES);
  return { startHeads: startAfter.heads, result: withLastCheckpoint(verifier.result(), checkpoints), clean };
}

/** Whether two sets of chain heads name the same chains at the same rows. */
function sameChains(a: readonly SealedHead[], b: readonly SealedHead[]): boolean {
  if (a.length !== b.length) return false;
  const byChain = new Map(b.map((head) => [chainKey(head), head]));
  return a.every((head) => {
    const other = byChain.get(chainKey(head));
    return other !== undefined && other.seq === head.seq && other.hash === head.hash;
  });
}

/** `(from, through]` cut into ranges of `size` seqs. */
function seqRanges(from: number, through: number, size: number): SeqRange[] {
  const ranges: SeqRange[] = [];
  for (let start = from; start < through; start += size) ranges.push({ from: start, through: Math.min(start + size, through) });
  return ranges;
}

const MAX_SHIFT = 100;

/**
 * Rows inserted with valid hashes pass until the first genuine row after them, which now
 * sits at a higher seq than it was sealed with. If the broken row hashes correctly at
 * `seq - d`, it is the original row `seq - d`: the d rows before it are the inserted ones.
 */
async function explainShift(manager: EntityManager, report: AuditVerificationReport, partitionChains = false): Promise<AuditVerificationReport> {
  const seq = report.firstBrokenSeq;
  if (seq === undefined || seq <= report.fromSeq) return report;
  const row = await readDecisionAt(manager, seq);
  if (!row) return report;
  for (let shift = 1; shift <= Math.min(MAX_SHIFT, seq - report.fromSeq); shift++) {
    let hash: string | undefined;
    try {
      hash = hashRecord({ ...row, seq: seq - shift });
    } catch {
      return report;
    }
    if (hash === row.hash) {
      const first = seq - shift;
      if (partitionChains) {
        // Seqs may skip there, so the rows before `first` are counted, and only its own chain's rows in between are forgeries.
        const [{ before, inserted }] = await manager.query(
          `SELECT (SELECT count(*)::int FROM decisions WHERE seq >= $1 AND seq < $2) AS before,
                  (SELECT array_agg(seq ORDER BY seq) FROM decisions WHERE seq >= $2 AND seq < $3 AND topic = $4 AND kafka_partition = $5) AS inserted`,
          [report.fromSeq, first, seq, row.topic, row.partition],
        );
        const forged = ((inserted as string[] | null) ?? []).map(Number);
        if (forged.length === 0 || forged[0] !== first) return report;
        return {
          ...report,
          checked: before,
          firstBrokenSeq: first,
          problem:
            `the row now at seq ${seq} was sealed as seq ${first}: ` +
            `${forged.length === 1 ? `seq ${first} is an inserted row` : `seqs ${forged.join(', ')} of its partition chain are inserted rows`}`,
        };
      }
      return {
        ...report,
        checked: Math.max(0, first - report.fromSeq),
        firstBrokenSeq: first,
        problem:
          `the row now at seq ${seq} was sealed as seq ${first}: ` +
          `${shift === 1 ? `seq ${first} is an inserted row` : `seqs ${first}–${seq - 1} are inserted rows`}`,
      };
    }
  }
  return report;
}

function broken(report: AuditVerificationReport, seq: number, problem: string): AuditVerificationReport {
  return { ...report, ok: false, firstBrokenSeq: seq, problem };
}

export interface SegmentVerification extends ChainVerification {
  lastCheckpoint?: Checkpoint;
}

/**
 * Verifies rows `startAfter.seq + 1` through `throughSeq` (from genesis without
 * `startAfter`), with every checkpoint from `startAfter.seq` through `throughSeq`.
 *
 * The rows are read in ranges of seq, each one query whose rows are hashed as they
 * arrive. Off a transaction, `RANGES_IN_FLIGHT` ranges are verified at once, each on its
 * own connection by its own verifier, so that Postgres writes rows on both cores: a range
 * starts from the hash its first seq's predecessor row holds. A range's verdict is taken
 * only when the ranges before it were intact and ended exactly where it started, which
 * makes it the verdict one verifier over all the rows would reach. At the first range
 * where that fails, one verifier goes on from the last state known exact to the end,
 * which names the first break as it always has.
 */
export async function verifySegment(
  manager: EntityManager,
  options: VerifyOptions & { startAfter?: ChainHead; throughSeq: number },
): Promise<SegmentVerification> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const start = options.startAfter?.seq ?? 0;
  const total = Math.max(0, options.throughSeq - start);
  options.onProgress?.(0, total);
  const ranges = seqRanges(start, options.throughSeq, chunkSize);
  // A transaction's manager has one connection, which takes one query at a time.
  const { verified, stoppedAt } = await joinRangeVerdicts({
    ranges,
    inFlight: manager.queryRunner ? 1 : RANGES_IN_FLIGHT,
    verified: { ok: true, checked: 0, head: options.startAfter ?? null, checkpointsChecked: 0 },
    verify: (range, index) => verifyRange(manager, range, index === 0 ? options.startAfter : undefined, options),
    // With the rows unchanged, an intact range that ends at its last seq ends where the next one started; the
    // comparison also covers rows changed between the two reads (by a retention purge, say).
    holds: (verdict, range, index, before) =>
      (index === 0 || (verdict.startAfter !== undefined && sameHead(verdict.startAfter, before.head))) &&
      verdict.result.ok &&
      verdict.result.head?.seq === range.through,
    onJoined: (joinedSoFar) => options.onProgress?.(joinedSoFar.checked, total),
    signal: options.signal,
  });
  return stoppedAt === undefined ? verified : verifySequentially(manager, stoppedAt.from, verified, options);
}

/**
 * Verifies `ranges`, `inFlight` at once, and joins their verdicts onto `verified` in
 * order while each `holds` (its start was exactly where the ranges before it ended, and
 * it is intact): the verdict one verifier over all their rows would reach. Stops at the
 * first range whose verdict is missing (undefined) or does not hold, once the ranges still
 * under way (at most `inFlight - 1`, each at most one range long) have settled, and names
 * it. `verify` is called in range order.
 */
async function joinRangeVerdicts<V extends { result: SegmentVerification }>(options: {
  ranges: readonly SeqRange[];
  inFlight: number;
  verified: SegmentVerification;
  verify: (range: SeqRange, index: number) => Promise<V | undefined>;
  holds: (verdict: V, range: SeqRange, index: number, verified: SegmentVerification) => boolean;
  onJoined: (verified: SegmentVerification) => void;
  signal?: AbortSignal;
}): Promise<{ verified: SegmentVerification; stoppedAt?: SeqRange }> {
  const { ranges } = options;
  const verdicts: Promise<V | undefined>[] = [];
  let verified = options.verified;
  for (let i = 0; i < ranges.length; i++) {
    options.signal?.throwIfAborted();
    while (verdicts.length < Math.min(i + options.inFlight, ranges.length)) {
      const verdict = options.verify(ranges[verdicts.length]!, verdicts.length);
      // A range verified ahead and then not wanted must not reject unhandled.
      verdict.catch(() => undefined);
      verdicts.push(verdict);
    }
    const range = ranges[i]!;
    const verdict = await verdicts[i]!;
    if (verdict === undefined || !options.holds(verdict, range, i, verified)) {
      await Promise.allSettled(verdicts.slice(i + 1));
      return { verified, stoppedAt: range };
    }
    verified = joined(verified, verdict.result);
    options.onJoined(verified);
  }
  return { verified };
}

const RANGES_IN_FLIGHT = 2;

interface SeqRange {
  /** Exclusive. */
  from: number;
  through: number;
}

interface RangeVerdict {
  /** Where the range's verifier started (undefined: genesis). */
  startAfter: ChainHead | undefined;
  result: SegmentVerification;
}

/**
 * One range with its own verifier. The first range of the segment starts where the
 * segment does; any other after the row at its `from` as stored, and is undefined when
 * that row cannot be a start (it is missing or its hash is not one).
 */
async function verifyRange(
  manager: EntityManager,
  range: SeqRange,
  segmentStart: ChainHead | undefined,
  options: VerifyOptions,
): Promise<RangeVerdict | undefined> {
  let startAfter = segmentStart;
  // The segment's start checkpoint is checked against its hash; later ranges begin after the checkpoint at their start.
  let checkpointsFrom = Math.max(range.from, 1);
  if (range.from > (segmentStart?.seq ?? 0)) {
    const row = await readDecisionAt(manager, range.from);
    if (!row || !HASH.test(String(row.hash))) return undefined;
    startAfter = { seq: range.from, hash: row.hash };
    checkpointsFrom = range.from + 1;
  }
  const checkpoints = new CheckpointFeed(manager, checkpointsFrom, range.through);
  await checkpoints.loadThrough(range.through);
  const verifier = createChainVerifier({ ...(startAfter ? { startAfter } : {}), checkpoints, publicKeys: options.publicKeys });
  await pushRange(manager, verifier, range.from, range.through);
  return { startAfter, result: withLastCheckpoint(verifier.result(), checkpoints) };
}

/** One verifier from `verified` (an exact state: all rows through `from` verified intact) to the end of the segment. */
async function verifySequentially(
  manager: EntityManager,
  from: number,
  verified: SegmentVerification,
  options: VerifyOptions & { startAfter?: ChainHead; throughSeq: number },
): Promise<SegmentVerification> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const startAfter = verified.head ?? undefined;
  const segmentStart = options.startAfter?.seq ?? 0;
  const total = Math.max(0, options.throughSeq - segmentStart);
  // Verified ranges already checked the checkpoint at `from`; at the segment's start it is checked against its hash.
  const checkpoints = new CheckpointFeed(manager, from > segmentStart ? from + 1 : Math.max(from, 1), options.throughSeq);
  await checkpoints.loadThrough(from);
  const verifier = createChainVerifier({ ...(startAfter ? { startAfter } : {}), checkpoints, publicKeys: options.publicKeys });
  let intact = true;
  for (let rangeFrom = from; rangeFrom < options.throughSeq && intact; rangeFrom += chunkSize) {
    options.signal?.throwIfAborted();
    const through = Math.min(rangeFrom + chunkSize, options.throughSeq);
    await checkpoints.loadThrough(through);
    intact = await pushRange(manager, verifier, rangeFrom, through);
    options.onProgress?.(verified.checked + verifier.result().checked, total);
  }
  return joined(verified, withLastCheckpoint(verifier.result(), checkpoints));
}

/** Streams the rows of `(from, through]` into `verifier`; false once it found a break (the rest of the range is read and ignored). */
async function pushRange(manager: EntityManager, verifier: ChainVerifier, from: number, through: number): Promise<boolean> {
  let intact = true;
  await streamRenderedRows(manager, from, through, (row) => {
    if (intact) intact = verifier.pushRendered(row);
  }, HASHED_BY_POSTGRES);
  return intact;
}

function withLastCheckpoint(result: ChainVerification, checkpoints: CheckpointFeed): SegmentVerification {
  return { ...result, ...(checkpoints.last ? { lastCheckpoint: checkpoints.last } : {}) };
}

/** `verified` followed by `next`, which started where `verified` ended. */
function joined(verified: SegmentVerification, next: SegmentVerification): SegmentVerification {
  const lastCheckpoint = next.lastCheckpoint ?? verified.lastCheckpoint;
  return {
    ...next,
    checked: verified.checked + next.checked,
    checkpointsChecked: verified.checkpointsChecked + next.checkpointsChecked,
    ...(lastCheckpoint ? { lastCheckpoint } : {}),
  };
}

function sameHead(a: ChainHead, b: ChainHead | null): boolean {
  return b !== null && a.seq === b.seq && a.hash === b.hash;
}

const HASH = /^[0-9a-f]{64}$/;

/**
 * The checkpoints, read a page at a time as the rows advance. The verifier pulls them
 * synchronously and looks one ahead, so before rows up to seq S are pushed, the feed
 * holds every checkpoint up to S and the first one after S (or knows there is none).
 */
class CheckpointFeed implements Iterable<Checkpoint> {
  private buffer: Checkpoint[] = [];
  private next = 0;
  private exhausted = false;
  private nextFromSeq: number;
  /** The last checkpoint handed to the verifier. */
  last: Checkpoint | undefined;

  constructor(
    private readonly manager: EntityManager,
    fromSeq: number,
    private readonly throughSeq: number,
  ) {
    this.nextFromSeq = fromSeq;
  }

  async loadThrough(seq: number): Promise<void> {
    while (!this.exhausted && (this.buffer.length === this.next || this.buffer[this.buffer.length - 1].seq <= seq)) {
      if (this.next > CHECKPOINT_PAGE) {
        this.buffer = this.buffer.slice(this.next);
        this.next = 0;
      }
      const page = await readCheckpointsFrom(this.manager, this.nextFromSeq, this.throughSeq, CHECKPOINT_PAGE);
      this.buffer.push(...page);
      if (page.length > 0) this.nextFromSeq = page[page.length - 1].seq + 1;
      if (page.length < CHECKPOINT_PAGE) this.exhausted = true;
    }
  }

  [Symbol.iterator](): Iterator<Checkpoint> {
    return {
      next: (): IteratorResult<Checkpoint> => {
        if (this.next < this.buffer.length) {
          this.last = this.buffer[this.next++];
          return { value: this.last, done: false };
        }
        if (!this.exhausted) throw new Error('checkpoint feed read past what was loaded');
        return { value: undefined, done: true };
      },
    };
  }
}

