import { randomUUID } from 'node:crypto';
import type { Admin, Message } from 'kafkajs';
import { Client } from 'pg';
import { DLQ_TOPIC, eventsTopic, inboxTopic } from '@accord/contracts';
import { ensureTopics, HUB_IDENTITIES } from '@accord/kafka';
import {
  createTestDatabase,
  eventually,
  NetworkSwitch,
  randomNhsNumber,
  startTestApp,
  switchableKafka,
  testKafka,
  TopicRecorder,
  uniqueParticipant,
  type RecordedMessage,
  type RunningApp,
  type TestDatabase,
} from '@accord/testing';
import { AppModule } from '../src/app.module';
import { SharingBrokerEnvironment } from '../src/environment';
import { eventRecord, insertAgreementVersion, insertConsent, PSEUDONYMISATION_SECRET, referenceAgreement, SUBJECT_KEY_SECRET, topicPatternFor } from './support';

/*
 * Guarantees 3, 5 and 7 across a crash: a broker is killed while it works through a few
 * hundred events — its network to Kafka cut first, so whatever it had in hand (decisions
 * committed but not delivered, deliveries not yet committed as offsets) is left as a
 * crash leaves it — and a new instance of the same group takes over.
 */
describe('sharing broker: killed mid-stream and restarted', () => {
  const ASC = uniqueParticipant('adult-social-care');
  const RB = uniqueParticipant('revenues-benefits');
  const PH = uniqueParticipant('public-health');
  const ICB = uniqueParticipant('analytics');
  const GROUP = `accord-sharing-broker-restart-${randomUUID()}`;
  const careHome = referenceAgreement('scc-asc-care-home-to-rb.yaml', { 'southampton.adult-social-care': ASC, 'southampton.revenues-benefits': RB });
  const healthChecks = referenceAgreement('hants-ph-health-checks-to-icb.yaml', { 'hampshire.public-health': PH, 'hiow-icb.analytics': ICB });
  const network = new NetworkSwitch();

  let database: TestDatabase;
  let first: RunningApp | undefined;
  let second: RunningApp | undefined;
  let sql: Client;
  let admin: Admin;
  let inboxes: TopicRecorder;

  const environment = () => ({
    DATABASE_URL: database.url,
    ACCORD_SUBJECT_KEY_SECRET: SUBJECT_KEY_SECRET,
    ACCORD_PSEUDONYMISATION_SECRET: PSEUDONYMISATION_SECRET,
    BROKER_GROUP_ID: GROUP,
    BROKER_TOPIC_PATTERN: topicPatternFor([ASC, PH]),
    // Small batches, so the kill lands between many of them.
    BROKER_MAX_BATCH_BYTES: '4096',
    BROKER_MAX_WAIT_MS: '100',
    BROKER_RETRY_MAX_MS: '500',
    BROKER_SESSION_TIMEOUT_MS: '8000',
  });

  beforeAll(async () => {
    admin = testKafka('sharing-broker-restart-admin').admin();
    await admin.connect();
    await ensureTopics(admin, [
      ...[ASC, PH].map((participant) => ({ topic: eventsTopic(participant), numPartitions: 3 })),
      ...[RB, ICB].map((participant) => ({ topic: inboxTopic(participant), numPartitions: 3 })),
      { topic: DLQ_TOPIC, numPartitions: 3 },
    ]);
    database = await createTestDatabase('broker_restart');
    sql = new Client({ connectionString: database.url });
    inboxes = await TopicRecorder.start([inboxTopic(RB), inboxTopic(ICB)]);
  });

  afterAll(async () => {
    network.reconnect();
    await inboxes?.stop();
    await first?.close().catch(() => undefined);
    await second?.close();
    await sql?.end();
    await database?.drop();
    await admin?.disconnect();
  });

  it('decides every event once, delivers every shared one at least once, and duplicates carry the same ids', async () => {
    first = await startTestApp({
      service: 'sharing-broker',
      environmentClass: SharingBrokerEnvironment,
      environment: environment(),
      module: (settings) => AppModule.forRoot(settings, { kafka: switchableKafka(network, HUB_IDENTITIES.sharingBroker) }),
    });
    await sql.connect();
    await sql.query('SET search_path TO accord');
    await insertAgreementVersion(sql, careHome);
    await insertAgreementVersion(sql, healthChecks);

    // 60 people with 4 events each from adult social care (one community service: withheld),
    // 60 health checks, 3 records with an invalid NHS number, and objections from 5 people.
    const people = Array.from({ length: 60 }, () => ({ localId: `person-${randomUUID()}`, nhsNumber: randomNhsNumber() }));
    for (const objector of people.slice(0, 5)) await insertConsent(sql, { nhsNumber: objector.nhsNumber }, 'object', { agreementId: careHome.id });
    const ascEvents: Array<{ id: string; message: Message; localId: string }> = [];
    for (let round = 0; round < 4; round++) {
      for (const subject of people) {
        const event = eventRecord(ASC, 'asc.service.started.v1', subject, { serviceType: round === 2 ? 'community' : 'long-term-residential' });
        ascEvents.push({ ...event, localId: subject.localId });
      }
    }
    const rejects = [0, 1, 2].map(() => eventRecord(ASC, 'asc.service.started.v1', { localId: `person-${randomUUID()}`, nhsNumber: '9434765918' }));
    const phEvents = people.map((subject) => eventRecord(PH, 'ph.health-check.completed.v1', subject));
    // Published a few at a time, as partners do: Kafka hands the broker batches no larger than what was produced together.
    const producer = testKafka('sharing-broker-restart-producer').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const ascMessages = [...ascEvents.map((event) => event.message), ...rejects.map((event) => event.message)];
    for (let index = 0; index < ascMessages.length; index += 4) {
      await producer.send({ topic: eventsTopic(ASC), acks: -1, messages: ascMessages.slice(index, index + 4) });
      if (index < phEvents.length) await producer.send({ topic: eventsTopic(PH), acks: -1, messages: phEvents.slice(index, index + 4).map((event) => event.message) });
    }
    await producer.disconnect();
    const allIds = [...ascEvents, ...rejects, ...phEvents].map((event) => event.id);

    // Kill the first instance mid-stream.
    const decidedAtKill = await eventually(async () => {
      const { rows } = await sql.query('SELECT count(*)::int AS n FROM decisions');
      return rows[0].n >= 40 ? rows[0].n : undefined;
    }, 60_000, 20);
    network.disconnect();
    await first.close();
    first = undefined;
    const { rows: afterKill } = await sql.query('SELECT count(*)::int AS n FROM decisions');
    expect(decidedAtKill).toBeLessThan(allIds.length);
    expect(afterKill[0].n).toBeLessThan(allIds.length);

    second = await startTestApp({ service: 'sharing-broker', environmentClass: SharingBrokerEnvironment, environment: environment(), module: AppModule.forRoot });

    // Every event decided exactly once per candidate.
    const decisions = await eventually(
      async () => {
        const { rows } = await sql.query('SELECT * FROM decisions WHERE event_id = ANY($1) ORDER BY seq', [allIds]);
        return rows.length >= allIds.length ? rows : undefined;
      },
      90_000,
      500,
    );
    expect(decisions).toHaveLength(allIds.length);
    expect(new Set(decisions.map((row) => row.event_id)).size).toBe(allIds.length);
    const byEvent = new Map(decisions.map((row) => [row.event_id as string, row]));
    expect(rejects.map((event) => byEvent.get(event.id)?.outcome)).toEqual(['rejected', 'rejected', 'rejected']);
    const shared = decisions.filter((row) => row.outcome === 'shared');
    expect(shared).toHaveLength(60 * 3 - 5 * 3 + 60);

    // Every shared decision reached its recipient, at least once.
    const sharedIds = new Set(shared.map((row) => row.event_id as string));
    await eventually(
      async () => (new Set(inboxes.messages.map((message) => message.headers.ce_id).filter((id) => sharedIds.has(id!))).size === sharedIds.size ? true : undefined),
      60_000,
    );
    const inboxMessages = inboxes.messages.filter((message) => byEvent.has(message.headers.ce_id!));
    const deliveries = new Map<string, RecordedMessage[]>();
    for (const message of inboxMessages) {
      const list = deliveries.get(message.headers.ce_id!) ?? [];
      list.push(message);
      deliveries.set(message.headers.ce_id!, list);
    }
    for (const row of shared) {
      const copies = deliveries.get(row.event_id) ?? [];
      expect({ event: row.event_id, delivered: copies.length > 0 }).toEqual({ event: row.event_id, delivered: true });
      // Duplicates, if any, are the same delivery: same agreement, decision, key and data.
      for (const copy of copies) {
        expect(copy.topic).toBe(inboxTopic(row.recipient));
        expect(copy.headers.ce_accordagreement).toBe(`${row.agreement_id}@${row.agreement_version}`);
        expect(copy.headers.ce_accorddecision).toBe(row.decision_id);
        expect(copy.key).toBe(copies[0]!.key);
        expect(copy.value).toBe(copies[0]!.value);
      }
    }
    // Nothing withheld or rejected was delivered.
    const notShared = new Set(decisions.filter((row) => row.outcome !== 'shared').map((row) => row.event_id));
    expect(inboxMessages.filter((message) => notShared.has(message.headers.ce_id!))).toEqual([]);

    // Per-person order: each person's records reach revenues and benefits in the order they were published.
    const published = new Map<string, string[]>();
    for (const event of ascEvents) if (byEvent.get(event.id)?.outcome === 'shared') published.set(event.localId, [...(published.get(event.localId) ?? []), event.id]);
    const received = new Map<string, string[]>();
    for (const message of inboxes.messages.filter((candidate) => candidate.topic === inboxTopic(RB))) {
      const seen = received.get(message.key) ?? [];
      if (!seen.includes(message.headers.ce_id!)) seen.push(message.headers.ce_id!);
      received.set(message.key, seen);
    }
    for (const [localId, ids] of published) expect(received.get(localId)).toEqual(ids);

    // No raw NHS number in the audit log or in a record key.
    const dump = JSON.stringify(decisions);
    const keys = inboxMessages.map((message) => message.key).join('\n');
    for (const { nhsNumber } of people) {
      expect(dump).not.toContain(nhsNumber);
      expect(keys).not.toContain(nhsNumber);
    }
  });
});
