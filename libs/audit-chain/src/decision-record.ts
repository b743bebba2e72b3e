/** The legal basis a sharing agreement relies on (docs/contract.md, "Agreements"), copied into each decision. */
export interface LawfulBasis {
  article6: string;
  article9: string | null;
  legislation: string[];
}

export type DecisionOutcome = 'shared' | 'withheld' | 'rejected';

/**
 * One row of the audit log (docs/contract.md, "Decision records and the audit chain"):
 * one per (event, candidate recipient), and one per rejected event. Holds digests and
 * field names, never a copy of the personal data.
 */
export interface DecisionRecord {
  /** UUID, deterministic from event id, recipient, agreement id and version. */
  decisionId: string;
  /** null for a rejected record without a usable event id. */
  eventId: string | null;
  eventType: string | null;
  /** Participant id of the publisher. */
  source: string | null;
  /** Participant id of the candidate recipient; null for a rejected record. */
  recipient: string | null;
  agreementId: string | null;
  /** Integer. */
  agreementVersion: number | null;
  purpose: string | null;
  lawfulBasis: LawfulBasis | null;
  outcome: DecisionOutcome;
  reasons: string[];
  fieldsReleased: string[];
  fieldsWithheld: string[];
  /** The consent statements consulted. */
  consentRefs: string[];
  /** Keyed hash of the person's identifiers — never the raw identifier. */
  subjectKey: string | null;
  /** SHA-256 of what was released. */
  payloadDigest: string | null;
  topic: string;
  /** Integer. */
  partition: number;
  /** Kafka offsets are int64, so a decimal string. */
  offset: string;
  /** ISO 8601, millisecond precision, UTC: `2026-04-01T09:30:00.000Z`. */
  decidedAt: string;
  /** Unique and increasing across the log (strictly within a chain), starting at 1; it may have gaps (docs/audit-chains.md). */
  seq: number;
  /** The previous row's `hash`; `GENESIS_HASH` for seq 1. */
  prevHash: string;
  /** Lowercase hex SHA-256, see `hashRecord`. */
  hash: string;
}

export type ChainedDecision = DecisionRecord;
export type UnchainedDecision = Omit<DecisionRecord, 'seq' | 'prevHash' | 'hash'>;

/** Where a chain ends (or where verification resumes): the last row's seq and hash. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * Every field that is hashed, i.e. every DecisionRecord field except `hash`, sorted by
 * UTF-16 code unit (for these ASCII names, plain alphabetical order).
 */
export const HASHED_FIELDS = [
  'agreementId',
  'agreementVersion',
  'consentRefs',
  'decidedAt',
  'decisionId',
  'eventId',
  'eventType',
  'fieldsReleased',
  'fieldsWithheld',
  'lawfulBasis',
  'offset',
  'outcome',
  'partition',
  'payloadDigest',
  'prevHash',
  'purpose',
  'reasons',
  'recipient',
  'seq',
  'source',
  'subjectKey',
  'topic',
] as const satisfies readonly Exclude<keyof DecisionRecord, 'hash'>[];

/** The fields a caller supplies to `chain()`. */
export const CONTENT_FIELDS = HASHED_FIELDS.filter(
  (field): field is Exclude<(typeof HASHED_FIELDS)[number], 'seq' | 'prevHash'> =>
    field !== 'seq' && field !== 'prevHash',
);

// Compile-time proof that no DecisionRecord field escapes the hash.
type UnhashedField = Exclude<Exclude<keyof DecisionRecord, 'hash'>, (typeof HASHED_FIELDS)[number]>;
const everyFieldIsHashed: [UnhashedField] extends [never] ? true : never = true;
void everyFieldIsHashed;
