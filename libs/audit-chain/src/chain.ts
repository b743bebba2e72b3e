import { GENESIS_HASH, hashRecord } from './canonical';
import { CONTENT_FIELDS, type ChainHead, type ChainedDecision, type UnchainedDecision } from './decision-record';
import { AuditChainError, AuditChainErrorCode } from './errors';
import { TOPIC_NAME } from './partition-chain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIDED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const OFFSET = /^\d+$/;
const HASH = /^[0-9a-f]{64}$/;
const OUTCOMES = new Set(['shared', 'withheld', 'rejected']);
const NULLABLE_STRINGS = [
  'eventId',
  'eventType',
  'source',
  'recipient',
  'agreementId',
  'purpose',
  'subjectKey',
  'payloadDigest',
] as const;
const STRING_ARRAYS = ['reasons', 'fieldsReleased', 'fieldsWithheld', 'consentRefs'] as const;

/**
 * Links a batch of decisions onto the chain: seq `head.seq + 1`, `head.seq + 2`, …,
 * each `prevHash` the previous row's hash (`head.hash`, or `GENESIS_HASH` when `head`
 * is null, i.e. the chain is empty), and each `hash` from `hashRecord`.
 *
 * The caller must hold the chain-head lock and insert the result in the same
 * transaction. Each decision is checked to round-trip through the audit table
 * unchanged (see `canonicalContent`); a decision that would not throws
 * `AuditRecordInvalid` naming the batch index and field, never the value.
 * Chaining in batches equals chaining everything at once.
 */
export function chain(unchained: readonly UnchainedDecision[], head: ChainHead | null): ChainedDecision[] {
  let seq = 0;
  let prevHash = GENESIS_HASH;
  if (head !== null) {
    assertHead(head);
    seq = head.seq;
    prevHash = head.hash;
  }
  const chained: ChainedDecision[] = new Array(unchained.length);
  // A batch's decisions usually share one decidedAt: check each distinct value once.
  const checkedTimes = new Set<string>();
  for (let i = 0; i < unchained.length; i++) {
    const decision = unchained[i]!;
    assertStorable(decision, i, checkedTimes);
    const record = chainedCopy(decision, ++seq, prevHash);
    record.hash = hashRecord(record);
    prevHash = record.hash;
    chained[i] = record;
  }
  return chained;
}

/**
 * Links a batch of decisions of ONE partition chain (one `(topic, partition)`) onto that
 * chain: decision i gets `seq = seqs[i]`, `prevHash` the previous row's hash (`head.hash`
 * first) and `hash` from `hashRecord`. `head` is the chain's last row, or for a chain's
 * first rows the root `{ seq: B, hash }` (the single chain's last row; `{ seq: 0, hash:
 * GENESIS_HASH }` on a hub that never had one). `seqs` come from the hub's sequence: they
 * strictly increase, start after `head.seq` and may leave gaps.
 *
 * The caller must hold that chain's head lock and insert the result in the same
 * transaction. Each decision is checked as by `chain()`, and its topic must be a Kafka
 * topic name (so a checkpoint can seal the chain's head). A refused batch throws
 * `AuditRecordInvalid` (`AuditChainHeadInvalid` for a malformed head, or a first seq not
 * after it) naming the batch index and field, never the value. Chaining in batches equals
 * chaining everything at once.
 */
export function chainPartition(unchained: readonly UnchainedDecision[], head: ChainHead, seqs: readonly number[]): ChainedDecision[] {
  assertHead(head);
  if (!Array.isArray(seqs) || seqs.length !== unchained.length) {
    throw new AuditChainError(AuditChainErrorCode.RecordInvalid, 'seqs must hold exactly one seq per decision of the batch');
  }
  let previousSeq = head.seq;
  let prevHash = head.hash;
  const chained: ChainedDecision[] = new Array(unchained.length);
  const checkedTimes = new Set<string>();
  for (let i = 0; i < unchained.length; i++) {
    const decision = unchained[i]!;
    assertStorable(decision, i, checkedTimes);
    if (!TOPIC_NAME.test(decision.topic)) {
      throw new AuditChainError(AuditChainErrorCode.RecordInvalid, `decision ${i} of the batch: topic must be a Kafka topic name`);
    }
    if (i > 0 && (decision.topic !== unchained[0]!.topic || decision.partition !== unchained[0]!.partition)) {
      throw new AuditChainError(
        AuditChainErrorCode.RecordInvalid,
        `decision ${i} of the batch: topic and partition must be decision 0's (one partition chain per batch)`,
      );
    }
    const seq = seqs[i]!;
    if (!Number.isSafeInteger(seq)) {
      throw new AuditChainError(AuditChainErrorCode.RecordInvalid, `seqs[${i}] must be an integer`);
    }
    if (seq <= previousSeq) {
      throw i === 0
        ? new AuditChainError(AuditChainErrorCode.HeadInvalid, `seqs[0] must be greater than the chain head's seq (${head.seq})`)
        : new AuditChainError(AuditChainErrorCode.RecordInvalid, `seqs[${i}] must be greater than seqs[${i - 1}]`);
    }
    const record = chainedCopy(decision, seq, prevHash);
    record.hash = hashRecord(record);
    previousSeq = seq;
    prevHash = record.hash;
    chained[i] = record;
  }
  return chained;
}

function assertHead(head: ChainHead): void {
  if (
    typeof head !== 'object' ||
    head === null ||
    !Number.isSafeInteger(head.seq) ||
    head.seq < 0 ||
    typeof head.hash !== 'string' ||
    !HASH.test(head.hash)
  ) {
    throw new AuditChainError(
      AuditChainErrorCode.HeadInvalid,
      'chain head must be { seq: a non-negative integer, hash: 64 lowercase hex digits }',
    );
  }
}

/**
 * A copy holding exactly the DecisionRecord content fields (a missing one as null), `seq`
 * and `prevHash`, so nothing unhashed is stored alongside; `hash` is the caller's to set.
 * Written as one literal, in CONTENT_FIELDS order (chain.spec.ts checks both), so every
 * row shares one object shape: copying field by field under computed names made each row
 * a dictionary object, several times larger.
 */
function chainedCopy(decision: UnchainedDecision, seq: number, prevHash: string): ChainedDecision {
  return {
    agreementId: decision.agreementId ?? null,
    agreementVersion: decision.agreementVersion ?? null,
    consentRefs: decision.consentRefs ?? null,
    decidedAt: decision.decidedAt ?? null,
    decisionId: decision.decisionId ?? null,
    eventId: decision.eventId ?? null,
    eventType: decision.eventType ?? null,
    fieldsReleased: decision.fieldsReleased ?? null,
    fieldsWithheld: decision.fieldsWithheld ?? null,
    lawfulBasis: decision.lawfulBasis ?? null,
    offset: decision.offset ?? null,
    outcome: decision.outcome ?? null,
    partition: decision.partition ?? null,
    payloadDigest: decision.payloadDigest ?? null,
    purpose: decision.purpose ?? null,
    reasons: decision.reasons ?? null,
    recipient: decision.recipient ?? null,
    source: decision.source ?? null,
    subjectKey: decision.subjectKey ?? null,
    topic: decision.topic ?? null,
    seq,
    prevHash,
    hash: '',
  } satisfies Record<(typeof CONTENT_FIELDS)[number] | 'seq' | 'prevHash' | 'hash', unknown> as ChainedDecision;
}

function assertStorable(decision: UnchainedDecision, index: number, checkedTimes: Set<string>): void {
  const invalid = (field: string, expected: string): never => {
    throw new AuditChainError(
      AuditChainErrorCode.RecordInvalid,
      `decision ${index} of the batch: ${field} must be ${expected}`,
    );
  };
  if (typeof decision.decisionId !== 'string' || !UUID.test(decision.decisionId)) invalid('decisionId', 'a UUID');
  for (const field of NULLABLE_STRINGS) {
    const value = decision[field];
    if (value !== null && value !== undefined && typeof value !== 'string') invalid(field, 'a string or null');
  }
  for (const field of STRING_ARRAYS) {
    const value = decision[field];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) invalid(field, 'an array of strings');
  }
  const version = decision.agreementVersion;
  if (version !== null && version !== undefined && !Number.isSafeInteger(version)) {
    invalid('agreementVersion', 'an integer or null');
  }
  const basis = decision.lawfulBasis;
  if (basis !== null && basis !== undefined) {
    if (
      typeof basis !== 'object' ||
      typeof basis.article6 !== 'string' ||
      (basis.article9 !== null && typeof basis.article9 !== 'string') ||
      !Array.isArray(basis.legislation) ||
      !basis.legislation.every((item) => typeof item === 'string')
    ) {
      invalid('lawfulBasis', '{ article6: string, article9: string | null, legislation: string[] } or null');
    }
  }
  if (!OUTCOMES.has(decision.outcome)) invalid('outcome', 'shared, withheld or rejected');
  if (typeof decision.topic !== 'string') invalid('topic', 'a string');
  if (!Number.isSafeInteger(decision.partition) || decision.partition < 0) invalid('partition', 'a non-negative integer');
  if (typeof decision.offset !== 'string' || !OFFSET.test(decision.offset)) invalid('offset', 'a decimal string');
  const decidedAt = decision.decidedAt;
  if (typeof decidedAt === 'string' && checkedTimes.has(decidedAt)) return;
  if (typeof decidedAt !== 'string' || !DECIDED_AT.test(decidedAt) || !roundTrips(decidedAt)) {
    invalid('decidedAt', 'an ISO timestamp with milliseconds in UTC, e.g. 2026-04-01T09:30:00.000Z');
  }
  checkedTimes.add(decidedAt);
}

/** True when timestamptz (read back as a Date) reproduces the string exactly: no 2026-02-30. */
function roundTrips(isoTimestamp: string): boolean {
  const instant = new Date(isoTimestamp);
  return !Number.isNaN(instant.getTime()) && instant.toISOString() === isoTimestamp;
}
