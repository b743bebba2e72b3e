import type { KeyObject } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { createChainVerifier, hashRecord, type ChainHead, type ChainVerification, type Checkpoint } from '@accord/audit-chain';
import { hashableDecisionFromJson, readChainHead, readCheckpointsFrom, readDecisionAt, readDecisionTexts, readLatestPurge } from '@accord/persistence';
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
}

const DEFAULT_CHUNK = 2_000;
/** Range queries under way ahead of the rows being hashed: Postgres builds the next rows on the other core meanwhile. */
const READ_AHEAD = 2;
const CHECKPOINT_PAGE = 1_000;

/** Verifies the whole retained log: purge record, rows, checkpoints, and the chain-head row. */
export async function verifyAuditLog(manager: EntityManager, options: VerifyOptions): Promise<AuditVerificationReport> {
  const verifiedAt = new Date().toISOString();
  if (options.publicKeys.length === 0) throw new Error('no public key to verify checkpoints with');
  const purge = await readLatestPurge(manager);
  const { head, firstSeqBeyondHead } = await readChainHead(manager);
  const fromSeq = (purge?.throughSeq ?? 0) + 1;
  const base = { fromSeq, throughSeq: head.seq, verifiedAt };
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

  const segment = await verifySegment(manager, {
    ...options,
    startAfter: purge ? { seq: purge.throughSeq, hash: purge.hash } : undefined,
    throughSeq: head.seq,
  });
  const report: AuditVerificationReport = {
    ok: segment.ok,
    checked: segment.checked,
    ...(segment.ok ? {} : { firstBrokenSeq: segment.firstBrokenSeq, problem: segment.problem }),
    checkpointsChecked: segment.checkpointsChecked,
    ...(segment.lastCheckpoint ? { lastCheckpoint: segment.lastCheckpoint } : {}),
    ...(retention ? { retention } : {}),
    ...base,
  };
  if (!report.ok) return explainShift(manager, report);

  // The streaming verifier cannot see rows removed from, or added after, the end of the chain: the head row can.
  const lastSeq = segment.head?.seq ?? fromSeq - 1;
  if (lastSeq < head.seq) {
    return broken(report, lastSeq + 1, `the chain head is at seq ${head.seq} but the rows end at seq ${lastSeq}: rows ${lastSeq + 1}–${head.seq} are missing`);
  }
  if (head.seq > 0 && segment.head?.hash !== head.hash) {
    return broken(report, head.seq, `the chain head's hash is not the hash of the row at seq ${head.seq}: the head row was edited`);
  }
  if (firstSeqBeyondHead !== null) {
    return broken(report, firstSeqBeyondHead, `seq ${firstSeqBeyondHead} lies beyond the chain head (seq ${head.seq}): a row was added outside the writer`);
  }
  // Checkpoints beyond our snapshot of the head are fine if the head has moved on since (a concurrent append and seal).
  const [latest] = await manager.query(
    `SELECT (SELECT max(seq) FROM audit_checkpoints) AS checkpoint, (SELECT seq FROM audit_chain_head WHERE id = 1) AS head`,
  );
  if (latest.checkpoint !== null && Number(latest.checkpoint) > Number(latest.head)) {
    return broken(
      report,
      Number(latest.head) + 1,
      `a checkpoint seals seq ${latest.checkpoint} but the chain head is at seq ${latest.head}: rows were deleted from the end`,
    );
  }
  return report;
}

const MAX_SHIFT = 100;

/**
 * Rows inserted with valid hashes pass until the first genuine row after them, which now
 * sits at a higher seq than it was sealed with. If the broken row hashes correctly at
 * `seq - d`, it is the original row `seq - d`: the d rows before it are the inserted ones.
 */
async function explainShift(manager: EntityManager, report: AuditVerificationReport): Promise<AuditVerificationReport> {
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
 */
export async function verifySegment(
  manager: EntityManager,
  options: VerifyOptions & { startAfter?: ChainHead; throughSeq: number },
): Promise<SegmentVerification> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const start = options.startAfter?.seq ?? 0;
  const total = Math.max(0, options.throughSeq - start);
  const checkpoints = new CheckpointFeed(manager, Math.max(start, 1), options.throughSeq);
  await checkpoints.loadThrough(start);
  const verifier = createChainVerifier({
    ...(options.startAfter ? { startAfter: options.startAfter } : {}),
    checkpoints,
    publicKeys: options.publicKeys,
  });
  // Fixed ranges of seq rather than "the next N rows": their bounds are known in advance, so
  // several can be read at once, each on its own connection (when `manager` is not a
  // transaction's). Rows missing from a range are exactly what the verifier reports.
  const ranges: Promise<string[]>[] = [];
  let nextFrom = start;
  // A transaction's manager has one connection, which takes one query at a time: one range
  // is read while the previous one is hashed, and nothing else is asked meanwhile.
  const ahead = manager.queryRunner ? 1 : READ_AHEAD;
  const readAhead = () => {
    while (ranges.length < ahead && nextFrom < options.throughSeq) {
      const through = Math.min(nextFrom + chunkSize, options.throughSeq);
      const range = readDecisionTexts(manager, nextFrom, through);
      // A range read ahead and then not wanted (a break was found, or an earlier read failed) must not reject unhandled.
      range.catch(() => undefined);
      ranges.push(range);
      nextFrom = through;
    }
  };
  const outcome = (): SegmentVerification => ({ ...verifier.result(), ...(checkpoints.last ? { lastCheckpoint: checkpoints.last } : {}) });
  options.onProgress?.(0, total);
  readAhead();
  let through = start;
  while (ranges.length > 0) {
    const rows = await ranges.shift()!;
    through = Math.min(through + chunkSize, options.throughSeq);
    await checkpoints.loadThrough(through);
    readAhead();
    for (const text of rows) {
      if (!verifier.push(hashableDecisionFromJson(text))) return outcome();
    }
    options.onProgress?.(verifier.result().checked, total);
  }
  return outcome();
}

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
