import { randomUUID } from 'node:crypto';
import type { IHeaders } from 'kafkajs';
import { boundedJson, boundedText, hasControlCharacter, RECORD_LIMITS } from './bounds';
import { isJsonObject, isRfc3339DateTime, isUuid } from './formats';
import { isParticipantId, participantFromSource, sourceOf } from './participants';
import type { Problem } from './problems';

/*
 * CloudEvents 1.0 in Kafka binary mode (docs/contract.md, "The envelope"): attributes
 * in `ce_*` headers, the event data as the JSON value, the source's opaque person
 * reference as the key. Problems name the header and the rule, never a value: values
 * may be personal data.
 */

export const SPEC_VERSION = '1.0';
export const JSON_CONTENT_TYPE = 'application/json';

export const HEADERS = {
  specVersion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  time: 'ce_time',
  contentType: 'content-type',
  agreement: 'ce_accordagreement',
  purpose: 'ce_accordpurpose',
  decision: 'ce_accorddecision',
} as const;

/** What kafkajs accepts as a Message, with every part as a string. */
export interface EncodedRecord {
  key: string;
  headers: Record<string, string>;
  value: string;
}

/** What kafkajs delivers (KafkaMessage), or what a test builds by hand. */
export interface IncomingRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: IHeaders;
}

export interface EventToEncode {
  /** `ce_id`; a new UUID when absent. */
  id?: string;
  /** The publishing participant, `<org>.<system>`; becomes `urn:accord:<participant>`. */
  source: string;
  type: string;
  /** RFC 3339; now when absent. */
  time?: string;
  /** The event data; `subject.localId` becomes the key. */
  data: object;
}

export interface DecodedEvent {
  id: string;
  /** `urn:accord:<participant>`. */
  source: string;
  participant: string;
  type: string;
  time: string;
  data: Record<string, unknown>;
  /** The record key: the source's `subject.localId`. */
  key: string;
}

export type DecodeEventResult = { ok: true; event: DecodedEvent } | { ok: false; reason: 'invalid-envelope'; problems: Problem[] };

export interface Delivery {
  agreementId: string;
  agreementVersion: number;
  /** The agreement's purpose code. */
  purpose: string;
  decisionId: string;
  /** Overrides the record key, e.g. with a pseudonym when the agreement withholds `subject.localId`. */
  key?: string;
}

export interface InboxRecord {
  /** The original event's id, source, type and time, with the projected data. */
  event: DecodedEvent;
  /** `<agreementId>@<agreementVersion>`: with `event.id`, what recipients de-duplicate on. */
  agreement: string;
  agreementId: string;
  agreementVersion: number;
  purpose: string;
  decisionId: string;
}

export type DecodeInboxRecordResult = { ok: true; value: InboxRecord } | { ok: false; reason: 'invalid-envelope'; problems: Problem[] };

/** `subject.localId` of event data, when it is a string. */
export function localIdOf(data: unknown): string | undefined {
  if (!isJsonObject(data) || !isJsonObject(data.subject)) return undefined;
  const localId = data.subject.localId;
  return typeof localId === 'string' ? localId : undefined;
}

/**
 * A kafkajs message for a participant's events topic. Throws on inputs only a programming
 * error produces (the data itself is validated separately with `validateEventData`).
 */
export function encodeEvent(event: EventToEncode): EncodedRecord {
  const id = event.id ?? randomUUID();
  const time = event.time ?? new Date().toISOString();
  if (!isUuid(id)) throw new Error('encodeEvent: id must be a UUID');
  if (!isParticipantId(event.source)) throw new Error('encodeEvent: source must be a participant id <org>.<system>');
  if (event.type.length === 0) throw new Error('encodeEvent: type must not be empty');
  if (!isRfc3339DateTime(time)) throw new Error('encodeEvent: time must be an RFC 3339 date-time');
  const key = localIdOf(event.data);
  if (key === undefined || key.length === 0) throw new Error('encodeEvent: data.subject.localId is required (it is the record key)');
  return {
    key,
    headers: {
      [HEADERS.specVersion]: SPEC_VERSION,
      [HEADERS.id]: id,
      [HEADERS.source]: sourceOf(event.source),
      [HEADERS.type]: event.type,
      [HEADERS.time]: time,
      [HEADERS.contentType]: JSON_CONTENT_TYPE,
    },
    value: JSON.stringify(event.data),
  };
}

/** Checks every part of an events-topic record and lists every problem. */
export function decodeEvent(message: IncomingRecord): DecodeEventResult {
  const problems: Problem[] = [];
  const event = decodeEnvelope(message, problems);
  return event && problems.length === 0 ? { ok: true, event } : { ok: false, reason: 'invalid-envelope', problems };
}

/**
 * The record the broker writes to a recipient's inbox: the original event's attributes,
 * the agreement that allowed it, and only the projected data. The key is the projected
 * `subject.localId` when released, else the original key (a local reference, never an
 * NHS number), unless the delivery names one.
 */
export function encodeInboxRecord(event: DecodedEvent, delivery: Delivery, projectedData: object): EncodedRecord {
  if (!Number.isInteger(delivery.agreementVersion) || delivery.agreementVersion < 1) {
    throw new Error('encodeInboxRecord: agreementVersion must be a positive integer');
  }
  return {
    key: delivery.key ?? localIdOf(projectedData) ?? event.key,
    headers: {
      [HEADERS.specVersion]: SPEC_VERSION,
      [HEADERS.id]: event.id,
      [HEADERS.source]: event.source,
      [HEADERS.type]: event.type,
      [HEADERS.time]: event.time,
      [HEADERS.contentType]: JSON_CONTENT_TYPE,
      [HEADERS.agreement]: `${delivery.agreementId}@${delivery.agreementVersion}`,
      [HEADERS.purpose]: delivery.purpose,
      [HEADERS.decision]: delivery.decisionId,
    },
    value: JSON.stringify(projectedData),
  };
}

const AGREEMENT_HEADER = /^([a-z0-9-]+)@([1-9]\d*)$/;

/** Checks every part of an inbox record, the accord headers included, and lists every problem. */
export function decodeInboxRecord(message: IncomingRecord): DecodeInboxRecordResult {
  const problems: Problem[] = [];
  const event = decodeEnvelope(message, problems);
  const agreement = header(message.headers, HEADERS.agreement, problems);
  const match = agreement === undefined ? null : AGREEMENT_HEADER.exec(agreement);
  if (agreement !== undefined && !match) problems.push({ path: HEADERS.agreement, problem: 'must be <agreement id>@<version>' });
  const purpose = header(message.headers, HEADERS.purpose, problems);
  const decisionId = header(message.headers, HEADERS.decision, problems);
  if (!event || !match || purpose === undefined || decisionId === undefined || problems.length > 0) {
    return { ok: false, reason: 'invalid-envelope', problems };
  }
  return {
    ok: true,
    value: { event, agreement: match[0], agreementId: match[1]!, agreementVersion: Number(match[2]), purpose, decisionId },
  };
}

/** Decodes the common CloudEvents part, adding to `problems`; undefined when anything is wrong. */
function decodeEnvelope(message: IncomingRecord, problems: Problem[]): DecodedEvent | undefined {
  const before = problems.length;
  const headers = message.headers;
  if (headers !== undefined && Object.keys(headers).length > RECORD_LIMITS.maxHeaders) {
    problems.push({ path: 'headers', problem: `must be at most ${RECORD_LIMITS.maxHeaders}` });
    return undefined;
  }

  const specVersion = header(headers, HEADERS.specVersion, problems);
  if (specVersion !== undefined && specVersion !== SPEC_VERSION) {
    problems.push({ path: HEADERS.specVersion, problem: `must be ${SPEC_VERSION}` });
  }
  const id = header(headers, HEADERS.id, problems);
  if (id !== undefined && !isUuid(id)) problems.push({ path: HEADERS.id, problem: 'must be a UUID' });

  const source = header(headers, HEADERS.source, problems);
  const participant = source === undefined ? undefined : participantFromSource(source);
  if (source !== undefined && participant === undefined) {
    problems.push({ path: HEADERS.source, problem: 'must be urn:accord:<participant>, the participant being <org>.<system>' });
  }
  const type = header(headers, HEADERS.type, problems);
  const time = header(headers, HEADERS.time, problems);
  if (time !== undefined && !isRfc3339DateTime(time)) problems.push({ path: HEADERS.time, problem: 'must be an RFC 3339 date-time' });

  const contentType = header(headers, HEADERS.contentType, problems);
  if (contentType !== undefined && !isJsonContentType(contentType)) {
    problems.push({ path: HEADERS.contentType, problem: `must be ${JSON_CONTENT_TYPE}` });
  }

  const data = jsonObject(message.value, problems);
  const key = message.key === null || message.key === undefined ? undefined : boundedText(message.key, 'key', RECORD_LIMITS.maxKeyBytes, problems);
  if (key === undefined) {
    if (message.key === null || message.key === undefined) problems.push({ path: 'key', problem: 'is missing: it must be subject.localId' });
  } else if (key.length === 0) {
    problems.push({ path: 'key', problem: 'is missing: it must be subject.localId' });
  } else if (data !== undefined) {
    // Absent localId is the payload's problem (validateEventData), not the envelope's.
    const localId = localIdOf(data);
    if (localId !== undefined && localId !== key) problems.push({ path: 'key', problem: 'must equal subject.localId of the data' });
  }

  if (problems.length > before) return undefined;
  return { id: id!, source: source!, participant: participant!, type: type!, time: time!, data: data!, key: key! };
}

/**
 * A header read as text where it is not the envelope (a record being rejected, a dead
 * letter's reason, a redrive count): the first value when the header repeats; undefined
 * when it is absent, over `maxBytes` or not valid UTF-8, so no header is decoded beyond the
 * record bounds. The one Kafka header decoder besides the envelope's own checks.
 */
export function headerText(headers: IHeaders | undefined, name: string, maxBytes: number = RECORD_LIMITS.maxHeaderBytes): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined || first === null) return undefined;
  return boundedText(first, name, maxBytes, []);
}

/** One non-empty header value; kafkajs gives an array when a header repeats, which is ambiguous here. */
function header(headers: IHeaders | undefined, name: string, problems: Problem[]): string | undefined {
  const raw = headers?.[name];
  const count = raw === undefined ? 0 : Array.isArray(raw) ? raw.length : 1;
  if (count === 0) {
    problems.push({ path: name, problem: 'is missing' });
    return undefined;
  }
  if (count > 1) {
    problems.push({ path: name, problem: 'must appear once' });
    return undefined;
  }
  const raw0 = Array.isArray(raw) ? raw[0] : raw;
  const value = raw0 === undefined || raw0 === null ? undefined : boundedText(raw0, name, RECORD_LIMITS.maxHeaderBytes, problems);
  if (value === undefined) {
    if (raw0 === undefined || raw0 === null) problems.push({ path: name, problem: 'must not be empty' });
    return undefined;
  }
  if (value.length === 0) {
    problems.push({ path: name, problem: 'must not be empty' });
    return undefined;
  }
  if (hasControlCharacter(value)) {
    problems.push({ path: name, problem: 'must not contain control characters' });
    return undefined;
  }
  return value;
}

/** `application/json`, optionally with `charset=utf-8`, in any case. */
function isJsonContentType(value: string): boolean {
  // What nearly every record carries, decided without splitting it.
  if (value === JSON_CONTENT_TYPE) return true;
  const [mediaType, ...parameters] = value.split(';').map((part) => part.trim().toLowerCase());
  return mediaType === JSON_CONTENT_TYPE && parameters.every((parameter) => parameter === 'charset=utf-8' || parameter === '');
}

function jsonObject(value: Buffer | string | null, problems: Problem[]): Record<string, unknown> | undefined {
  if (value === null || value === undefined) {
    problems.push({ path: 'value', problem: 'is missing' });
    return undefined;
  }
  const before = problems.length;
  const parsed = boundedJson(value, problems);
  if (problems.length > before) return undefined;
  if (!isJsonObject(parsed)) {
    problems.push({ path: 'value', problem: 'must be a JSON object' });
    return undefined;
  }
  return parsed;
}
