import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { register } from 'prom-client';
import { DLQ_TOPIC, eventsTopic, inboxTopic } from '@accord/contracts';
import { payloadDigest, pseudonymise, pseudonymKey, subjectKey } from '@accord/governance';
import { ensureTopics } from '@accord/kafka';
import { eventually, produce, randomNhsNumber, TopicRecorder, uniqueParticipant, type RecordedMessage, type RunningApp } from '@accord/testing';
import { AgreementCache } from '../src/routing/agreement-cache';
import { RecordProducer } from '../src/routing/record-producer';
import { committedPast, eventRecord, insertAgreementVersion, insertConsent, PSEUDONYMISATION_SECRET, referenceAgreement, startTestBroker, SUBJECT_KEY_SECRET } from './support';

/*
 * The broker in this process against the real Kafka and this file's own database. The
 * participants are unique to this run and the broker consumes only their topics, so other
 * test files' events never reach it; accord.dlq is shared, so dead letters are told apart
 * by their source topic.
 */
describe('sharing broker: decide, record and deliver against the real Kafka and Postgres', () => {
  const ASC = uniqueParticipant('adult-social-care');
  const RB = uniqueParticipant('revenues-benefits');
  const PH = uniqueParticipant('public-health');
  const ICB = uniqueParticipant('analytics');
  const LATER = uniqueParticipant('adult-social-care');
  const GROUP = `accord-sharing-broker-test-${randomUUID()}`;
  const careHome = referenceAgreement('scc-asc-care-home-to-rb.yaml', { 'southampton.adult-social-care': ASC, 'southampton.revenues-benefits': RB });
  const healthChecks = referenceAgreement('hants-ph-health-checks-to-icb.yaml', { 'hampshire.public-health': PH, 'hiow-icb.analytics': ICB });
  const nhsNumbersUsed: string[] = [];

  let broker: RunningApp;
  let sql: Client;
  let admin: Admin;
  let close: () => Promise<void>;
  let inboxes: TopicRecorder;
  let deadLetters: TopicRecorder;

  beforeAll(async () => {
    ({ broker, sql, admin, close } = await startTestBroker({
      name: 'sharing-broker',
      groupId: GROUP,
      topics: [
        ...[ASC, PH].map((participant) => ({ topic: eventsTopic(participant), numPartitions: 3 })),
        ...[RB, ICB].map((participant) => ({ topic: inboxTopic(participant), numPartitions: 3 })),
      ],
      consumes: [ASC, PH, LATER],
      agreements: [careHome, healthChecks],
    }));
    inboxes = await TopicRecorder.start([inboxTopic(RB), inboxTopic(ICB)]);
    deadLetters = await TopicRecorder.start([DLQ_TOPIC]);
  });

  afterAll(async () => {
    await inboxes?.stop();
    await deadLetters?.stop();
    await close?.();
  });

  function person(): { localId: string; nhsNumber: string } {
    const nhsNumber = randomNhsNumber();
    nhsNumbersUsed.push(nhsNumber);
    return { localId: `person-${randomUUID()}`, nhsNumber };
  }

  async function publish(participant: string, type: string, subject: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
    const record = eventRecord(participant, type, subject, overrides);
    await produce(eventsTopic(participant), [record.message]);
    return record;
  }

  async function decisionsOf(eventId: string, count = 1): Promise<Array<Record<string, any>>> {
    return eventually(async () => {
      const { rows } = await sql.query('SELECT * FROM decisions WHERE event_id = $1 ORDER BY seq', [eventId]);
      return rows.length >= count ? rows : undefined;
    });
  }

  const deliveredTo = (recipient: string, eventId: string) =>
    inboxes.waitFor((message) => message.topic === inboxTopic(recipient) && message.headers.ce_id === eventId, 1).then(([message]) => message!);

  /** Waits until the batch holding the decided record was committed: everything it produced has been produced. */
  const batchDone = (decision: Record<string, any>) =>
    eventually(async () => ((await committedPast(admin, GROUP, decision.topic, decision.kafka_partition, decision.kafka_offset)) ? true : undefined));

  it('shares a health check with exactly the allowed fields, transformed as declared, with the inbox headers, and records the decision', async () => {
    const subject = { ...person(), dateOfBirth: '1971-08-30', postcode: 'SO16 7XX' };
    const { id, message, data } = await publish(PH, 'ph.health-check.completed.v1', subject);

    const delivered = await deliveredTo(ICB, id);
    const key = pseudonymKey(PSEUDONYMISATION_SECRET, healthChecks.id);
    const released = JSON.parse(delivered.value);
    expect(released).toEqual({
      subject: { nhsNumber: pseudonymise(subject.nhsNumber, key), dateOfBirth: '1971', postcode: 'SO16' },
      systolic: data.systolic,
      diastolic: data.diastolic,
      cholesterolRatio: data.cholesterolRatio,
      bmi: data.bmi,
      smokingStatus: data.smokingStatus,
      qriskScore: data.qriskScore,
      completedAt: data.completedAt,
    });
    // The rule does not release subject.localId: the key is a pseudonym of it, stable for this agreement.
    expect(delivered.key).toBe(pseudonymise(subject.localId, key));

    const [decision] = await decisionsOf(id);
    expect(delivered.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: id,
      ce_source: `urn:accord:${PH}`,
      ce_type: 'ph.health-check.completed.v1',
      ce_time: message.headers!.ce_time,
      'content-type': 'application/json',
      ce_accordagreement: `${healthChecks.id}@1`,
      ce_accordpurpose: 'population-health-planning',
      ce_accorddecision: decision!.decision_id,
    });
    expect(decision).toMatchObject({
      event_type: 'ph.health-check.completed.v1',
      source: PH,
      recipient: ICB,
      agreement_id: healthChecks.id,
      agreement_version: 1,
      purpose: 'population-health-planning',
      lawful_basis: { article6: 'public-task', article9: 'health-social-care', legislation: ['Health and Social Care Act 2012'] },
      outcome: 'shared',
      reasons: ['permitted'],
      subject_key: subjectKey({ nhsNumber: subject.nhsNumber }, SUBJECT_KEY_SECRET),
      payload_digest: payloadDigest(released),
      topic: eventsTopic(PH),
      kafka_partition: expect.any(Number),
    });
    expect(decision!.fields_released).toEqual(healthChecks.rules[0]!.fields);
    expect(decision!.fields_withheld).toEqual(['subject.localId']);
  });

  it('shares a care home placement keyed by the released local reference, and withholds a community service (condition-not-met)', async () => {
    const subject = person();
    const placement = await publish(ASC, 'asc.service.started.v1', subject, { serviceType: 'long-term-nursing' });
    const delivered = await deliveredTo(RB, placement.id);
    expect(delivered.key).toBe(subject.localId);
    const { name, uprn } = placement.data.subject as Record<string, unknown>;
    expect(JSON.parse(delivered.value)).toEqual({
      subject: { localId: subject.localId, name, uprn },
      serviceType: 'long-term-nursing',
      startDate: placement.data.startDate,
    });

    const community = await publish(ASC, 'asc.service.started.v1', person(), { serviceType: 'community' });
    const [decision] = await decisionsOf(community.id);
    expect(decision).toMatchObject({ outcome: 'withheld', reasons: ['condition-not-met'], fields_released: [], payload_digest: null });
    await batchDone(decision!);
    expect(inboxes.messages.filter((message) => message.headers.ce_id === community.id)).toEqual([]);
  });

  it('withholds after an objection: the decision names the statement, and nothing reaches the inbox', async () => {
    const subject = person();
    const objection = await insertConsent(sql, { nhsNumber: subject.nhsNumber }, 'object', { agreementId: careHome.id });
    const { id } = await publish(ASC, 'asc.service.started.v1', { ...subject, nhsNumber: `${subject.nhsNumber.slice(0, 3)} ${subject.nhsNumber.slice(3, 6)} ${subject.nhsNumber.slice(6)}` });
    const [decision] = await decisionsOf(id);
    expect(decision).toMatchObject({
      outcome: 'withheld',
      reasons: ['objection'],
      consent_refs: [objection],
      fields_released: [],
      recipient: RB,
      subject_key: subjectKey({ nhsNumber: subject.nhsNumber }, SUBJECT_KEY_SECRET),
    });
    await batchDone(decision!);
    expect(inboxes.messages.filter((message) => message.headers.ce_id === id)).toEqual([]);
  });

  it('rejects each kind of bad record to accord.dlq with its reason and a rejected decision, and goes on with the next event', async () => {
    const topic = eventsTopic(ASC);
    const subject = person();
    // One key for all: the same partition, so the good event comes after the rejects.
    const invalidIdentifier = eventRecord(ASC, 'asc.service.started.v1', { ...subject, nhsNumber: '9434765918' });
    const invalidPayload = eventRecord(ASC, 'asc.service.started.v1', subject, { serviceType: 'lifelong' });
    const unknownType = eventRecord(ASC, 'rb.housing-benefit.assessed.v1', subject);
    const malformed = { key: subject.localId, value: '{"subject": ', headers: { ce_specversion: '1.0', ce_type: 'asc.service.started.v1', accord_redrive_count: '1' } };
    const good = eventRecord(ASC, 'asc.service.started.v1', subject);
    await produce(topic, [invalidIdentifier.message, invalidPayload.message, unknownType.message, malformed, good.message]);

    await deliveredTo(RB, good.id);
    const letters = await deadLetters.waitFor((message) => message.headers.accord_dlq_topic === topic && message.key === subject.localId, 4);
    const byReason = new Map(letters.map((letter) => [letter.headers.accord_dlq_reason, letter]));
    expect([...byReason.keys()].sort()).toEqual(['invalid-envelope', 'invalid-identifier', 'invalid-payload', 'unknown-event-type']);
    expect(byReason.get('invalid-identifier')!.headers.ce_id).toBe(invalidIdentifier.id);
    expect(byReason.get('invalid-payload')!.headers.ce_id).toBe(invalidPayload.id);
    expect(byReason.get('unknown-event-type')!.headers.ce_id).toBe(unknownType.id);
    expect(byReason.get('invalid-envelope')!.value).toBe('{"subject": ');
    expect(byReason.get('invalid-envelope')!.headers.accord_redrive_count).toBe('1');
    expect(byReason.get('invalid-identifier')!.headers.accord_redrive_count).toBe('0');
    expect(byReason.get('invalid-identifier')!.value).toBe(invalidIdentifier.message.value);
    expect(byReason.get('invalid-identifier')!.headers.accord_dlq_problems).not.toContain('9434765918');

    const { rows } = await sql.query(`SELECT * FROM decisions WHERE topic = $1 AND outcome = 'rejected' ORDER BY seq`, [topic]);
    for (const letter of letters) {
      const row = rows.find((candidate) => candidate.decision_id === letter.headers.accord_dlq_decision);
      expect(row).toMatchObject({
        reasons: [letter.headers.accord_dlq_reason],
        recipient: null,
        agreement_id: null,
        kafka_partition: Number(letter.headers.accord_dlq_partition),
        kafka_offset: letter.headers.accord_dlq_offset,
        source: ASC,
      });
    }
    const rowOf = (reason: string) => rows.find((row) => row.decision_id === byReason.get(reason)!.headers.accord_dlq_decision);
    expect(rowOf('invalid-identifier')).toMatchObject({ event_id: invalidIdentifier.id, subject_key: null });
    expect(rowOf('unknown-event-type')).toMatchObject({ event_type: 'rb.housing-benefit.assessed.v1', subject_key: subjectKey(subject, SUBJECT_KEY_SECRET) });
    expect(rowOf('invalid-envelope')).toMatchObject({ event_id: null, subject_key: null });
  });

  it('delivers a recorded decision when delivery failed after the decision was committed: one decision, same ids', async () => {
    const producer = broker.app.get(RecordProducer);
    const failures = register.getSingleMetric('accord_broker_batch_failures_total')!;
    const failuresBefore = (await failures.get()).values[0]?.value ?? 0;
    const recordedWhenFailing: number[] = [];
    const spy = jest.spyOn(producer, 'send').mockImplementationOnce(async (records) => {
      const eventIds = records.map((record) => String((record.message.headers as Record<string, string>).ce_id));
      const { rows } = await sql.query('SELECT count(*)::int AS n FROM decisions WHERE event_id = ANY($1)', [eventIds]);
      recordedWhenFailing.push(rows[0].n);
      throw new Error('Kafka unreachable (injected)');
    });
    try {
      const { id } = await publish(ASC, 'asc.service.started.v1', person());
      const delivered = await deliveredTo(RB, id);
      const decisions = await decisionsOf(id);
      expect(recordedWhenFailing).toEqual([1]);
      expect(decisions).toHaveLength(1);
      expect(delivered.headers).toMatchObject({ ce_accorddecision: decisions[0]!.decision_id, ce_accordagreement: `${careHome.id}@1` });
      await batchDone(decisions[0]!);
      expect(inboxes.messages.filter((message) => message.headers.ce_id === id)).toHaveLength(1);
      expect((await failures.get()).values[0]!.value).toBeGreaterThan(failuresBefore);
    } finally {
      spy.mockRestore();
    }
  });

  it('uses an agreement version applied while it runs for the next batch', async () => {
    const narrower = referenceAgreement(
      'scc-asc-care-home-to-rb.yaml',
      { 'southampton.adult-social-care': ASC, 'southampton.revenues-benefits': RB },
      (text) => text.replace(/fields: \[[^\]]*\]/, 'fields: [subject.localId, serviceType]'),
    );
    await insertAgreementVersion(sql, narrower, 2);
    const { id } = await publish(ASC, 'asc.service.started.v1', person());
    const delivered = await deliveredTo(RB, id);
    expect(delivered.headers.ce_accordagreement).toBe(`${careHome.id}@2`);
    expect(JSON.parse(delivered.value)).toEqual({ subject: { localId: expect.any(String) }, serviceType: 'long-term-residential' });
    const [decision] = await decisionsOf(id);
    expect(decision).toMatchObject({ agreement_version: 2, outcome: 'shared' });
  });

  it('delivers a recorded decision under its recorded agreement version, even when a newer one was applied before the retry', async () => {
    const producer = broker.app.get(RecordProducer);
    const suspended = referenceAgreement('scc-asc-care-home-to-rb.yaml', { 'southampton.adult-social-care': ASC, 'southampton.revenues-benefits': RB });
    const spy = jest.spyOn(producer, 'send').mockImplementationOnce(async () => {
      await insertAgreementVersion(sql, suspended, 3, 'suspended');
      throw new Error('Kafka unreachable (injected)');
    });
    try {
      const { id } = await publish(ASC, 'asc.service.started.v1', person());
      const delivered = await deliveredTo(RB, id);
      expect(delivered.headers.ce_accordagreement).toBe(`${careHome.id}@2`);
      expect(JSON.parse(delivered.value)).toEqual({ subject: { localId: expect.any(String) }, serviceType: 'long-term-residential' });
      const decisions = await decisionsOf(id);
      expect(decisions).toHaveLength(1);
      expect(decisions[0]).toMatchObject({ agreement_version: 2, outcome: 'shared', decision_id: delivered.headers.ce_accorddecision });
    } finally {
      spy.mockRestore();
    }
    // The next event is decided under the suspended version.
    const { id: next } = await publish(ASC, 'asc.service.started.v1', person());
    const [decision] = await decisionsOf(next);
    expect(decision).toMatchObject({ agreement_version: 3, outcome: 'withheld', reasons: ['agreement-not-active'] });
    // A version the cache never held is read from Postgres.
    const versions = await new AgreementCache().versionsOf(broker.app.get(DataSource).manager, [{ agreementId: careHome.id, version: 1 }]);
    expect(versions.get(`${careHome.id}@1`)).toMatchObject({ id: careHome.id, version: 1, status: 'active', provider: ASC });
  });

  it('picks up the events topic of a participant registered while it runs', async () => {
    const laterAgreement = referenceAgreement(
      'scc-asc-care-home-to-rb.yaml',
      { 'southampton.adult-social-care': LATER, 'southampton.revenues-benefits': RB },
      (text) => text.replace(/^id: .*$/m, 'id: later-care-home-to-rb'),
    );
    await insertAgreementVersion(sql, laterAgreement);
    await ensureTopics(admin, [{ topic: eventsTopic(LATER), numPartitions: 3 }]);
    const { id } = await publish(LATER, 'asc.service.started.v1', person());
    const delivered = await deliveredTo(RB, id);
    expect(delivered.headers.ce_accordagreement).toBe('later-care-home-to-rb@1');
  });

  it('never writes a raw NHS number to the decisions table or to an inbox record key; counts what it did', async () => {
    expect(nhsNumbersUsed.length).toBeGreaterThan(5);
    const { rows } = await sql.query('SELECT * FROM decisions');
    const dump = JSON.stringify(rows);
    const keys = inboxes.messages.map((message: RecordedMessage) => message.key).join('\n');
    for (const nhsNumber of [...nhsNumbersUsed, '9434765918']) {
      expect(dump).not.toContain(nhsNumber);
      expect(keys).not.toContain(nhsNumber);
    }
    const consumed = await register.getSingleMetric('accord_broker_events_consumed_total')!.get();
    expect(consumed.values.find((value) => value.labels.source === ASC)?.value).toBeGreaterThan(5);
    const decisions = await register.getSingleMetric('accord_broker_decisions_total')!.get();
    expect(decisions.values.find((value) => value.labels.outcome === 'rejected' && value.labels.reason === 'invalid-identifier')?.value).toBeGreaterThanOrEqual(1);
  });
});
