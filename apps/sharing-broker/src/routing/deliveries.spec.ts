import type { KafkaMessage } from 'kafkajs';
import { decodeInboxRecord, DLQ_TOPIC, readDeadLetter } from '@accord/contracts';
import { evaluate, type Decision } from '@accord/governance';
import { catalog, eventRecord, PSEUDONYMISATION_SECRET, referenceAgreement, versioned } from '../../test/support';
import { byTopic, deadLetterRecord, inboxRecord, reproject } from './deliveries';
import { inspectRecord, type AcceptedEvent, type RejectedRecord } from './inspect';

const ASC = 'test-unit.adult-social-care';
const RB = 'test-unit.revenues-benefits';
const PH = 'test-unit.public-health';
const ICB = 'test-unit.analytics';
const careHome = versioned(
  referenceAgreement('scc-asc-care-home-to-rb.yaml', { 'southampton.adult-social-care': ASC, 'southampton.revenues-benefits': RB }),
);
const healthChecks = versioned(
  referenceAgreement('hants-ph-health-checks-to-icb.yaml', { 'hampshire.public-health': PH, 'hiow-icb.analytics': ICB }),
  3,
);
const NOW = new Date('2026-12-01T12:00:00.000Z');

function accepted(participant: string, type: string, subject: Record<string, unknown>, headers: Record<string, string> = {}): AcceptedEvent | RejectedRecord {
  const { message } = eventRecord(participant, type, subject);
  const kafkaMessage = {
    key: Buffer.from(String(message.key)),
    value: Buffer.from(String(message.value)),
    headers: { ...message.headers, ...headers },
    offset: '42',
    timestamp: '0',
    attributes: 0,
  } as KafkaMessage;
  return inspectRecord({ topic: `accord.events.${participant}`, partition: 0, offset: '42', message: kafkaMessage });
}

function shared(event: AcceptedEvent, agreement = careHome, recipient = RB): Decision {
  const decision = evaluate({ event: event.event, agreement, recipient, consents: [], now: NOW, catalog, pseudonymMasterKey: PSEUDONYMISATION_SECRET });
  expect(decision.outcome).toBe('shared');
  return decision;
}

describe('inboxRecord', () => {
  it('carries the original event attributes, the agreement, purpose and decision, and exactly the released data', () => {
    const event = accepted(ASC, 'asc.service.started.v1', { localId: 'person-1', nhsNumber: '9434765919' }) as AcceptedEvent;
    const decision = shared(event);
    const { topic, message } = inboxRecord(event.envelope, decision, decision.released!, PSEUDONYMISATION_SECRET);
    expect(topic).toBe(`accord.inbox.${RB}`);
    expect(message.key).toBe('person-1'); // the rule releases subject.localId
    const decoded = decodeInboxRecord({ key: message.key as string, value: message.value as string, headers: message.headers });
    expect(decoded).toMatchObject({
      ok: true,
      value: { agreement: `${careHome.id}@1`, purpose: careHome.purpose.code, decisionId: decision.decisionId, event: { id: event.event.id } },
    });
    expect(JSON.parse(message.value as string)).toEqual(decision.released);
    expect(`${message.key} ${message.value}`).not.toContain('9434765919');
  });

  it('keys by a per-agreement pseudonym of the local reference when the rule does not release it', () => {
    const event = accepted(PH, 'ph.health-check.completed.v1', { localId: 'person-2', nhsNumber: '9434765919' }) as AcceptedEvent;
    const decision = shared(event, healthChecks, ICB);
    const { message } = inboxRecord(event.envelope, decision, decision.released!, PSEUDONYMISATION_SECRET);
    expect(message.key).toMatch(/^ps_[A-Za-z0-9_-]+$/);
    expect(message.key).not.toContain('person-2');
    // Stable for one agreement (per-person order), different under another (unlinkable).
    expect(inboxRecord(event.envelope, decision, decision.released!, PSEUDONYMISATION_SECRET).message.key).toBe(message.key);
    const other = { ...decision, agreementId: 'another-agreement' };
    expect(inboxRecord(event.envelope, other, decision.released!, PSEUDONYMISATION_SECRET).message.key).not.toBe(message.key);
  });
});

describe('reproject', () => {
  it('releases what evaluate released, with the same digest', () => {
    const event = accepted(PH, 'ph.health-check.completed.v1', { localId: 'person-3', nhsNumber: '9434765919' }) as AcceptedEvent;
    const decision = shared(event, healthChecks, ICB);
    expect(reproject(event.event, healthChecks, PSEUDONYMISATION_SECRET)).toEqual({ released: decision.released, payloadDigest: decision.payloadDigest });
    expect(reproject(event.event, healthChecks, 'another-master-key-of-at-least-32-chars')?.payloadDigest).not.toBe(decision.payloadDigest);
  });

  it('finds no rule when the condition does not hold', () => {
    const event = accepted(ASC, 'asc.service.started.v1', { localId: 'person-4' }) as AcceptedEvent;
    const community = { ...event.event, data: { ...event.event.data, serviceType: 'community' } };
    expect(reproject(community, careHome, PSEUDONYMISATION_SECRET)).toBeUndefined();
  });
});

describe('deadLetterRecord', () => {
  it('keeps the record as it was and adds the reason headers; a redriven record keeps its redrive count', () => {
    const rejected = accepted(ASC, 'asc.service.started.v1', { localId: 'person-5', nhsNumber: '9434765918' }, { accord_redrive_count: '2' }) as RejectedRecord;
    const { topic, message } = deadLetterRecord(rejected, NOW.toISOString());
    expect(topic).toBe(DLQ_TOPIC);
    expect(message.key).toBe(rejected.record.message.key);
    expect(message.value).toBe(rejected.record.message.value);
    expect(message.headers).toMatchObject({ ce_id: rejected.eventId, ce_type: 'asc.service.started.v1' });
    expect(readDeadLetter(message.headers)).toEqual({
      reason: 'invalid-identifier',
      problems: rejected.problems,
      topic: `accord.events.${ASC}`,
      partition: 0,
      offset: '42',
      rejectedAt: NOW.toISOString(),
      decisionId: rejected.decisionId,
      redriveCount: 2,
    });
  });
});

describe('byTopic', () => {
  it('groups records per topic in order', () => {
    const grouped = byTopic([
      { topic: 'a', message: { value: '1' } },
      { topic: 'b', message: { value: '2' } },
      { topic: 'a', message: { value: '3' } },
    ]);
    expect(grouped).toEqual([
      { topic: 'a', messages: [{ value: '1' }, { value: '3' }] },
      { topic: 'b', messages: [{ value: '2' }] },
    ]);
  });
});
