import type { IHeaders } from 'kafkajs';
import { RECORD_LIMITS } from './bounds';
import { headerText } from './envelope';
import type { Problem, RejectionReason } from './problems';

/*
 * Records the sharing broker cannot evaluate go to `accord.dlq` unchanged (key, value and
 * the original headers), with these headers added so ops can see why and redrive them to
 * where they came from. Problems carry paths and rules, never values.
 */

export const DEAD_LETTER_HEADERS = {
  reason: 'accord_dlq_reason',
  problems: 'accord_dlq_problems',
  topic: 'accord_dlq_topic',
  partition: 'accord_dlq_partition',
  offset: 'accord_dlq_offset',
  rejectedAt: 'accord_dlq_at',
  decision: 'accord_dlq_decision',
  /** How many times ops re-published the record; redrive stops at a limit. */
  redriveCount: 'accord_redrive_count',
  /**
   * What of the original record is not in the dead letter because it was over the record
   * bounds (comma-separated: `value`, `key`, `headers`); absent when it is all there. Such a
   * record cannot be valid, so it is not redriven.
   */
  dropped: 'accord_dlq_dropped',
} as const;

export const REJECTION_REASONS: readonly RejectionReason[] = [
  'invalid-envelope',
  'invalid-payload',
  'unknown-event-type',
  'invalid-identifier',
  'unprocessable',
  'duplicate-id-conflict',
];

export interface DeadLetter {
  reason: RejectionReason;
  problems: Problem[];
  /** Where the record was consumed from: its source topic, partition and offset. */
  topic: string;
  partition: number;
  offset: string;
  /** ISO 8601. */
  rejectedAt: string;
  /** The `rejected` decision recorded for it. */
  decisionId: string;
  redriveCount: number;
}

/** The headers the broker adds to a rejected record (the original headers are kept beside them). */
export function deadLetterHeaders(letter: DeadLetter): Record<string, string> {
  return {
    [DEAD_LETTER_HEADERS.reason]: letter.reason,
    [DEAD_LETTER_HEADERS.problems]: JSON.stringify(letter.problems.map(({ path, problem }) => ({ path, problem }))),
    [DEAD_LETTER_HEADERS.topic]: letter.topic,
    [DEAD_LETTER_HEADERS.partition]: String(letter.partition),
    [DEAD_LETTER_HEADERS.offset]: letter.offset,
    [DEAD_LETTER_HEADERS.rejectedAt]: letter.rejectedAt,
    [DEAD_LETTER_HEADERS.decision]: letter.decisionId,
    [DEAD_LETTER_HEADERS.redriveCount]: String(letter.redriveCount),
  };
}

/**
 * The problems header lists every problem of the record, so it may be longer than a header
 * a partner may send; it is still read within a record's bound (beyond it, no problems).
 */
const MAX_PROBLEMS_HEADER_BYTES = RECORD_LIMITS.maxValueBytes;

/** Reads the dead-letter headers back; undefined when the record is not a dead letter. */
export function readDeadLetter(headers: IHeaders | undefined): DeadLetter | undefined {
  const reason = headerText(headers, DEAD_LETTER_HEADERS.reason);
  const topic = headerText(headers, DEAD_LETTER_HEADERS.topic);
  if (!reason || !topic || !(REJECTION_REASONS as readonly string[]).includes(reason)) return undefined;
  let problems: Problem[] = [];
  try {
    const parsed = JSON.parse(headerText(headers, DEAD_LETTER_HEADERS.problems, MAX_PROBLEMS_HEADER_BYTES) ?? '[]');
    if (Array.isArray(parsed)) problems = parsed.filter((item) => item && typeof item.path === 'string' && typeof item.problem === 'string');
  } catch {
    problems = [];
  }
  return {
    reason: reason as RejectionReason,
    problems,
    topic,
    partition: Number(headerText(headers, DEAD_LETTER_HEADERS.partition) ?? '0'),
    offset: headerText(headers, DEAD_LETTER_HEADERS.offset) ?? '',
    rejectedAt: headerText(headers, DEAD_LETTER_HEADERS.rejectedAt) ?? '',
    decisionId: headerText(headers, DEAD_LETTER_HEADERS.decision) ?? '',
    redriveCount: Number(headerText(headers, DEAD_LETTER_HEADERS.redriveCount) ?? '0') || 0,
  };
}

/** Headers of a DLQ record without the dead-letter ones: what a redrive re-publishes. */
export function originalHeaders(headers: IHeaders | undefined): Record<string, string> {
  const names = new Set<string>(Object.values(DEAD_LETTER_HEADERS));
  const kept: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    if (names.has(name)) continue;
    const text = headerText(headers, name);
    if (text !== undefined) kept[name] = text;
  }
  return kept;
}
