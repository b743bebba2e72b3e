import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import YAML from 'yaml';
import { CONSENT_NOTICE_TYPE, DLQ_TOPIC, encodeEvent, eventsTopic, inboxTopic } from '@accord/contracts';
import { ensureTopics } from '@accord/kafka';
import { createTestDatabase, eventually, randomNhsNumber, REPOSITORY_ROOT, startTestApp, testKafka, TopicRecorder, type RunningApp, type TestDatabase, exampleEventData } from '@accord/testing';
import { AppModule as HubModule } from '../../apps/hub-api/src/app.module';
import { HubApiEnvironment } from '../../apps/hub-api/src/environment';
import { AppModule as BrokerModule } from '../../apps/sharing-broker/src/app.module';
import { SharingBrokerEnvironment } from '../../apps/sharing-broker/src/environment';

/*
 * Guarantee 6 (docs/architecture.md, "Guarantees") under load (issue 17): withdrawals are
 * recorded through the hub API while the same people's events stream through the broker.
 * For each person, every `shared` decision under the agreement the withdrawal names must
 * be one the withdrawal's notice to the recipient lists — decided before the withdrawal
 * committed, and so told about — and none may be decided after it (such a share would be
 * missing from the notice, which is built in the withdrawal's transaction).
 */
const ADMIN_TOKEN = `e2e-admin-${randomBytes(8).toString('hex')}`;
const RUN = `race${randomBytes(3).toString('hex')}`;
const ASC = `${RUN}-southampton.adult-social-care`;
const RB = `${RUN}-southampton.revenues-benefits`;
const AGREEMENT = 'scc-asc-care-home-to-rb';
const PEOPLE = 30;
const EVENTS_PER_PERSON = 40;

describe('consent race: withdrawals recorded while the same people’s events stream', () => {
  let database: TestDatabase;
  let hub: RunningApp;
  let broker: RunningApp;
  let inbox: TopicRecorder;
  let producer: Producer;
  let sql: Client;

  beforeAll(async () => {
    database = await createTestDatabase('consent_race');
    hub = await startTestApp({
      service: 'hub-api',
      environmentClass: HubApiEnvironment,
      environment: { DATABASE_URL: database.url, ACCORD_ADMIN_TOKEN: ADMIN_TOKEN },
      module: HubModule.forRoot,
    });
    for (const id of [ASC, RB, `${RUN}-uhs.emergency-department`]) {
      expect((await hub.request('PUT', `/v1/participants/${id}`, { token: ADMIN_TOKEN, body: { displayName: id } })).status).toBeLessThan(300);
    }
    const text = readFileSync(join(REPOSITORY_ROOT, 'infra/agreements', `${AGREEMENT}.yaml`), 'utf8')
      .replace(/(?<![\w.-])southampton\.adult-social-care(?![\w-])/g, ASC)
      .replace(/(?<![\w.-])southampton\.revenues-benefits(?![\w-])/g, RB);
    expect((await hub.request('PUT', `/v1/agreements/${YAML.parse(text).id}`, { token: ADMIN_TOKEN, body: text, contentType: 'application/yaml' })).status).toBeLessThan(300);
    const kafka = testKafka('accord-consent-race');
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic: DLQ_TOPIC }]);
    await admin.disconnect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    broker = await startTestApp({
      service: 'sharing-broker',
      environmentClass: SharingBrokerEnvironment,
      environment: {
        DATABASE_URL: database.url,
        BROKER_GROUP_ID: `accord-sharing-broker-race-${RUN}`,
        BROKER_TOPIC_PATTERN: `^accord\\.events\\.${RUN}-`,
        BROKER_MAX_WAIT_MS: '20',
      },
      module: BrokerModule.forRoot,
    });
    inbox = await TopicRecorder.start([inboxTopic(RB)]);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    await sql.query('SET search_path TO accord');
  });

  afterAll(async () => {
    await inbox?.stop();
    await producer?.disconnect();
    await sql?.end();
    await broker?.close();
    await hub?.close();
    await database?.drop();
  });

  it('decides no share after a withdrawal committed, and notifies every share decided before it', async () => {
    const people = Array.from({ length: PEOPLE }, () => ({ localId: `person-${randomUUID()}`, nhsNumber: randomNhsNumber(), events: [] as string[], statementId: '' }));
    const example = exampleEventData('asc.service.started.v1');
    const publishRound = async (round: number) => {
      const messages = people.map((person) => {
        const id = randomUUID();
        person.events.push(id);
        return encodeEvent({ id, source: ASC, type: 'asc.service.started.v1', data: { ...example, subject: { ...(example.subject as object), localId: person.localId, nhsNumber: person.nhsNumber }, startDate: `2026-11-${String((round % 28) + 1).padStart(2, '0')}` } });
      });
      await producer.send({ topic: eventsTopic(ASC), messages, acks: 1 });
    };
    // The stream is under way and being decided before the first withdrawal (however slow the machine)...
    let round = 0;
    for (; round < 5; round++) await publishRound(round);
    await eventually(async () => {
      const { rows } = await sql.query('SELECT count(DISTINCT event_id)::int AS n FROM decisions WHERE source = $1', [ASC]);
      return rows[0].n >= PEOPLE ? true : undefined;
    }, 60_000);
    // ...then every person's withdrawal lands somewhere in the middle of their stream...
    const withdrawals = people.map(async (person, index) => {
      await new Promise((resolve) => setTimeout(resolve, (index * 37) % 1500));
      const response = await hub.request('POST', '/v1/consents', { token: ADMIN_TOKEN, body: { subject: { nhsNumber: person.nhsNumber }, kind: 'withdraw', scope: { agreementId: AGREEMENT } } });
      expect(response.status).toBe(201);
      person.statementId = response.body.id;
    });
    const stream = (async () => {
      for (; round < EVENTS_PER_PERSON - 1; round++) {
        await publishRound(round);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await Promise.all([stream, ...withdrawals]);
    // ...and the last round comes after every withdrawal.
    await publishRound(round);

    const total = PEOPLE * EVENTS_PER_PERSON;
    await eventually(async () => {
      const { rows } = await sql.query('SELECT count(DISTINCT event_id)::int AS n FROM decisions WHERE source = $1', [ASC]);
      return rows[0].n >= total ? true : undefined;
    }, 120_000);

    const { rows } = await sql.query(`SELECT event_id, outcome, reasons FROM decisions WHERE source = $1 AND agreement_id = $2`, [ASC, AGREEMENT]);
    const outcome = new Map(rows.map((row) => [row.event_id as string, row.outcome as string]));
    const notices = await eventually(async () => {
      const found = inbox.messages.filter((message) => message.headers.ce_type === CONSENT_NOTICE_TYPE);
      return found.length >= people.filter((person) => person.events.some((id) => outcome.get(id) === 'shared')).length ? found : undefined;
    }, 30_000);
    const notified = new Map<string, Set<string>>();
    for (const notice of notices) {
      const value = JSON.parse(notice.value) as { statementId: string; affected: Array<{ agreementId: string; eventIds: string[] }> };
      notified.set(value.statementId, new Set(value.affected.filter((group) => group.agreementId === AGREEMENT).flatMap((group) => group.eventIds)));
    }

    let shared = 0;
    let withheld = 0;
    const unnotified: string[] = [];
    for (const person of people) {
      const listed = notified.get(person.statementId) ?? new Set<string>();
      for (const id of person.events) {
        if (outcome.get(id) === 'shared') {
          shared++;
          if (!listed.has(id)) unnotified.push(id);
        } else if (outcome.get(id) === 'withheld') {
          withheld++;
        }
      }
    }
    // eslint-disable-next-line no-console
    console.log(`consent race: ${total} events of ${PEOPLE} people, ${shared} shared before their withdrawal (all notified), ${withheld} withheld after it`);
    // The race was run: both sides of each person's withdrawal are there.
    expect(shared).toBeGreaterThan(0);
    expect(withheld).toBeGreaterThan(0);
    expect(unnotified).toEqual([]);
  }, 240_000);
});
