import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, hashContent, hashRecord } from './canonical';
import { verifyCheckpoint, type Checkpoint } from './checkpoint';
import type { ChainHead, ChainedDecision } from './decision-record';
import { AuditChainError, AuditChainErrorCode } from './errors';
import { asPublicKey, type KeyInput } from './keys';

export interface ChainVerifierOptions {
  /**
   * Begin after a sealed checkpoint: the first row pushed must be `seq + 1` and link to
   * `hash`. Used once rows up to a checkpoint have been archived or purged (retention
   * only purges up to a sealed checkpoint). Take it from a checkpoint whose signature
   * you verified, or pass that checkpoint in `checkpoints` too.
   */
  startAfter?: ChainHead;
  /** Checkpoints sorted by seq (an array or a lazy iterable, e.g. a second cursor). */
  checkpoints?: Iterable<Checkpoint>;
  /** Keys that may have signed the checkpoints (current and rotated-out). Required with `checkpoints`. */
  publicKeys?: readonly KeyInput[];
}

export interface ChainVerification {
  ok: boolean;
  /** Rows verified intact, i.e. pushed before the first break. */
  checked: number;
  /** See `createChainVerifier` for what it names in each kind of tampering. */
  firstBrokenSeq?: number;
  /** One line for an auditor; names seqs, never row content. */
  problem?: string;
  /**
   * The last intact row (or `startAfter`); compare it with the chain-head row to detect
   * rows deleted from the end after the last checkpoint.
   */
  head: ChainHead | null;
  /** Checkpoints whose row hash and signature were confirmed. */
  checkpointsChecked: number;
}

/**
 * A row whose canonical content (`canonicalContent` of its fields) was written out by
 * its reader, for example by the database it is stored in, instead of as the decision.
 * `seq` and `prevHash` are the row's own columns, which the content also holds.
 */
export interface RenderedRow {
  seq: number;
  prevHash: string;
  hash: string;
  /** The canonical content, or null when the reader could not render it (the row then fails its hash). */
  content: string | null;
}

export interface ChainVerifier {
  /** Feed the next row in seq order. Returns false once the chain is broken (the caller may stop reading). */
  push(row: ChainedDecision): boolean;
  /**
   * As `push`, for a row whose canonical content its reader has written out. The reader
   * vouches that the content is exactly `canonicalContent` of what is stored: anything
   * else fails the hash, so a wrong rendering is reported as an edit, never passed.
   */
  pushRendered(row: RenderedRow): boolean;
  /** The verdict so far; may be called at any time and more than once. */
  result(): ChainVerification;
}

/**
 * A streaming verifier of the audit chain, in constant memory: it keeps only the previous
 * row's seq and hash (and the next pending checkpoint). Push rows as a cursor ordered by
 * seq yields them.
 *
 * Each row is checked, in this order: seq is an integer; its `hash` equals `hashRecord`
 * of its content; its seq is the previous seq + 1 (1, or `startAfter.seq + 1`, first);
 * its `prevHash` equals the previous row's hash (`GENESIS_HASH`, or `startAfter.hash`,
 * first); and, when a checkpoint names its seq, the checkpoint's hash equals the row's
 * hash and its signature verifies with one of `publicKeys`.
 *
 * `firstBrokenSeq`:
 * - a row whose hash does not match its content, or whose seq is not an integer, is named
 *   by the seq it should have had (previous + 1) — so an edit to ANY column of row k,
 *   including `hash`, `prevHash` and `seq` itself, names k;
 * - otherwise the first row that fails is named by its own seq: a deleted row k names
 *   k + 1 (the row after the gap, whose link is broken); a forged row inserted before row
 *   k with seq k names k, whether or not its hash is valid (if valid it passes and the
 *   displaced real row k is the duplicate); rows whose contents were swapped (seq kept)
 *   name the lower seq; if the stream itself is out of order (row b pushed where a was
 *   due), b is named — as for a deletion, the verifier cannot yet tell the rows apart;
 * - a checkpoint whose row hash differs, or whose signature fails, names the checkpoint
 *   seq (any earlier broken row would already have been named) — this is what catches a
 *   rewrite that recomputed every hash from the edited row on;
 * - if a checkpoint seq falls in a gap of deleted rows, the checkpoint seq is named;
 * - if a checkpoint names a seq beyond the last row, rows were deleted from the end:
 *   the first missing seq is named. Deletions after the last checkpoint are only seen by
 *   comparing `head` with the chain-head row.
 */
export function createChainVerifier(options: ChainVerifierOptions = {}): ChainVerifier {
  return new StreamingChainVerifier(options);
}

/** Verifies an array (or any iterable) of rows in seq order; see `createChainVerifier`. */
export function verifyChain(rows: Iterable<ChainedDecision>, options: ChainVerifierOptions = {}): ChainVerification {
  const verifier = createChainVerifier(options);
  for (const row of rows) if (!verifier.push(row)) break;
  return verifier.result();
}

const HASH = /^[0-9a-f]{64}$/;

class StreamingChainVerifier implements ChainVerifier {
  private expectedSeq: number;
  private previousHash: string;
  private head: ChainHead | null;
  private checked = 0;
  private checkpointsChecked = 0;
  private broken: { seq: number; problem: string } | undefined;
  private readonly checkpoints: Iterator<Checkpoint> | undefined;
  private pending: Checkpoint | undefined;
  private readonly keys: KeyObject[];

  constructor(options: ChainVerifierOptions) {
    const start = options.startAfter;
    if (start !== undefined && (!Number.isSafeInteger(start.seq) || start.seq < 0 || !HASH.test(String(start.hash)))) {
      throw new AuditChainError(
        AuditChainErrorCode.HeadInvalid,
        'startAfter must be { seq: a non-negative integer, hash: 64 lowercase hex digits }',
      );
    }
    this.expectedSeq = (start?.seq ?? 0) + 1;
    this.previousHash = start?.hash ?? GENESIS_HASH;
    this.head = start ? { seq: start.seq, hash: start.hash } : null;
    this.keys = (options.publicKeys ?? []).map(asPublicKey);
    if (options.checkpoints !== undefined) {
      if (this.keys.length === 0) {
        throw new AuditChainError(AuditChainErrorCode.KeyInvalid, 'publicKeys are required to verify checkpoints');
      }
      this.checkpoints = options.checkpoints[Symbol.iterator]();
      this.advanceCheckpoint();
      // Checkpoints at or before startAfter seal rows that are gone: only their signatures
      // can be checked, and the one at startAfter must agree with it.
      while (this.pending !== undefined && !this.broken && this.pending.seq < this.expectedSeq) {
        this.checkCheckpoint(this.pending, this.pending.seq === start?.seq ? start.hash : undefined);
      }
    }
  }

  push(row: ChainedDecision): boolean {
    return this.check(row, safeHash);
  }

  pushRendered(row: RenderedRow): boolean {
    return this.check(row, renderedHash);
  }

  private check<Row extends { seq: unknown; prevHash: string; hash: string }>(row: Row, hashOf: (row: Row) => string | undefined): boolean {
    if (this.broken) return false;
    const expected = this.expectedSeq;
    const seq: unknown = row.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) {
      return this.fail(expected, `the row after seq ${expected - 1} has a seq that is not an integer`);
    }
    if (row.hash !== hashOf(row)) {
      return this.fail(expected, `the row at seq ${expected} does not match its hash: a column was edited`);
    }
    if (seq > expected) {
      return this.fail(seq, `seq ${seq} follows seq ${expected - 1}: rows ${describeRange(expected, seq - 1)} are missing`);
    }
    if (seq < expected) {
      return this.fail(seq, `seq ${seq} follows seq ${expected - 1}: a duplicate or out-of-order row`);
    }
    if (row.prevHash !== this.previousHash) {
      const previous = expected === 1 ? 'the genesis hash' : `the hash of seq ${expected - 1}`;
      return this.fail(seq, `seq ${seq}: prevHash is not ${previous}: a row was inserted, replaced or removed`);
    }
    while (this.pending !== undefined && this.pending.seq === seq && !this.broken) {
      this.checkCheckpoint(this.pending, row.hash);
    }
    if (this.broken) return false;
    this.checked++;
    this.expectedSeq = seq + 1;
    this.previousHash = row.hash;
    this.head = { seq, hash: row.hash };
    return true;
  }

  result(): ChainVerification {
    const verdict = { checked: this.checked, head: this.head, checkpointsChecked: this.checkpointsChecked };
    if (this.broken) return { ok: false, firstBrokenSeq: this.broken.seq, problem: this.broken.problem, ...verdict };
    if (this.pending !== undefined) {
      return {
        ok: false,
        firstBrokenSeq: this.expectedSeq,
        problem:
          `a checkpoint seals seq ${this.pending.seq} but the chain ends at seq ${this.expectedSeq - 1}: ` +
          'rows were deleted from the end',
        ...verdict,
      };
    }
    return { ok: true, ...verdict };
  }

  private checkCheckpoint(checkpoint: Checkpoint, rowHash: string | undefined): void {
    if (rowHash !== undefined && checkpoint.hash !== rowHash) {
      this.fail(checkpoint.seq, `the checkpoint at seq ${checkpoint.seq} seals a different hash: rows up to it were rewritten`);
      return;
    }
    if (!this.keys.some((key) => verifyCheckpoint(checkpoint, key))) {
      this.fail(checkpoint.seq, `the checkpoint at seq ${checkpoint.seq} (key ${String(checkpoint.keyId)}) has an invalid signature`);
      return;
    }
    this.checkpointsChecked++;
    this.advanceCheckpoint();
  }

  private advanceCheckpoint(): void {
    const previous = this.pending;
    const next = this.checkpoints?.next();
    this.pending = next === undefined || next.done ? undefined : next.value;
    if (this.pending === undefined) return;
    if (!Number.isSafeInteger(this.pending.seq) || this.pending.seq < 1) {
      this.fail(this.expectedSeq, `a checkpoint after seq ${this.expectedSeq - 1} has an invalid seq`);
    } else if (previous !== undefined && this.pending.seq < previous.seq) {
      throw new AuditChainError(AuditChainErrorCode.CheckpointInvalid, 'checkpoints must be passed sorted by seq');
    }
  }

  private fail(seq: number, problem: string): false {
    if (this.broken) return false;
    const sealed = this.pending;
    // A checkpoint inside a gap seals a row that is no longer there: it is the earlier evidence.
    if (sealed !== undefined && Number.isSafeInteger(sealed.seq) && sealed.seq >= this.expectedSeq && sealed.seq < seq) {
      this.broken = { seq: sealed.seq, problem: `${problem}, including seq ${sealed.seq} sealed by a checkpoint` };
    } else {
      this.broken = { seq, problem };
    }
    return false;
  }
}

function safeHash(row: ChainedDecision): string | undefined {
  try {
    return hashRecord(row);
  } catch {
    return undefined; // an edit made the row uncanonicalisable (NaN, a Map, ...): it cannot match
  }
}

function renderedHash(row: RenderedRow): string | undefined {
  return typeof row.content === 'string' && typeof row.prevHash === 'string' ? hashContent(row.prevHash, row.content) : undefined;
}

function describeRange(from: number, to: number): string {
  return from === to ? `${from}` : `${from}-${to}`;
}
