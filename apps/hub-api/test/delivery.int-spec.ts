import { randomUUID } from 'node:crypto';
import { inboxTopic } from '@accord/contracts';
import {
  createTestDatabase,
  exampleInboxEvent,
  exampleInboxRecord,
  issueTestToken,
  produce,
  registerTestParticipants,
  startTestApp,
  TEST_ADMIN_TOKEN,
  uniqueParticipant,
  type RunningApp,
  type TestDatabase,
} from '@accord/testing';
import { AppModule } from '../src/app.module';
import { HubApiEnvironment } from '../src/environment';

/*
 * The pull feed (docs/contract.md, "Receiving over HTTPS") against the real hub-api,
 * Postgres and Kafka: a recipient that cannot accept inbound connections reads its
 * inbox over HTTPS from a cursor, in order, and what it acknowledged holds across a
 * restart of hub-api.
 */

const GROUP = `accord-partner-delivery-test-${randomUUID().slice(0, 8)}`;

describe('the pull feed: GET /v1/inbox and POST /v1/inbox/ack', () => {
  let database: TestDatabase;
  let hub: RunningApp;
  const recipient = uniqueParticipant('revenues-benefits');
  const kafkaOnly = uniqueParticipant('revenues-benefits');
  let reader: string;

  const start = () =>
    startTestApp({ service: 'hub-api', environmentClass: HubApiEnvironment, environment: { DATABASE_URL: database.url, DELIVERY_GROUP_ID: GROUP }, module: AppModule.forRoot });

  beforeAll(async () => {
    database = await createTestDatabase('delivery');
    hub = await start();
    await registerTestParticipants(hub, [recipient, kafkaOnly]);
    reader = (await issueTestToken(hub, { participant: recipient, roles: ['reader'] })).token;
    const subscribed = await hub.request('PUT', `/v1/participants/${recipient}/subscription`, { token: TEST_ADMIN_TOKEN, body: { mode: 'pull' } });
    expect(subscribed).toMatchObject({ status: 200, body: { participant: recipient, mode: 'pull' } });
  });

  afterAll(async () => {
    await hub?.close();
    await database?.drop();
  });

  const pull = (query = '', token = reader) => hub.request('GET', `/v1/inbox${query}`, { token });
  const ack = (cursor: string) => hub.request('POST', '/v1/inbox/ack', { token: reader, body: { cursor } });

  /** Pulls (long-polling) until `count` records came after `after`. */
  async function pullAll(after: string, count: number): Promise<any[]> {
    const records: any[] = [];
    let cursor = after;
    const deadline = Date.now() + 30_000;
    while (records.length < count && Date.now() < deadline) {
      const page = await pull(`?after=${cursor}&wait=5`);
      expect(page.status).toBe(200);
      records.push(...page.body.records);
      cursor = page.body.next;
    }
    return records;
  }

  it('returns the inbox in order as CloudEvents, each record once, from a cursor; an acknowledged cursor holds across a restart', async () => {
    // Twelve, so cursors pass from one digit to two (they must order as numbers, not text).
    const sent = Array.from({ length: 12 }, (_, index) => exampleInboxRecord(index % 2 === 0 ? 'person-a' : 'person-b', index + 1));
    await produce(inboxTopic(recipient), sent);
    // The broker redelivering a recorded decision: the same ce_id and agreement, held once.
    await produce(inboxTopic(recipient), [sent[0]!]);

    const records = await pullAll('0', 12);
    expect(records).toHaveLength(12);
    const byPerson = (person: string) => records.filter((record) => record.key === person).map((record) => record.data.sequence);
    expect(byPerson('person-a')).toEqual([1, 3, 5, 7, 9, 11]);
    expect(byPerson('person-b')).toEqual([2, 4, 6, 8, 10, 12]);
    const first = records.find((record) => record.data.sequence === 1);
    expect(first).toEqual({ cursor: expect.stringMatching(/^\d+$/), ...exampleInboxEvent(sent[0]!) });
    const cursors = records.map((record) => BigInt(record.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => (a < b ? -1 : 1)));
    expect(cursors.at(-1)).toBeGreaterThanOrEqual(10n);

    // Acknowledge the first three: without `after`, the feed continues from there.
    expect(await ack(records[2].cursor)).toMatchObject({ status: 200, body: { acknowledged: records[2].cursor } });
    expect((await pull()).body.records.map((record: any) => record.id)).toEqual(records.slice(3).map((record) => record.id));
    // A cursor never moves back, and cannot run ahead of what the feed returned.
    expect(await ack(records[0].cursor)).toMatchObject({ status: 200, body: { acknowledged: records[2].cursor } });
    expect(await ack(String(BigInt(records[11].cursor) + 1000n))).toMatchObject({ status: 400, body: { code: 'cursor-ahead' } });

    await hub.close();
    hub = await start();
    const afterRestart = await pull();
    expect(afterRestart.status).toBe(200);
    expect(afterRestart.body.records.map((record: any) => record.id)).toEqual(records.slice(3).map((record) => record.id));
  });

  it('long-polls: an empty pull with wait returns as soon as a record arrives', async () => {
    const { body } = await pull();
    const cursor = body.next;
    const started = Date.now();
    const waiting = pull(`?after=${cursor}&wait=20`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const record = exampleInboxRecord('person-c', 6);
    await produce(inboxTopic(recipient), [record]);
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body.records.map((held: any) => held.id)).toEqual([record.headers!.ce_id]);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('serves only a participant with a pull subscription, to a reader token bound to it', async () => {
    const kafkaOnlyReader = (await issueTestToken(hub, { participant: kafkaOnly, roles: ['reader'] })).token;
    expect(await pull('', kafkaOnlyReader)).toMatchObject({ status: 404, body: { code: 'pull-feed-not-enabled' } });
    const unbound = (await issueTestToken(hub, { roles: ['reader'] })).token;
    expect(await pull('', unbound)).toMatchObject({ status: 403, body: { code: 'token-not-bound' } });
    const publisher = (await issueTestToken(hub, { participant: recipient, roles: ['publisher'] })).token;
    expect(await pull('', publisher)).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await pull('?after=-1&limit=501&wait=31')).toMatchObject({
      status: 400,
      body: { problems: expect.arrayContaining([expect.objectContaining({ path: 'after' }), expect.objectContaining({ path: 'limit' }), expect.objectContaining({ path: 'wait' })]) },
    });
  });

  it('lets an admin manage subscriptions: unknown participants and modes are refused, and ending one drops what was held', async () => {
    expect(await hub.request('PUT', `/v1/participants/${uniqueParticipant('nowhere')}/subscription`, { token: TEST_ADMIN_TOKEN, body: { mode: 'pull' } })).toMatchObject({
      status: 404,
    });
    expect(await hub.request('PUT', `/v1/participants/${kafkaOnly}/subscription`, { token: TEST_ADMIN_TOKEN, body: { mode: 'carrier-pigeon' } })).toMatchObject({
      status: 400,
      body: { problems: [expect.objectContaining({ path: 'mode' })] },
    });
    expect(await hub.request('PUT', `/v1/participants/${kafkaOnly}/subscription`, { token: reader, body: { mode: 'pull' } })).toMatchObject({ status: 403 });
    expect(await hub.request('GET', `/v1/participants/${recipient}/subscription`, { token: TEST_ADMIN_TOKEN })).toMatchObject({ status: 200, body: { mode: 'pull' } });

    expect((await hub.request('DELETE', `/v1/participants/${recipient}/subscription`, { token: TEST_ADMIN_TOKEN })).status).toBe(204);
    expect((await hub.request('DELETE', `/v1/participants/${recipient}/subscription`, { token: TEST_ADMIN_TOKEN })).status).toBe(404);
    expect(await pull()).toMatchObject({ status: 404, body: { code: 'pull-feed-not-enabled' } });
    expect(await hub.request('GET', `/v1/participants/${recipient}/subscription`, { token: TEST_ADMIN_TOKEN })).toMatchObject({ status: 404 });
  });
});
