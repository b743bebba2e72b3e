import type { KafkaMessage, Message } from 'kafkajs';
import { rejectionDecisionId } from '@accord/governance';
import { eventRecord } from '../../test/support';
import { inspectRecord, validIdentifiers, type ConsumedRecord } from './inspect';

const ASC = 'test-unit.adult-social-care';
const TOPIC = `accord.events.${ASC}`;

function consumed(message: Message, offset = '7', topic = TOPIC): ConsumedRecord {
  const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, Buffer.from(String(value))]));
  const kafkaMessage: KafkaMessage = {
    key: message.key === undefined || message.key === null ? null : Buffer.from(message.key as string),
    value: message.value === null || message.value === undefined ? null : Buffer.from(message.value as string),
    headers,
    offset,
    timestamp: '0',
    attributes: 0,
  };
  return { topic, partition: 2, offset, message: kafkaMessage };
}

describe('inspectRecord', () => {
  it('accepts a valid event, with its participant as source and identifiers normalised', () => {
    const { id, message } = eventRecord(ASC, 'asc.service.started.v1', { localId: 'person-1', nhsNumber: '943 476 5919' });
    const inspected = inspectRecord(consumed(message));
    expect(inspected.kind).toBe('accepted');
    if (inspected.kind !== 'accepted') return;
    expect(inspected.event).toMatchObject({ id, type: 'asc.service.started.v1', source: ASC });
    expect(inspected.event.data.subject).toMatchObject({ localId: 'person-1', nhsNumber: '9434765919' });
    expect(inspected.subject).toEqual({ nhsNumber: '9434765919', niNumber: undefined });
    expect(inspected.envelope.key).toBe('person-1');
  });

  it('rejects an invalid NHS number as invalid-identifier, keyed by event id, without a subject', () => {
    const { id, message } = eventRecord(ASC, 'asc.service.started.v1', { localId: 'person-2', nhsNumber: '9434765918' });
    const inspected = inspectRecord(consumed(message));
    expect(inspected).toMatchObject({
      kind: 'rejected',
      reason: 'invalid-identifier',
      eventId: id,
      eventType: 'asc.service.started.v1',
      source: ASC,
      subject: null,
      decisionId: rejectionDecisionId({ eventId: id }),
    });
    if (inspected.kind === 'rejected') expect(JSON.stringify(inspected.problems)).not.toContain('9434765918');
  });

  it('rejects a type its publisher may not send as unknown-event-type, keeping valid identifiers for the subject key', () => {
    const { message } = eventRecord(ASC, 'rb.housing-benefit.assessed.v1', { localId: 'person-3', niNumber: 'ab 12 34 56 c' });
    const inspected = inspectRecord(consumed(message));
    expect(inspected).toMatchObject({ kind: 'rejected', reason: 'unknown-event-type', subject: { niNumber: 'AB123456C' } });
  });

  it('rejects a malformed envelope; without an event id, the rejection id is that of the record at its offset', () => {
    const message: Message = { key: 'person-4', value: '{"subject": ', headers: { ce_specversion: '1.0', ce_type: 'asc.service.started.v1' } };
    const first = inspectRecord(consumed(message, '10'));
    expect(first).toMatchObject({ kind: 'rejected', reason: 'invalid-envelope', eventId: null, subject: null, source: ASC });
    if (first.kind !== 'rejected') return;
    expect(first.problems.map((problem) => problem.path)).toEqual(expect.arrayContaining(['ce_id', 'ce_source', 'value']));
    expect(inspectRecord(consumed(message, '10'))).toMatchObject({ decisionId: first.decisionId });
    expect(inspectRecord(consumed(message, '11'))).not.toMatchObject({ decisionId: first.decisionId });
  });

  it('rejects an event whose source is another participant than the topic’s', () => {
    const { message } = eventRecord('test-other.adult-social-care', 'asc.service.started.v1', { localId: 'person-5' });
    expect(inspectRecord(consumed(message))).toMatchObject({
      kind: 'rejected',
      reason: 'invalid-envelope',
      problems: [{ path: 'ce_source', problem: expect.any(String) }],
    });
  });

  it('rejects a malformed payload as invalid-payload', () => {
    const { message } = eventRecord(ASC, 'asc.service.started.v1', { localId: 'person-6', nhsNumber: '9434765919' }, { serviceType: 'lifelong' });
    expect(inspectRecord(consumed(message))).toMatchObject({ kind: 'rejected', reason: 'invalid-payload', subject: { nhsNumber: '9434765919' } });
  });
});

describe('validIdentifiers', () => {
  it('gives the normalised identifiers only when every one present is valid', () => {
    expect(validIdentifiers({ subject: { nhsNumber: '943 476 5919' } })).toEqual({ nhsNumber: '9434765919' });
    expect(validIdentifiers({ subject: { nhsNumber: '9434765919', niNumber: 'AB123456X' } })).toBeNull();
    expect(validIdentifiers({ subject: { localId: 'x' } })).toBeNull();
    expect(validIdentifiers('not an object')).toBeNull();
  });
});
