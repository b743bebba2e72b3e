import {
  boundedJson,
  decodeEvent,
  HEADERS,
  headerText,
  isValidNhsNumber,
  isValidNiNumber,
  normaliseNhsNumber,
  normaliseNiNumber,
  participantFromEventsTopic,
  participantFromSource,
  validateEventDataFast,
  type DecodedEvent,
  type EventDataValidation,
  type IncomingRecord,
  type Problem,
  type RejectionReason,
} from '@accord/contracts';
import type { SubjectIdentifiers } from './consent';
import type { EventToEvaluate } from './evaluate';
import type { JsonObject } from './project';

/*
 * Inspecting a record as the broker does (docs/contract.md, "The envelope"): an
 * events-topic record becomes an event the engine can evaluate, or a rejection with its
 * reason and problems. The broker and the agreement simulation both call this, so a
 * simulation rejects exactly what the broker would. Never throws for bad input:
 * everything wrong is a rejection.
 */

/** The validated, normalised data of an event, or why it is not valid (`validateEventData`'s answer, from either engine). */
export type EventDataValidator = (eventType: string, data: unknown, publisher: string) => EventDataValidation;

/**
 * The event data validated with the publisher checked, by the event data classes compiled
 * to JSON Schema and ajv (`validateEventDataFast`: the same definition as the HTTP pipe's
 * class-validator, held to its verdicts by a differential property test).
 */
export const validatePublishedData: EventDataValidator = (eventType, data, publisher) => validateEventDataFast(eventType, data, { publisher });

/** A record that is a valid event: ready to be evaluated. */
export interface AcceptedInspection {
  readonly kind: 'accepted';
  /** The envelope as decoded (its key, source URI, ...). */
  readonly envelope: DecodedEvent;
  /** What the engine evaluates: the publishing participant and the validated, normalised data. */
  readonly event: EventToEvaluate;
  readonly subject: SubjectIdentifiers;
}

/** A record that cannot be evaluated, with what can safely be said about it. */
export interface RejectedInspection {
  readonly kind: 'rejected';
  readonly reason: RejectionReason;
  readonly problems: Problem[];
  /** `ce_id` when it has the shape of a UUID. */
  readonly eventId: string | null;
  /** `ce_type` when it looks like an event type name (it is sender-chosen text). */
  readonly eventType: string | null;
  /** The participant whose events topic the record was on, else the one `ce_source` names. */
  readonly source: string | null;
  /** The person's identifiers when every one present is valid, for the subject key; else null. */
  readonly subject: SubjectIdentifiers | null;
}

export type RecordInspection = AcceptedInspection | RejectedInspection;

/**
 * Any UUID-shaped `ce_id` keys a rejection, including one `isUuid` refuses (no version or
 * variant): the sender's redelivery of it then maps to the same rejection decision.
 */
const UUID_SHAPED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_TYPE_LIKE = /^[a-z0-9][a-z0-9._-]{0,99}$/i;

/** Sender-chosen text is echoed (in a rejection) only when it has the shape of an event type name. */
export function eventTypeLike(value: unknown): string | null {
  return typeof value === 'string' && EVENT_TYPE_LIKE.test(value) ? value : null;
}

/**
 * Decodes the envelope, checks that the record's source is the participant whose events
 * topic it is on (a participant cannot publish as another), and validates the data against
 * its event type with `validate`.
 */
export function inspectRecord(topic: string, message: IncomingRecord, validate: EventDataValidator = validatePublishedData): RecordInspection {
  const decoded = decodeEvent(message);
  if (!decoded.ok) return rejectRecord(topic, message, 'invalid-envelope', decoded.problems);
  const envelope = decoded.event;
  const topicParticipant = participantFromEventsTopic(topic);
  if (topicParticipant !== undefined && topicParticipant !== envelope.participant) {
    return rejectRecord(topic, message, 'invalid-envelope', [
      { path: HEADERS.source, problem: 'must name the participant whose events topic the record is on' },
    ]);
  }
  const attributes = { id: envelope.id, type: envelope.type, source: envelope.participant, time: envelope.time };
  const inspected = inspectEventData(attributes, envelope.data, validate);
  if (inspected.kind === 'rejected') return rejectRecord(topic, message, inspected.reason, inspected.problems, envelope.data);
  return { ...inspected, envelope };
}

/** The attributes of an event whose envelope was checked some other way (e.g. supplied in a request). */
export interface EventAttributes {
  readonly id: string;
  readonly type: string;
  /** The publishing participant. */
  readonly source: string;
  readonly time: string;
}

/** An event's data validated as `inspectRecord` validates it, once its attributes are known to be sound. */
export function inspectEventData(
  attributes: EventAttributes,
  data: unknown,
  validate: EventDataValidator = validatePublishedData,
): { kind: 'accepted'; event: EventToEvaluate; subject: SubjectIdentifiers } | { kind: 'rejected'; reason: RejectionReason; problems: Problem[] } {
  const validated = validate(attributes.type, data, attributes.source);
  if (!validated.ok) return { kind: 'rejected', reason: validated.reason, problems: validated.problems };
  const value = validated.value as JsonObject;
  return {
    kind: 'accepted',
    event: { id: attributes.id, type: attributes.type, source: attributes.source, time: attributes.time, data: value },
    subject: subjectOf(value),
  };
}

function subjectOf(data: JsonObject): SubjectIdentifiers {
  const subject = (data.subject ?? {}) as SubjectIdentifiers;
  return { nhsNumber: subject.nhsNumber, niNumber: subject.niNumber };
}

/**
 * A rejection of a record, its id, type and source read leniently from the headers.
 * `data` is the event data when it was decoded, null when nothing more is to be read from
 * the record (it already failed once), and when absent the value is parsed within the
 * record bounds for the subject's identifiers.
 */
export function rejectRecord(topic: string, message: IncomingRecord, reason: RejectionReason, problems: Problem[], data?: unknown): RejectedInspection {
  const headers = message.headers;
  const idHeader = headerText(headers, HEADERS.id);
  const typeHeader = headerText(headers, HEADERS.type);
  const sourceHeader = headerText(headers, HEADERS.source);
  return {
    kind: 'rejected',
    reason,
    problems,
    eventId: idHeader !== undefined && UUID_SHAPED.test(idHeader) ? idHeader : null,
    eventType: eventTypeLike(typeHeader),
    source: participantFromEventsTopic(topic) ?? (sourceHeader ? participantFromSource(sourceHeader) ?? null : null),
    subject: validIdentifiers(data === undefined ? parseValue(message.value) : data),
  };
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
