import type { IHeaders, Message } from 'kafkajs';
import {
  DEAD_LETTER_HEADERS,
  deadLetterHeaders,
  DLQ_TOPIC,
  encodeInboxRecord,
  headerText,
  inboxTopic,
  localIdOf,
  RECORD_LIMITS,
  type DecodedEvent,
} from '@accord/contracts';
import { pseudonymise, pseudonymKey, releaseFor, type EventToEvaluate, type JsonObject, type VersionedAgreement } from '@accord/governance';
import { byteSize, defineHeader } from '@accord/kafka';
import type { RejectedRecord } from './inspect';

/** One record to produce. */
export interface Outgoing {
  topic: string;
  message: Message;
}

export interface InboxDelivery {
  decisionId: string;
  recipient: string;
  agreementId: string;
  agreementVersion: number;
  purpose: string;
}

/**
 * The inbox record of a shared decision (docs/contract.md, "The envelope"). Its key
 * keeps one person's records in order for the recipient without handing over a
 * reference it was not given: the released `subject.localId` when the rule releases it
 * (transformed if declared), otherwise a pseudonym of the source's key under the
 * agreement's own key — never an NHS or NI number.
 */
export function inboxRecord(envelope: DecodedEvent, delivery: InboxDelivery, released: JsonObject, pseudonymMasterKey: string): Outgoing {
  const key = localIdOf(released) ?? pseudonymise(envelope.key, pseudonymKey(pseudonymMasterKey, delivery.agreementId));
  const encoded = encodeInboxRecord(
    envelope,
    {
      agreementId: delivery.agreementId,
      agreementVersion: delivery.agreementVersion,
      purpose: delivery.purpose,
      decisionId: delivery.decisionId,
      key,
    },
    released,
  );
  return { topic: inboxTopic(delivery.recipient), message: encoded };
}

/**
 * The dead letter of a rejected record: its own key, value and headers, with the reason
 * headers of `@accord/contracts` added. A redriven record keeps its redrive count.
 */
export function deadLetterRecord(rejected: RejectedRecord, rejectedAt: string): Outgoing {
  const { record } = rejected;
  const redriveCount = Number(headerText(record.message.headers, DEAD_LETTER_HEADERS.redriveCount) ?? '0');
  // What is over the record bounds stays out: the dead letter must fit in a produce request
  // (a partner's 1 MB record, copied whole, could make every send of its batch fail), and
  // such a record can never be valid, so nothing is lost for a redrive.
  const dropped: string[] = [];
  const value = byteSize(record.message.value) > RECORD_LIMITS.maxValueBytes ? (dropped.push('value'), null) : record.message.value;
  const key = byteSize(record.message.key) > RECORD_LIMITS.maxKeyBytes ? (dropped.push('key'), null) : record.message.key;
  const headers: IHeaders = {};
  let kept = 0;
  let droppedHeaders = false;
  for (const [name, header] of Object.entries(record.message.headers ?? {})) {
    if (header === undefined) continue;
    const parts: unknown[] = Array.isArray(header) ? header : [header];
    // Only bytes or text go out again: a client whose decoder merged a header named like an
    // Object.prototype member (kafkajs's own, record-codec.ts) hands on the inherited function with it.
    if (
      kept >= RECORD_LIMITS.maxHeaders ||
      name.length > RECORD_LIMITS.maxHeaderBytes ||
      parts.some((part) => !(Buffer.isBuffer(part) || typeof part === 'string') || byteSize(part) > RECORD_LIMITS.maxHeaderBytes)
    ) {
      droppedHeaders = true;
      continue;
    }
    defineHeader(headers, name, header);
    kept++;
  }
  if (droppedHeaders) dropped.push('headers');
  if (dropped.length > 0) headers[DEAD_LETTER_HEADERS.dropped] = dropped.join(',');
  Object.assign(
    headers,
    deadLetterHeaders({
      reason: rejected.reason,
      problems: rejected.problems,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      rejectedAt,
      decisionId: rejected.decisionId,
      redriveCount: Number.isInteger(redriveCount) && redriveCount >= 0 ? redriveCount : 0,
    }),
  );
  return { topic: DLQ_TOPIC, message: { key, value, headers } };
}

/**
 * What an agreement version releases of an event, to deliver a decision recorded earlier
 * (`releaseFor`: the rule and projection `evaluate` chose; the recorded consent decision
 * stands). Undefined when no rule applies any more (it always should).
 */
export function reproject(
  event: EventToEvaluate,
  agreement: VersionedAgreement,
  pseudonymMasterKey: string,
): { released: JsonObject; payloadDigest: string } | undefined {
  const release = releaseFor(event, agreement, pseudonymMasterKey);
  return release && { released: release.released, payloadDigest: release.payloadDigest };
}

/** Groups records per topic for one `sendBatch`, keeping their order within each topic. */
export function byTopic(records: readonly Outgoing[]): { topic: string; messages: Message[] }[] {
  const topics = new Map<string, Message[]>();
  for (const { topic, message } of records) {
    const messages = topics.get(topic);
    if (messages) messages.push(message);
    else topics.set(topic, [message]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
