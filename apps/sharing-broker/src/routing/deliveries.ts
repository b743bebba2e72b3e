import type { IHeaders, Message } from 'kafkajs';
import {
  DEAD_LETTER_HEADERS,
  deadLetterHeaders,
  DLQ_TOPIC,
  encodeInboxRecord,
  inboxTopic,
  localIdOf,
  type DecodedEvent,
} from '@accord/contracts';
import {
  compileCondition,
  payloadDigest,
  project,
  pseudonymise,
  pseudonymKey,
  type EventToEvaluate,
  type JsonObject,
  type VersionedAgreement,
} from '@accord/governance';
import { headerText, type RejectedRecord } from './inspect';

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
 * The inbox record of a shared decision (CONTRACT.md §2). Its key keeps one person's
 * records in order for the recipient without handing over a reference it was not given:
 * the released `subject.localId` when the rule releases it (transformed if declared),
 * otherwise a pseudonym of the source's key under the agreement's own key — never an
 * NHS or NI number.
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
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(record.message.headers ?? {})) if (value !== undefined) headers[name] = value;
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
  return { topic: DLQ_TOPIC, message: { key: record.message.key, value: record.message.value, headers } };
}

/**
 * What an agreement version releases of an event, recomputed to deliver a decision that
 * was recorded earlier: the first rule for the type whose condition holds, projected and
 * transformed exactly as `evaluate` does. Consent is not re-evaluated: the recorded
 * decision stands. Undefined when no rule applies any more (it always should).
 */
export function reproject(
  event: EventToEvaluate,
  agreement: VersionedAgreement,
  pseudonymMasterKey: string,
): { released: JsonObject; payloadDigest: string } | undefined {
  const context = { data: event.data, event: { type: event.type, source: event.source, time: event.time } };
  const rule = agreement.rules.find(
    (candidate) => candidate.eventType === event.type && (candidate.when === undefined || compileCondition(candidate.when)(context)),
  );
  if (!rule) return undefined;
  const { released } = project(event.data, rule.fields, rule.transforms, pseudonymKey(pseudonymMasterKey, agreement.id));
  return { released, payloadDigest: payloadDigest(released) };
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
