import { createHash } from 'node:crypto';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import {
  boundedJson,
  decodeEvent,
  HEADERS,
  isValidNhsNumber,
  isValidNiNumber,
  normaliseNhsNumber,
  normaliseNiNumber,
  participantFromEventsTopic,
  participantFromSource,
  validateEventData,
  type DecodedEvent,
  type Problem,
  type RejectionReason,
} from '@accord/contracts';
import { acceptEventData } from './fast-validation';
import { rejectionDecisionId, type EventToEvaluate, type JsonObject, type SubjectIdentifiers } from '@accord/governance';

/** One consumed record and where it came from. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  message: KafkaMessage;
}

/** A record that is a valid event: ready to be evaluated. */
export interface AcceptedEvent {
  kind: 'accepted';
  record: ConsumedRecord;
  /** The envelope as decoded (its key, source URI, ...). */
  envelope: DecodedEvent;
  /** What the governance engine evaluates: the publishing participant and the validated, normalised data. */
  event: EventToEvaluate;
  subject: SubjectIdentifiers;
}

/** A record that cannot be evaluated: it goes to `accord.dlq` with a `rejected` decision. */
export interface RejectedRecord {
  kind: 'rejected';
  record: ConsumedRecord;
  reason: RejectionReason;
  problems: Problem[];
  decisionId: string;
  /** `ce_id` when it is a UUID. */
  eventId: string | null;
  /** `ce_type` when it looks like an event type name (it is sender-chosen text). */
  eventType: string | null;
  /** The participant whose events topic the record was on. */
  source: string | null;
  /** The person's identifiers when every one present is valid, for the subject key; else null. */
  subject: SubjectIdentifiers | null;
}

export type InspectedRecord = AcceptedEvent | RejectedRecord;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_TYPE_LIKE = /^[a-z0-9][a-z0-9._-]{0,99}$/i;

/**
 * Decodes the envelope, checks that the record's source is the participant whose topic it
 * is on (a participant cannot publish as another), and validates the data against its
 * event type. Never throws for bad input: everything wrong becomes a rejection.
 */
export function inspectRecord(record: ConsumedRecord): InspectedRecord {
  const decoded = decodeEvent(record.message);
  if (!decoded.ok) return reject(record, 'invalid-envelope', decoded.problems);
  const envelope = decoded.event;
  const topicParticipant = participantFromEventsTopic(record.topic);
  if (topicParticipant !== undefined && topicParticipant !== envelope.participant) {
    return reject(record, 'invalid-envelope', [
      { path: HEADERS.source, problem: 'must name the participant whose events topic the record is on' },
    ]);
  }
  // The fast path only ever accepts; everything else gets validateEventData's verdict and problems.
  const validated =
    acceptEventData(envelope.type, envelope.data, envelope.participant) ??
    validateEventData(envelope.type, envelope.data, { publisher: envelope.participant });
  if (!validated.ok) return reject(record, validated.reason, validated.problems, envelope.data);
  const data = validated.value as JsonObject;
  const subject = (data.subject ?? {}) as SubjectIdentifiers;
  return {
    kind: 'accepted',
    record,
    envelope,
    event: { id: envelope.id, type: envelope.type, source: envelope.participant, time: envelope.time, data },
    subject: { nhsNumber: subject.nhsNumber, niNumber: subject.niNumber },
  };
}

/**
 * `inspectRecord`, for a record that makes it throw (a defect the bounds did not foresee):
 * the record is `unprocessable` and goes to the DLQ, and the batch goes on without it.
 */
export function inspectGuarded(record: ConsumedRecord): InspectedRecord {
  try {
    return inspectRecord(record);
  } catch {
    return unprocessable(record);
  }
}

/**
 * A rejection for a record that failed while it was inspected or evaluated. Built from the
 * headers alone, read defensively: whatever failed may fail again on the value.
 */
export function unprocessable(record: ConsumedRecord): RejectedRecord {
  const problems = [{ path: 'value', problem: 'could not be processed' }];
  try {
    return reject(record, 'unprocessable', problems, null);
  } catch {
    return {
      kind: 'rejected',
      record,
      reason: 'unprocessable',
      problems,
      decisionId: rejectionDecisionId({ rawRecord: rawRecordOf(record) }),
      eventId: null,
      eventType: null,
      source: participantFromEventsTopic(record.topic) ?? null,
      subject: null,
    };
  }
}

function reject(record: ConsumedRecord, reason: RejectionReason, problems: Problem[], data?: unknown): RejectedRecord {
  const headers = record.message.headers;
  const idHeader = headerText(headers, HEADERS.id);
  const eventId = idHeader !== undefined && UUID.test(idHeader) ? idHeader : null;
  const typeHeader = headerText(headers, HEADERS.type);
  const sourceHeader = headerText(headers, HEADERS.source);
  return {
    kind: 'rejected',
    record,
    reason,
    problems,
    decisionId: eventId !== null ? rejectionDecisionId({ eventId }) : rejectionDecisionId({ rawRecord: rawRecordOf(record) }),
    eventId,
    eventType: typeHeader !== undefined && EVENT_TYPE_LIKE.test(typeHeader) ? typeHeader : null,
    source: participantFromEventsTopic(record.topic) ?? (sourceHeader ? participantFromSource(sourceHeader) ?? null : null),
    subject: validIdentifiers(data === undefined ? parseValue(record.message.value) : data),
  };
}

/**
 * What identifies a record without a usable event id: where it was consumed and its bytes,
 * so a redelivery of the same record maps to the same rejection and two records never share one.
 */
export function rawRecordOf(record: ConsumedRecord): Buffer {
  const digest = (value: Buffer | string | null | undefined) =>
    value === null || value === undefined ? null : createHash('sha256').update(value).digest('hex');
  return Buffer.from(
    JSON.stringify([record.topic, record.partition, record.offset, digest(record.message.key), digest(record.message.value)]),
    'utf8',
  );
}

/** The NHS / NI numbers of the data's subject, normalised, when each one present is valid; otherwise null. */
export function validIdentifiers(data: unknown): SubjectIdentifiers | null {
  if (typeof data !== 'object' || data === null) return null;
  const subject = (data as { subject?: unknown }).subject;
  if (typeof subject !== 'object' || subject === null) return null;
  const { nhsNumber, niNumber } = subject as { nhsNumber?: unknown; niNumber?: unknown };
  if (nhsNumber === undefined && niNumber === undefined) return null;
  if (nhsNumber !== undefined && nhsNumber !== null && !isValidNhsNumber(nhsNumber)) return null;
  if (niNumber !== undefined && niNumber !== null && !isValidNiNumber(niNumber)) return null;
  const identifiers: { nhsNumber?: string; niNumber?: string } = {};
  if (typeof nhsNumber === 'string') identifiers.nhsNumber = normaliseNhsNumber(nhsNumber);
  if (typeof niNumber === 'string') identifiers.niNumber = normaliseNiNumber(niNumber);
  return identifiers.nhsNumber === undefined && identifiers.niNumber === undefined ? null : identifiers;
}

/** The value parsed for its identifiers, only when it is within the record bounds (else nothing is read from it). */
function parseValue(value: Buffer | string | null): unknown {
  return value === null ? undefined : boundedJson(value, []);
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined || first === null) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}
