import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { Client } from 'pg';
import { DLQ_TOPIC, eventsTopic, inboxTopic } from '@accord/contracts';
import { ensureTopics } from '@accord/kafka';
import {
  createTestDatabase,
  eventually,
  produce,
  randomNhsNumber,
  startTestApp,
  TcpProxy,
  testKafka,
  TopicRecorder,
  uniqueParticipant,
  type RunningApp,
  type TestDatabase,
} from '@accord/testing';
import { AppModule } from '../src/app.module';
import { SharingBrokerEnvironment } from '../src/environment';
import { eventRecord, insertAgreementVersion, insertConsent, PSEUDONYMISATION_SECRET, referenceAgreement, SUBJECT_KEY_SECRET, topicPatternFor } from './support';

/*
 * Guarantee 1 and 5 under a Postgres outage: the broker reaches Postgres through a proxy
 * this test cuts. While it is cut, no decision can be made without the agreement and
 * consent state, so nothing is delivered and no offset is committed; once it is back,
 * every event is decided with the consent state of that moment, and delivered.
 */
describe('sharing broker: fails closed while Postgres is unreachable', () => {
  const ASC = uniqueParticipant('adult-social-care');
  const RB = uniqueParticipant('revenues-benefits');
  const GROUP = `accord-sharing-broker-fail-closed-${randomUUID()}`;
  const careHome = referenceAgreement('scc-asc-care-home-to-rb.yaml', { 'southampton.adult-social-care': ASC, 'southampton.revenues-benefits': RB });

  let database: TestDatabase;
  let proxy: TcpProxy;
  let broker: RunningApp;
  let sql: Client;
  let admin: Admin;
  let inbox: TopicRecorder;

  beforeAll(async () => {
    admin = testKafka('sharing-broker-fail-closed-admin').admin();
    await admin.connect();
    await ensureTopics(admin, [
      { topic: eventsTopic(ASC), numPartitions: 3 },
      { topic: inboxTopic(RB), numPartitions: 3 },
      { topic: DLQ_TOPIC, numPartitions: 3 },
    ]);
    database = await createTestDatabase('broker_fail_closed');
    proxy = TcpProxy.forUrl(database.url, 5432);
    await proxy.start();
    broker = await startTestApp({
      service: 'sharing-broker',
      environmentClass: SharingBrokerEnvironment,
      environment: {
        DATABASE_URL: proxy.rewrite(database.url),
        ACCORD_SUBJECT_KEY_SECRET: SUBJECT_KEY_SECRET,
        ACCORD_PSEUDONYMISATION_SECRET: PSEUDONYMISATION_SECRET,
        BROKER_GROUP_ID: GROUP,
        BROKER_TOPIC_PATTERN: topicPatternFor([ASC]),
        BROKER_MAX_WAIT_MS: '100',
        BROKER_RETRY_MAX_MS: '500',
      },
      module: AppModule.forRoot,
    });
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    await sql.query('SET search_path TO accord');
    await insertAgreementVersion(sql, careHome);
    inbox = await TopicRecorder.start([inboxTopic(RB)]);
  });

  afterAll(async () => {
    proxy?.restore();
    await inbox?.stop();
    await broker?.close();
    await proxy?.close();
    await sql?.end();
    await database?.drop();
    await admin?.disconnect();
  });

  const person = () => ({ localId: `person-${randomUUID()}`, nhsNumber: randomNhsNumber() });

  async function committedOffsets(): Promise<string> {
    const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [eventsTopic(ASC)] });
    return JSON.stringify(committed!.partitions.sort((a, b) => a.partition - b.partition));
  }

  it('holds every event while Postgres is cut, then decides and delivers all of them with the consent of that moment', async () => {
    // Working first.
    const warmUp = eventRecord(ASC, 'asc.service.started.v1', person());
    await produce(eventsTopic(ASC), [warmUp.message]);
    await inbox.waitFor((message) => message.headers.ce_id === warmUp.id, 1);
    await eventually(async () => ((await committedOffsets()).includes('"offset":"1"') ? true : undefined));
    const offsetsBefore = await committedOffsets();

    proxy.disconnect();
    const people = Array.from({ length: 20 }, person);
    const events = people.map((subject) => eventRecord(ASC, 'asc.service.started.v1', subject));
    await produce(eventsTopic(ASC), events.map((event) => event.message));

    // Enough time for several attempts: nothing decided, nothing delivered, nothing committed.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const ids = events.map((event) => event.id);
    expect(inbox.messages.filter((message) => ids.includes(message.headers.ce_id!))).toEqual([]);
    const { rows: during } = await sql.query('SELECT count(*)::int AS n FROM decisions WHERE event_id = ANY($1)', [ids]);
    expect(during[0].n).toBe(0);
    expect(await committedOffsets()).toBe(offsetsBefore);
    const health = await broker.request('GET', '/health');
    expect(health.status).toBe(503);

    // An objection recorded during the outage applies once the broker can read it.
    const objection = await insertConsent(sql, { nhsNumber: people[0]!.nhsNumber }, 'object');
    proxy.restore();

    const delivered = await inbox.waitFor((message) => ids.includes(message.headers.ce_id!), 19, 60_000);
    const { rows } = await eventually(async () => {
      const result = await sql.query('SELECT event_id, outcome, reasons, consent_refs FROM decisions WHERE event_id = ANY($1)', [ids]);
      return result.rows.length === 20 ? result : undefined;
    });
    expect(rows.find((row) => row.event_id === events[0]!.id)).toMatchObject({ outcome: 'withheld', reasons: ['objection'], consent_refs: [objection] });
    expect(rows.filter((row) => row.outcome === 'shared')).toHaveLength(19);
    expect(new Set(delivered.map((message) => message.headers.ce_id))).toEqual(new Set(ids.slice(1)));
    await eventually(async () => ((await committedOffsets()) !== offsetsBefore ? true : undefined));
  });
});
