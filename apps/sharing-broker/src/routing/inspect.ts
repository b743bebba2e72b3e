import { createHash } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { participantFromEventsTopic } from '@accord/contracts';
import {
  inspectRecord as inspectEventRecord,
  rejectionDecisionId,
  rejectRecord,
  type AcceptedInspection,
  type RejectedInspection,
} from '@accord/governance';

export { validIdentifiers } from '@accord/governance';

/** One consumed record and where it came from. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  message: KafkaMessage;
}

/** A record that is a valid event: ready to be evaluated. */
export interface AcceptedEvent extends AcceptedInspection {
  record: ConsumedRecord;
}

/** A record that cannot be evaluated: it goes to `accord.dlq` with a `rejected` decision. */
export interface RejectedRecord extends RejectedInspection {
  record: ConsumedRecord;
  decisionId: string;
}

export type InspectedRecord = AcceptedEvent | RejectedRecord;

/** The record inspected as `@accord/governance` inspects every events-topic record. Never throws for bad input. */
export function inspectRecord(record: ConsumedRecord): InspectedRecord {
  const inspection = inspectEventRecord(record.topic, record.message);
  if (inspection.kind === 'rejected') return rejected(record, inspection);
  return { kind: 'accepted', record, envelope: inspection.envelope, event: inspection.event, subject: inspection.subject };
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
    return rejected(record, rejectRecord(record.topic, record.message, 'unprocessable', problems, null));
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

/** The rejection decision is keyed by the event id when the record has one, else by the record itself. */
function rejected(record: ConsumedRecord, inspection: RejectedInspection): RejectedRecord {
  const decisionId =
    inspection.eventId !== null ? rejectionDecisionId({ eventId: inspection.eventId }) : rejectionDecisionId({ rawRecord: rawRecordOf(record) });
  return { ...inspection, record, decisionId };
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
