import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, hashContent, hashRecord } from './canonical';
import { isMultiChainCheckpoint, verifyCheckpoint, type Checkpoint, type SealedHead } from './checkpoint';
import type { ChainHead, ChainedDecision } from './decision-record';
import { AuditChainError, AuditChainErrorCode } from './errors';
import { asPublicKey, type KeyInput } from './keys';
import { MAX_PARTITION_CHAINS, partitionChainKey, partitionHeadsProblem } from './partition-chain';

/** Where the partition chains resume after a retention purge: a v2 checkpoint's `root` and `heads`. */
export interface PartitionChainHeads {
  root: ChainHead;
  heads: readonly SealedHead[];
}

export interface ChainVerifierOptions {
  /**
   * Begin after a sealed checkpoint, once the rows up to it have been archived or purged
   * (retention only purges up to a sealed checkpoint). Take it from a checkpoint whose
   * signature you verified, or pass that checkpoint in `checkpoints` too.
   * - `{ seq, hash }` (a v1 checkpoint): the first row pushed must be `seq + 1` and link to
   *   `hash`. With `partitionChainsAfter`, `seq` must not be beyond the boundary.
   *   Checkpoints at or before `seq` seal rows that are gone: only their signatures are
   *   checked, and the one at `seq` must seal `hash`.
   * - `{ root, heads }` (a v2 checkpoint): every row pushed is in a partition chain and
   *   `root.seq` is the boundary. A chain named in `heads` continues from its head (its
   *   next row has a higher seq and links to the head's hash); any other chain starts
   *   from `root`. Checkpoints at or before the highest head (the start's own seq) seal
   *   rows that are gone: only their signatures are checked, a v2 one at the start's seq
   *   must seal exactly `root` and `heads`, and a v1 one at the seq of the root or of a
   *   head must seal its hash.
   */
  startAfter?: ChainHead | PartitionChainHeads;
  /**
   * The boundary B where the single chain ends and the partition chains begin. Rows with
   * seq ≤ B form the single chain; a row after B links to the previous row of its
   * `(topic, partition)`, and the first row of each chain to the root: row B's hash
   * (`GENESIS_HASH` when B is 0). Without it, and without `startAfter` heads, every row
   * is in the single chain.
   */
  partitionChainsAfter?: number;
  /**
   * Checkpoints, v1 and v2 alike, sorted by seq (an array or a lazy iterable, e.g. a second
   * cursor). They are read lazily: a checkpoint is read once the one before it is
   * confirmed, so the feed is never read more than one checkpoint beyond the last row
   * pushed (`result()` included). Without partition rules they must all be v1: a v2
   * checkpoint throws `AuditCheckpointInvalid`.
   */
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
   * The last intact row (or `startAfter`; with `startAfter` heads, the highest of them);
   * compare it with the chain-head row to detect rows deleted from the end after the last
   * checkpoint.
   */
  head: ChainHead | null;
  /** Checkpoints confirmed (v1 and v2), each counted once. */
  checkpointsChecked: number;
  /**
   * Present when partition rules are in force: each partition chain's last intact row (or
   * its `startAfter` head), sorted by seq. Compare each with its chain-head row to detect
   * rows deleted from a chain's end after the last checkpoint; it is also the `heads` to
   * resume from. After a break only rows below `firstBrokenSeq` count, and a chain none of
   * whose last 64 rows lies below it is left out.
   */
  chains?: SealedHead[];
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
  /**
   * Instead of `content` (which is then ignored): `hashContent(prevHash, content)` as the
   * reader computed it next to the rows, so that the content need not travel (Postgres's
   * own SHA-256 of the same bytes). Null when the reader could not render the content.
   * The reader vouches for it as for `content`: a wrong hash fails the row.
   */
  contentHash?: string | null;
  /**
   * The row's own `topic` and `partition` columns (the content holds them too), which place
   * a row after the boundary in its partition chain; without them such a row fails.
   */
  topic?: string;
  partition?: number;
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
  /**
   * The verdict so far, as if the rows ended here: checkpoints not yet passed are checked
   * against the rows pushed, without changing what later pushes find. May be called at
   * any time and more than once.
   */
  result(): ChainVerification;
}

/**
 * A streaming verifier of the audit log. Push rows as a cursor ordered by seq yields
 * them. It keeps the previous row's seq and hash, the checkpoint due next, and with
 * partition rules one bounded record per partition chain (its first row and its last 64
 * rows' seqs and hashes): memory grows with the number of partition chains, never with
 * the number of rows.
 *
 * A row of the single chain (every row, or those with seq ≤ `partitionChainsAfter`) is
 * checked, in this order: seq is an integer; its `hash` equals `hashRecord` of its
 * content; its seq is the previous seq + 1 (1, or `startAfter.seq + 1`, first); its
 * `prevHash` equals the previous row's hash (`GENESIS_HASH`, or `startAfter.hash`,
 * first); and, when a checkpoint names its seq, the checkpoint's hash equals the row's
 * hash and its signature verifies with one of `publicKeys`.
 *
 * A row after the boundary (rows arrive in ascending seq, with gaps) is checked, in this
 * order: seq is an integer; the checkpoints it passes (those with a lower seq) hold, see
 * below; its `hash` equals `hashRecord` of its content; its seq is above every seq
 * pushed; its `(topic, partition)` names a chain (a Kafka topic name and a non-negative
 * integer); its `prevHash` equals the hash of the previous row of that chain (the root
 * for the chain's first row); and a v1 checkpoint at its seq holds its hash and verifies.
 *
 * A v2 checkpoint C is a cut: when it was signed, every row with seq ≤ C.seq was committed
 * and none with seq ≤ C.seq could commit later. It is checked when the rows pass it
 * (before the first row with seq > C.seq is accepted, or by `result()`), in this order:
 * its signature verifies; its root is this log's root (seq and hash); each chain it names
 * stands exactly at its head (its last row has the head's seq and hash); and every other
 * chain (a `startAfter` chain included) has no row yet. When several heads or chains
 * disagree, the smallest seq is named.
 *
 * `firstBrokenSeq`, in the single chain:
 * - a row whose hash does not match its content, or whose seq is not an integer, is named
 *   by the seq it should have had (previous + 1) — so an edit to ANY column of row k,
 *   including `hash`, `prevHash` and `seq` itself, names k;
 * - otherwise the first row that fails is named by its own seq: a deleted row k names
 *   k + 1 (the row after the gap, whose link is broken); a forged row inserted before row
 *   k with seq k names k, whether or not its hash is valid (if valid it passes and the
 *   displaced real row k is the duplicate); rows whose contents were swapped (seq kept)
 *   name the lower seq; if the stream itself is out of order (row b pushed where a was
 *   due), b is named — as for a deletion, the verifier cannot yet tell the rows apart;
 *   rows of the single chain missing before the first row after the boundary name that row;
 * - a checkpoint whose row hash differs, or whose signature fails, names the checkpoint
 *   seq (any earlier broken row would already have been named) — this is what catches a
 *   rewrite that recomputed every hash from the edited row on;
 * - if a checkpoint seq falls in a gap of deleted rows, the checkpoint seq is named;
 * - if a checkpoint names a seq beyond the last row, rows were deleted from the end:
 *   the first missing seq is named. Deletions after the last checkpoint are only seen by
 *   comparing `head` with the chain-head row.
 *
 * `firstBrokenSeq`, after the boundary, where seqs have gaps and only links show order:
 * - a row whose seq is not an integer is named previous + 1; a row whose hash does not
 *   match its content is named by its own seq, so an edit to any other column of row k
 *   (its topic and partition too: the row left its chain) names k;
 * - a deleted row names its chain's next row (whose link is broken); a forged row with a
 *   valid hash linked into a chain passes until the chain's next genuine row, whose
 *   `prevHash` is then the hash of an earlier row of the chain: the forgeries are the
 *   rows after that one, and the first of them is named, with `checked` and `head` taken
 *   back to the rows before it (exact for a run of up to 63 forged rows; a longer run
 *   names the genuine row); a duplicate or out-of-order seq names that row;
 * - a v1 checkpoint: as in the single chain; one whose row is missing from the stream
 *   (deleted, or its seq edited) names its seq;
 * - a v2 checkpoint whose signature fails, or whose root is not this log's, names its
 *   seq; a head whose chain ends below it (rows deleted, also from the end of the log)
 *   or whose row has another hash (rows rewritten, hashes recomputed) names the head's
 *   seq; a chain that goes on after its head (rows inserted after the cut, with seqs
 *   below the checkpoint's) names the first row after the head, or the chain's last row
 *   when the head is no longer among its last 64; a chain the checkpoint does not name
 *   names its first row (or, for a `startAfter` chain with no row, the checkpoint's seq).
 *   `checked` and `head` are taken back to the rows before the named seq where it is known.
 *   Deletions from a chain's end after the last checkpoint are only seen by comparing
 *   `chains` with the chain-head rows.
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
/** Rows remembered per partition chain: what names a run of inserted rows exactly. */
const RING = 64;

/** The fields of a row the verifier reads. */
interface VerifiedRow {
  seq: unknown;
  prevHash: string;
  hash: string;
  topic?: unknown;
  partition?: unknown;
}

/** `checked` and `head` as they were before some row: what a break named at that row takes them back to. */
interface Before {
  checked: number;
  head: ChainHead | null;
}

/** A break found by checking a checkpoint or a link, with what `checked` and `head` were before the named seq, when known. */
interface Break {
  seq: number;
  problem: string;
  before?: Before;
}

interface ChainEntry {
  seq: number;
  hash: string;
  /** `checked` before the row was pushed. */
  checkedBefore: number;
  /** `head` before the row was pushed. */
  headBefore: ChainHead | null;
  /** A pushed row; the root a chain's first row links to; or a head `startAfter` gave. */
  kind: 'row' | 'root' | 'start';
}

/** One partition chain: its first pushed row and its last RING entries, oldest evicted first. */
class PartitionChain {
  private readonly entries: ChainEntry[] = [];
  private next = 0;
  size = 0;
  /** The first row pushed into the chain (not its root or start head): a checkpoint that leaves the chain out names it. */
  first: ChainEntry | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    anchor: ChainEntry,
  ) {
    this.add(anchor);
  }

  add(entry: ChainEntry): void {
    this.entries[this.next] = entry;
    this.next = (this.next + 1) % RING;
    if (this.size < RING) this.size++;
    if (entry.kind === 'row' && this.first === undefined) this.first = entry;
  }

  /** The `age`-th newest entry remembered (0: the last), for `age` below `size`. */
  at(age: number): ChainEntry {
    return this.entries[(this.next - 1 - age + RING) % RING]!;
  }

  /** The oldest entry remembered. */
  oldest(): ChainEntry {
    return this.at(this.size - 1);
  }

  /** The age of the entry remembered at `seq`, or -1. */
  ageOf(seq: number): number {
    for (let age = 0; age < this.size; age++) {
      const entrySeq = this.at(age).seq;
      if (entrySeq === seq) return age;
      if (entrySeq < seq) return -1;
    }
    return -1;
  }

  /** The newest entry remembered with a seq below `seq`. */
  lastBelow(seq: number): ChainEntry | undefined {
    for (let age = 0; age < this.size; age++) if (this.at(age).seq < seq) return this.at(age);
    return undefined;
  }
}

/** A `startAfter` of root and heads: the cut the rows resume from. */
interface StartCut {
  root: ChainHead;
  /** Sorted by seq. */
  heads: SealedHead[];
  /** The highest head's seq (the root's with no head): checkpoints up to it seal rows that are gone. */
  seq: number;
  /** The hash of each row the start knows, by seq: the root and every head. */
  hashes: Map<number, string>;
}

/**
 * For the v2 checkpoint due next: `checked` and `head` when the rows first reached each
 * of its heads (`before[i]` for `heads[i]`, i below `cursor`), so that a head found
 * missing takes them back exactly. Heads the rows had passed before the checkpoint was
 * read are unknown.
 */
interface HeadPasses {
  checkpoint: Checkpoint;
  cursor: number;
  before: (Before | undefined)[];
}

class StreamingChainVerifier implements ChainVerifier {
  /** Single chain: the seq due next. Frozen at the boundary + 1 once past it. */
  private expectedSeq: number;
  /** Single chain: the previous row's hash. */
  private previousHash: string;
  private head: ChainHead | null;
  private checked = 0;
  private checkpointsChecked = 0;
  private broken: { seq: number; problem: string } | undefined;
  private readonly keys: KeyObject[];
  /** The checkpoints not read yet; undefined once exhausted (or not given). */
  private feed: Iterator<Checkpoint> | undefined;
  /**
   * Checkpoints read and not confirmed, in seq order; the first is the one due next.
   * Pushes read one at a time; `result()` may read on past checkpoints at or below the
   * last row, leaving them here for the pushes that follow.
   */
  private readonly ahead: Checkpoint[] = [];
  /** The last checkpoint read, to refuse an unsorted feed. */
  private lastRead: Checkpoint | undefined;
  private passes: HeadPasses | undefined;
  /** B, when partition rules are in force. */
  private readonly boundary: number | undefined;
  /** What each partition chain's first row links to; known once the single chain reached B. */
  private rootHash: string | undefined;
  /** After the boundary: the last seq pushed (B, or the start's root seq, before any row). */
  private lastSeq = 0;
  /** After the boundary: the last row pushed. */
  private lastRow: ChainEntry | undefined;
  private readonly chains = new Map<string, PartitionChain>();
  /** Each chain's key by topic and partition, once checked: a row's key is looked up, not written and tested again. */
  private readonly keysByTopic = new Map<string, Map<number, string>>();
  /** Set when a break was named below rows already pushed: only rows below this seq count as intact. */
  private intactBelow: number | undefined;

  constructor(options: ChainVerifierOptions) {
    const boundary = options.partitionChainsAfter;
    if (boundary !== undefined && (!Number.isSafeInteger(boundary) || boundary < 0)) {
      throw new AuditChainError(AuditChainErrorCode.HeadInvalid, 'partitionChainsAfter must be a non-negative integer');
    }
    const start = options.startAfter;
    // The start a checkpoint at its seq must agree with.
    let startHead: ChainHead | undefined;
    let startCut: StartCut | undefined;
    if (start !== undefined && isPartitionChainHeads(start)) {
      const problem = partitionHeadsProblem(start.root, start.heads, { sorted: false, allowEmpty: true });
      if (problem) throw new AuditChainError(AuditChainErrorCode.HeadInvalid, `startAfter: ${problem}`);
      if (boundary !== undefined && boundary !== start.root.seq) {
        throw new AuditChainError(AuditChainErrorCode.HeadInvalid, 'startAfter.root.seq must be partitionChainsAfter');
      }
      const root = { seq: start.root.seq, hash: start.root.hash };
      const heads = start.heads
        .map((head) => ({ seq: head.seq, hash: head.hash, topic: head.topic, partition: head.partition }))
        .sort((a, b) => a.seq - b.seq);
      this.boundary = root.seq;
      this.expectedSeq = root.seq + 1;
      this.previousHash = root.hash;
      this.rootHash = root.hash;
      this.lastSeq = root.seq;
      for (const head of heads) {
        const entry: ChainEntry = { seq: head.seq, hash: head.hash, checkedBefore: 0, headBefore: null, kind: 'start' };
        this.chains.set(partitionChainKey(head.topic, head.partition)!, new PartitionChain(head.topic, head.partition, entry));
      }
      const highest = heads.at(-1) ?? root;
      this.head = { seq: highest.seq, hash: highest.hash };
      const hashes = new Map([root, ...heads].map((known) => [known.seq, known.hash]));
      startCut = { root, heads, seq: highest.seq, hashes };
    } else {
      if (start !== undefined && (!Number.isSafeInteger(start.seq) || start.seq < 0 || !HASH.test(String(start.hash)))) {
        throw new AuditChainError(
          AuditChainErrorCode.HeadInvalid,
          'startAfter must be { seq: a non-negative integer, hash: 64 lowercase hex digits }',
        );
      }
      if (boundary !== undefined && start !== undefined && start.seq > boundary) {
        throw new AuditChainError(
          AuditChainErrorCode.HeadInvalid,
          'startAfter beyond partitionChainsAfter must be { root, heads }: one head cannot say where each partition chain ends',
        );
      }
      startHead = start;
      this.boundary = boundary;
      this.expectedSeq = (start?.seq ?? 0) + 1;
      this.previousHash = start?.hash ?? GENESIS_HASH;
      this.head = start ? { seq: start.seq, hash: start.hash } : null;
      this.enterPartitionChainsAtBoundary();
    }
    this.keys = (options.publicKeys ?? []).map(asPublicKey);
    if (options.checkpoints !== undefined) {
      if (this.keys.length === 0) {
        throw new AuditChainError(AuditChainErrorCode.KeyInvalid, 'publicKeys are required to verify checkpoints');
      }
      this.feed = options.checkpoints[Symbol.iterator]();
      this.advance();
      if (startCut !== undefined) this.checkBeforeStartCut(startCut);
      else this.checkBeforeStart(startHead);
    }
  }

  push(row: ChainedDecision): boolean {
    return this.check(row, safeHash);
  }

  pushRendered(row: RenderedRow): boolean {
    return this.check(row, renderedHash);
  }

  result(): ChainVerification {
    const chains = (below: number | undefined) => (this.boundary === undefined ? {} : { chains: this.chainHeads(below) });
    const verdict = { checked: this.checked, head: this.head, checkpointsChecked: this.checkpointsChecked };
    if (this.broken) {
      return { ok: false, firstBrokenSeq: this.broken.seq, problem: this.broken.problem, ...verdict, ...chains(this.intactBelow) };
    }
    if (this.inSingleChain()) {
      const pending = this.pending;
      if (pending === undefined) return { ok: true, ...verdict, ...chains(undefined) };
      return {
        ok: false,
        firstBrokenSeq: this.expectedSeq,
        problem:
          `a checkpoint seals seq ${pending.seq} but the chain ends at seq ${this.expectedSeq - 1}: ` +
          'rows were deleted from the end',
        ...verdict,
        ...chains(undefined),
      };
    }
    const { found, confirmed } = this.checkRemaining();
    const checkpointsChecked = this.checkpointsChecked + confirmed;
    if (found === undefined) return { ok: true, ...verdict, checkpointsChecked, ...chains(undefined) };
    return {
      ok: false,
      firstBrokenSeq: found.seq,
      problem: found.problem,
      checked: found.before?.checked ?? this.checked,
      head: found.before ? found.before.head : this.head,
      checkpointsChecked,
      ...chains(found.seq),
    };
  }

  /** The checkpoint due next. */
  private get pending(): Checkpoint | undefined {
    return this.ahead[0];
  }

  private check<Row extends VerifiedRow>(row: Row, hashOf: (row: Row) => string | undefined): boolean {
    if (this.broken) return false;
    return this.inSingleChain() ? this.checkSingleChainRow(row, hashOf) : this.checkPartitionChainRow(row, hashOf);
  }

  /** True while the row due is one of the single chain's: there is no boundary, or it is not reached. */
  private inSingleChain(): boolean {
    return this.boundary === undefined || this.expectedSeq <= this.boundary;
  }

  /** The highest seq the rows have reached. */
  private passedSeq(): number {
    return this.inSingleChain() ? this.expectedSeq - 1 : this.lastSeq;
  }

  private checkSingleChainRow<Row extends VerifiedRow>(row: Row, hashOf: (row: Row) => string | undefined): boolean {
    const expected = this.expectedSeq;
    const seq: unknown = row.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) {
      return this.fail(expected, `the row after seq ${expected - 1} has a seq that is not an integer`);
    }
    if (row.hash !== hashOf(row)) {
      return this.fail(expected, `the row at seq ${expected} does not match its hash: a column was edited`);
    }
    if (this.boundary !== undefined && seq > this.boundary) {
      return this.fail(seq, `seq ${seq} follows seq ${expected - 1}: rows ${describeRange(expected, this.boundary)} are missing`);
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
      const checkpoint = this.pending;
      // A v2 checkpoint here is rooted below the boundary: its root check names it.
      const found = isMultiChainCheckpoint(checkpoint) ? this.cutProblem(checkpoint) : this.rowSealProblem(checkpoint, row.hash);
      if (found) return this.fail(found.seq, found.problem);
      this.confirm();
    }
    if (this.broken) return false;
    this.checked++;
    this.expectedSeq = seq + 1;
    this.previousHash = row.hash;
    this.head = { seq, hash: row.hash };
    this.enterPartitionChainsAtBoundary();
    return true;
  }

  /** Once the single chain has reached the boundary, its last hash is the root of every partition chain. */
  private enterPartitionChainsAtBoundary(): void {
    if (this.boundary !== undefined && this.rootHash === undefined && this.expectedSeq === this.boundary + 1) {
      this.rootHash = this.previousHash;
      this.lastSeq = this.boundary;
    }
  }

  private checkPartitionChainRow<Row extends VerifiedRow>(row: Row, hashOf: (row: Row) => string | undefined): boolean {
    const seq: unknown = row.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) {
      return this.fail(this.lastSeq + 1, `the row after seq ${this.lastSeq} has a seq that is not an integer`);
    }
    // The checkpoints this row passes describe the rows before it: they are the earlier evidence.
    if (seq > this.lastSeq && !this.checkPassedBy(seq)) return false;
    if (row.hash !== hashOf(row)) {
      return this.fail(seq, `the row at seq ${seq} does not match its hash: a column was edited`);
    }
    if (seq <= this.lastSeq) {
      return this.fail(seq, `seq ${seq} follows seq ${this.lastSeq}: a duplicate or out-of-order row`);
    }
    const key = this.chainKeyOf(row.topic, row.partition);
    if (key === undefined) {
      return this.fail(seq, `seq ${seq} cannot be placed in a partition chain: its topic or partition is missing or malformed`);
    }
    let chain = this.chains.get(key);
    const opened = chain === undefined;
    if (chain === undefined) {
      if (this.chains.size >= MAX_PARTITION_CHAINS) {
        return this.fail(seq, `seq ${seq} opens a partition chain beyond the ${MAX_PARTITION_CHAINS} a log can have: rows were added outside the writer`);
      }
      const root: ChainEntry = { seq: this.boundary!, hash: this.rootHash!, checkedBefore: this.checked, headBefore: this.head, kind: 'root' };
      chain = new PartitionChain(row.topic as string, row.partition as number, root);
    }
    const last = chain.at(0);
    if (seq <= last.seq) {
      return this.fail(seq, `seq ${seq} is not after its partition chain's head in startAfter (seq ${last.seq}): a duplicate or out-of-order row`);
    }
    if (row.prevHash !== last.hash) return this.failLink(seq, row.prevHash, chain);
    // A v1 checkpoint at this seq seals this row; a v2 one waits until the rows pass it (and so do those behind it).
    while (this.pending !== undefined && this.pending.seq === seq && !isMultiChainCheckpoint(this.pending) && !this.broken) {
      const found = this.rowSealProblem(this.pending, row.hash);
      if (found) return this.fail(found.seq, found.problem);
      this.confirm();
      this.trackPasses(seq);
    }
    if (this.broken) return false;
    const entry: ChainEntry = { seq, hash: row.hash, checkedBefore: this.checked, headBefore: this.head, kind: 'row' };
    chain.add(entry);
    if (opened) this.chains.set(key, chain);
    this.checked++;
    this.lastSeq = seq;
    this.lastRow = entry;
    this.head = { seq, hash: row.hash };
    return true;
  }

  /** `partitionChainKey`, remembered for the chains met (which a verifier bounds). */
  private chainKeyOf(topic: unknown, partition: unknown): string | undefined {
    const byPartition = typeof topic === 'string' ? this.keysByTopic.get(topic) : undefined;
    const known = typeof partition === 'number' ? byPartition?.get(partition) : undefined;
    if (known !== undefined) return known;
    const key = partitionChainKey(topic, partition);
    if (key === undefined || this.chains.size >= MAX_PARTITION_CHAINS) return key;
    if (byPartition === undefined) this.keysByTopic.set(topic as string, new Map([[partition as number, key]]));
    else byPartition.set(partition as number, key);
    return key;
  }

  /**
   * A row whose `prevHash` is not its chain's last hash. When it is an earlier row's hash,
   * the rows of the chain after that one were inserted: the first of them is named, and
   * only the rows before it count as intact.
   */
  private failLink(seq: number, prevHash: string, chain: PartitionChain): false {
    for (let age = 1; age < chain.size; age++) {
      const earlier = chain.at(age);
      if (earlier.hash !== prevHash) continue;
      const first = chain.at(age - 1);
      const inserted = age === 1 ? `seq ${first.seq} was inserted` : `seq ${first.seq} (and ${age - 1} more) were inserted`;
      const target = earlier.kind === 'root' ? 'the root' : `seq ${earlier.seq}`;
      return this.breakAt({ seq: first.seq, problem: `seq ${seq} links to ${target} of its chain: ${inserted}`, before: beforeOf(first) });
    }
    const last = chain.at(0);
    if (last.kind === 'root') {
      const root = this.boundary === 0 ? 'the genesis hash' : `the hash of seq ${this.boundary}`;
      return this.fail(seq, `seq ${seq}: prevHash is not the root hash (${root}): a row was inserted, replaced or removed`);
    }
    return this.fail(
      seq,
      `seq ${seq}: prevHash is not the hash of the previous row of its partition chain (seq ${last.seq}): ` +
        'a row was inserted, replaced or removed',
    );
  }

  /** Checks, in order, the checkpoints below `seq` (after the boundary), before the row at `seq` is accepted. */
  private checkPassedBy(seq: number): boolean {
    this.trackPasses(seq);
    while (this.pending !== undefined && !this.broken && this.pending.seq < seq) {
      const found = this.passedProblem(this.pending, false);
      if (found) return this.breakAt(found);
      this.confirm();
      this.trackPasses(seq);
    }
    return !this.broken;
  }

  /**
   * For `result()`: checks every checkpoint left as if the rows ended here, reading on
   * only past checkpoints at or below the last row, and changing nothing a later push
   * relies on (what it reads stays in `ahead`).
   */
  private checkRemaining(): { found?: Break; confirmed: number } {
    let confirmed = 0;
    for (let index = 0; ; index++) {
      while (this.ahead.length <= index && this.feed !== undefined) this.read();
      const checkpoint = this.ahead[index];
      if (checkpoint === undefined) return { confirmed };
      const found = this.passedProblem(checkpoint, true);
      if (found) return { found, confirmed };
      confirmed++;
      if (!(checkpoint.seq <= this.lastSeq)) return { confirmed };
    }
  }

  /**
   * What is wrong with a checkpoint after the boundary once the rows have passed it (or,
   * `atEnd`, ended), or undefined when it holds. Its seq is at least the last row's.
   */
  private passedProblem(checkpoint: Checkpoint, atEnd: boolean): Break | undefined {
    const seq = checkpoint.seq;
    if (!isCheckpointSeq(seq)) return { seq: this.lastSeq + 1, problem: `a checkpoint after seq ${this.lastSeq} has an invalid seq` };
    if (isMultiChainCheckpoint(checkpoint)) return this.cutProblem(checkpoint);
    if (seq === this.lastSeq) {
      // Left behind a v2 checkpoint at the same seq: the row at its seq is the last one pushed.
      const found = this.rowSealProblem(checkpoint, this.lastRow?.hash ?? (seq === this.boundary ? this.rootHash : undefined));
      return found && { ...found, ...(this.lastRow ? { before: beforeOf(this.lastRow) } : {}) };
    }
    if (atEnd && seq > this.lastSeq) {
      return { seq, problem: `a checkpoint seals seq ${seq} but the rows end at seq ${this.lastSeq}: rows were deleted from the end` };
    }
    return { seq, problem: `seq ${seq} is sealed by a checkpoint but missing: a row was deleted` };
  }

  /** A v1 checkpoint against the row at its seq (`rowHash`, undefined when that row is gone): today's single-chain rule. */
  private rowSealProblem(checkpoint: Checkpoint, rowHash: string | undefined): Break | undefined {
    if (rowHash !== undefined && checkpoint.hash !== rowHash) {
      return { seq: checkpoint.seq, problem: `the checkpoint at seq ${checkpoint.seq} seals a different hash: rows up to it were rewritten` };
    }
    return this.signatureProblem(checkpoint);
  }

  private signatureProblem(checkpoint: Checkpoint): Break | undefined {
    if (this.keys.some((key) => verifyCheckpoint(checkpoint, key))) return undefined;
    return { seq: checkpoint.seq, problem: `the checkpoint at seq ${checkpoint.seq} (key ${String(checkpoint?.keyId)}) has an invalid signature` };
  }

  /**
   * A v2 checkpoint as the cut it is: its signature, its root, each head it names against
   * that chain's last row, and every chain it does not name. Of several disagreements
   * among heads and chains, the one at the smallest seq.
   */
  private cutProblem(checkpoint: Checkpoint): Break | undefined {
    // The rows pushed lie at or below the checkpoint: a break named at its seq leaves out only its own row.
    const atCheckpoint = (problem: string): Break => {
      const before = this.beforeSeq(checkpoint.seq);
      return { seq: checkpoint.seq, problem, ...(before ? { before } : {}) };
    };
    const signature = this.signatureProblem(checkpoint);
    if (signature) return atCheckpoint(signature.problem);
    const named = `the checkpoint at seq ${checkpoint.seq}`;
    const root = checkpoint.root!;
    if (root.seq !== this.boundary) return atCheckpoint(`${named} roots the partition chains at seq ${root.seq}, not at seq ${this.boundary}`);
    if (root.hash !== this.rootHash) return atCheckpoint(`${named} seals a different root (seq ${root.seq}): rows up to it were rewritten`);
    let found: Break | undefined;
    const keep = (candidate: Break | undefined) => {
      if (candidate !== undefined && (found === undefined || candidate.seq < found.seq)) found = candidate;
    };
    const heads = checkpoint.heads!;
    const sealedChains = new Set<string>();
    let sealedPresent = 0;
    for (let index = 0; index < heads.length; index++) {
      const head = heads[index]!;
      const key = partitionChainKey(head.topic, head.partition)!;
      sealedChains.add(key);
      const chain = this.chains.get(key);
      if (chain !== undefined) sealedPresent++;
      keep(this.headProblem(named, checkpoint, index, chain));
    }
    if (sealedPresent < this.chains.size) {
      for (const [key, chain] of this.chains) {
        if (sealedChains.has(key)) continue;
        const first = chain.first;
        if (first === undefined) {
          keep(atCheckpoint(`${named} does not seal the partition chain whose head startAfter gives at seq ${chain.at(0).seq}`));
        } else {
          // Every row pushed lies at or below the checkpoint: the chain existed at the cut.
          keep({
            seq: first.seq,
            problem: `seq ${first.seq} is the first row of a partition chain ${named} does not seal: the chain was not there when it was signed`,
            before: beforeOf(first),
          });
        }
      }
    }
    return found;
  }

  /** Head `index` of a verified v2 checkpoint against its chain's last row (its start head, before any row). */
  private headProblem(named: string, checkpoint: Checkpoint, index: number, chain: PartitionChain | undefined): Break | undefined {
    const head = checkpoint.heads![index]!;
    const sealed = `${named} seals seq ${head.seq} as its partition chain's head`;
    const missing = (problem: string): Break => {
      const before = this.beforeHead(checkpoint, index);
      return { seq: head.seq, problem, ...(before ? { before } : {}) };
    };
    const deleted = (ends: string): Break => missing(`${sealed}, but ${ends}: rows of the chain up to seq ${head.seq} were deleted`);
    const rewritten = (entry: ChainEntry): Break => ({
      seq: head.seq,
      problem: `${named} seals a different hash at seq ${head.seq}: rows of its partition chain up to it were rewritten`,
      ...(entry.kind === 'row' ? { before: beforeOf(entry) } : {}),
    });
    const last = chain?.at(0);
    if (chain === undefined || last === undefined || last.kind === 'root') return deleted('the chain has no row');
    if (last.seq < head.seq) return deleted(`the chain ends at seq ${last.seq}`);
    if (last.seq === head.seq) return last.hash === head.hash ? undefined : rewritten(last);
    // The chain goes on past the head: rows were added after the cut, unless the head itself is not what was sealed.
    const age = chain.ageOf(head.seq);
    if (age > 0) {
      const entry = chain.at(age);
      if (entry.hash !== head.hash) return rewritten(entry);
      const first = chain.at(age - 1);
      const more = age === 1 ? 'follows' : `(and ${age - 1} more) follow`;
      return {
        seq: first.seq,
        problem: `${sealed}, but seq ${first.seq} ${more} it in the chain: rows were inserted after the checkpoint`,
        before: beforeOf(first),
      };
    }
    if (chain.oldest().seq < head.seq) return missing(`${sealed}, but the chain has no row at seq ${head.seq}: a row was deleted, replaced or moved`);
    return {
      seq: last.seq,
      problem: `${sealed}, but the chain goes on to seq ${last.seq}: rows were inserted after the checkpoint`,
      before: beforeOf(last),
    };
  }

  /** `checked` and `head` before the rows reached head `index` of `checkpoint`, when known. */
  private beforeHead(checkpoint: Checkpoint, index: number): Before | undefined {
    const passes = this.passes;
    const seq = checkpoint.heads![index]!.seq;
    if (seq < this.lastSeq && passes !== undefined && passes.checkpoint === checkpoint && index < passes.cursor) return passes.before[index];
    return this.beforeSeq(seq);
  }

  /** `checked` and `head` before the rows reached `seq`, when it is not below the last row. */
  private beforeSeq(seq: number): Before | undefined {
    if (this.lastRow !== undefined && this.lastRow.seq === seq) return beforeOf(this.lastRow);
    return seq > this.lastSeq ? { checked: this.checked, head: this.head } : undefined;
  }

  /** Records, for the v2 checkpoint due next, `checked` and `head` at each of its heads the row at `seq` reaches. */
  private trackPasses(seq: number): void {
    const passes = this.passes;
    if (passes === undefined || passes.checkpoint !== this.pending) return;
    const heads: unknown[] = passes.checkpoint.heads as unknown[];
    while (passes.cursor < heads.length) {
      const headSeq = (heads[passes.cursor] as { seq?: unknown } | null)?.seq;
      if (typeof headSeq !== 'number' || headSeq > seq) return;
      passes.before[passes.cursor++] = { checked: this.checked, head: this.head };
    }
  }

  /** Starts tracking the heads of the checkpoint now due, from the first the rows have not reached. */
  private startTracking(): void {
    const pending = this.pending;
    this.passes = undefined;
    if (pending === undefined || !isMultiChainCheckpoint(pending) || !Array.isArray(pending.heads)) return;
    const passed = this.passedSeq();
    const heads: unknown[] = pending.heads;
    let cursor = 0;
    while (cursor < heads.length) {
      const headSeq = (heads[cursor] as { seq?: unknown } | null)?.seq;
      if (typeof headSeq !== 'number' || headSeq > passed) break;
      cursor++;
    }
    this.passes = { checkpoint: pending, cursor, before: new Array<Before | undefined>(cursor) };
  }

  /** Checkpoints at or before a `{ seq, hash }` start: their rows are gone, so only signatures, and the start's hash at its seq. */
  private checkBeforeStart(start: ChainHead | undefined): void {
    while (this.pending !== undefined && !this.broken && this.pending.seq < this.expectedSeq) {
      const checkpoint = this.pending;
      const found = isMultiChainCheckpoint(checkpoint)
        ? this.signatureProblem(checkpoint)
        : this.rowSealProblem(checkpoint, checkpoint.seq === start?.seq ? start.hash : undefined);
      if (found) this.fail(found.seq, found.problem);
      else this.confirm();
    }
  }

  /**
   * Checkpoints at or before a `{ root, heads }` start: their rows are gone, so only
   * signatures; a v2 one at the start's seq must be the start, and a v1 one at a seq whose
   * hash the start gives must seal that hash.
   */
  private checkBeforeStartCut(start: StartCut): void {
    while (this.pending !== undefined && !this.broken && this.pending.seq <= start.seq) {
      const checkpoint = this.pending;
      let found: Break | undefined;
      if (!isMultiChainCheckpoint(checkpoint)) found = this.rowSealProblem(checkpoint, start.hashes.get(checkpoint.seq));
      else found = this.signatureProblem(checkpoint) ?? (checkpoint.seq === start.seq ? startProblem(checkpoint, start) : undefined);
      if (found) this.fail(found.seq, found.problem);
      else this.confirm();
    }
  }

  private confirm(): void {
    this.checkpointsChecked++;
    this.advance();
  }

  /** Moves to the next checkpoint, reading it from the feed unless `result()` already has. */
  private advance(): void {
    this.ahead.shift();
    if (this.ahead.length === 0) this.read();
    this.startTracking();
    const pending = this.pending;
    if (pending !== undefined && !isCheckpointSeq(pending.seq)) {
      const after = this.passedSeq();
      this.fail(after + 1, `a checkpoint after seq ${after} has an invalid seq`);
    }
  }

  private read(): void {
    const next = this.feed?.next();
    if (next === undefined || next.done) {
      this.feed = undefined;
      return;
    }
    const checkpoint = next.value;
    if (this.boundary === undefined && isMultiChainCheckpoint(checkpoint)) {
      throw new AuditChainError(
        AuditChainErrorCode.CheckpointInvalid,
        'a v2 checkpoint seals partition chains: give partitionChainsAfter (or startAfter with heads) to verify it',
      );
    }
    const previous = this.lastRead;
    if (previous !== undefined && isCheckpointSeq(previous.seq) && isCheckpointSeq(checkpoint.seq) && checkpoint.seq < previous.seq) {
      throw new AuditChainError(AuditChainErrorCode.CheckpointInvalid, 'checkpoints must be passed sorted by seq');
    }
    this.lastRead = checkpoint;
    this.ahead.push(checkpoint);
  }

  private fail(seq: number, problem: string): false {
    if (this.broken) return false;
    const sealed = this.pending;
    // A checkpoint inside a gap of the single chain seals a row that is no longer there: it is the earlier evidence.
    if (
      this.inSingleChain() &&
      sealed !== undefined &&
      Number.isSafeInteger(sealed.seq) &&
      sealed.seq >= this.expectedSeq &&
      sealed.seq < seq
    ) {
      this.broken = { seq: sealed.seq, problem: `${problem}, including seq ${sealed.seq} sealed by a checkpoint` };
    } else {
      this.broken = { seq, problem };
    }
    return false;
  }

  /** A break after the boundary, named at or below rows already pushed: they no longer count, as far as is known. */
  private breakAt(found: Break): false {
    if (this.broken) return false;
    this.broken = { seq: found.seq, problem: found.problem };
    if (found.before !== undefined) {
      this.checked = found.before.checked;
      this.head = found.before.head;
    }
    this.intactBelow = found.seq;
    return false;
  }

  /** Each partition chain's last intact row (or start head) below `below` (all, without it), sorted by seq. */
  private chainHeads(below: number | undefined): SealedHead[] {
    const heads: SealedHead[] = [];
    for (const chain of this.chains.values()) {
      const entry = below === undefined ? chain.at(0) : chain.lastBelow(below);
      if (entry === undefined || entry.kind === 'root') continue;
      heads.push({ seq: entry.seq, hash: entry.hash, topic: chain.topic, partition: chain.partition });
    }
    return heads.sort((a, b) => a.seq - b.seq);
  }
}

function isPartitionChainHeads(start: ChainHead | PartitionChainHeads): start is PartitionChainHeads {
  return typeof start === 'object' && start !== null && ('root' in start || 'heads' in start);
}

function isCheckpointSeq(seq: unknown): seq is number {
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1;
}

function beforeOf(entry: ChainEntry): Before {
  return { checked: entry.checkedBefore, head: entry.headBefore };
}

/**
 * A verified v2 checkpoint at a `{ root, heads }` start's seq against that start: a root
 * that differs names the checkpoint, heads that differ the smallest seq where they do.
 */
function startProblem(checkpoint: Checkpoint, start: StartCut): Break | undefined {
  const named = `the checkpoint at seq ${checkpoint.seq}, where startAfter begins,`;
  const root = checkpoint.root!;
  if (root.seq !== start.root.seq || root.hash !== start.root.hash) {
    return { seq: checkpoint.seq, problem: `${named} seals a different root than startAfter (seq ${start.root.seq})` };
  }
  const given = new Map(start.heads.map((head) => [head.seq, head]));
  let differs: number | undefined;
  for (const head of checkpoint.heads!) {
    const other = given.get(head.seq);
    given.delete(head.seq);
    if (other !== undefined && other.hash === head.hash && other.topic === head.topic && other.partition === head.partition) continue;
    differs = Math.min(differs ?? head.seq, head.seq);
  }
  for (const seq of given.keys()) differs = Math.min(differs ?? seq, seq);
  if (differs === undefined) return undefined;
  return { seq: differs, problem: `${named} seals other partition chain heads than startAfter: they differ at seq ${differs}` };
}

function safeHash(row: ChainedDecision): string | undefined {
  try {
    return hashRecord(row);
  } catch {
    return undefined; // an edit made the row uncanonicalisable (NaN, a Map, ...): it cannot match
  }
}

function renderedHash(row: RenderedRow): string | undefined {
  if (row.contentHash !== undefined) return row.contentHash ?? undefined;
  return typeof row.content === 'string' && typeof row.prevHash === 'string' ? hashContent(row.prevHash, row.content) : undefined;
}

function describeRange(from: number, to: number): string {
  return from === to ? `${from}` : `${from}-${to}`;
}
