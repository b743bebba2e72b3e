import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { inboxTopic } from '@accord/contracts';
import {
  createTestDatabase,
  exampleInboxEvent,
  exampleInboxRecord,
  eventually,
  produce,
  registerTestParticipants,
  startTestApp,
  TEST_ADMIN_TOKEN,
  TestEndpoint,
  uniqueParticipant,
  type ReceivedRequest,
  type RunningApp,
  type TestDatabase,
} from '@accord/testing';
import { AppModule } from '../src/app.module';
import { HubApiEnvironment } from '../src/environment';

/*
 * Signed webhooks (docs/contract.md, "Receiving over HTTPS") against the real hub-api,
 * Postgres and Kafka, with a test HTTP server standing in for the recipient's system:
 * it verifies every signature with the standardwebhooks library, as a partner would.
 */

function verified(secret: string, request: ReceivedRequest): unknown {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  });
}

async function subscribe(hub: RunningApp, participant: string, url: string): Promise<string> {
  const answer = await hub.request('PUT', `/v1/participants/${participant}/subscription`, { token: TEST_ADMIN_TOKEN, body: { mode: 'webhook', url } });
  expect(answer).toMatchObject({ status: 200, body: { participant, mode: 'webhook', url, secret: expect.stringMatching(/^whsec_/) } });
  return answer.body.secret;
}

const sequencesOf = (events: Array<{ event: any }>, person: string) => events.filter(({ event }) => event.key === person).map(({ event }) => event.data.sequence);

/** A database of its own, a hub-api on it with `settings`, and the recipient's endpoint, for one describe block. */
function webhookHub(name: string, settings: Record<string, string>): { hub: () => RunningApp; endpoint: TestEndpoint } {
  let database: TestDatabase;
  let hub: RunningApp;
  const endpoint = new TestEndpoint();
  beforeAll(async () => {
    database = await createTestDatabase(name);
    hub = await startTestApp({
      service: 'hub-api',
      environmentClass: HubApiEnvironment,
      environment: { DATABASE_URL: database.url, DELIVERY_GROUP_ID: `accord-partner-delivery-${name.replace(/_/g, '-')}-${randomUUID().slice(0, 8)}`, ...settings },
      module: AppModule.forRoot,
    });
    await endpoint.start();
  });
  afterAll(async () => {
    await hub?.close();
    await endpoint.stop();
    await database?.drop();
  });
  return { hub: () => hub, endpoint };
}

describe('webhooks: each inbox record POSTed as a signed CloudEvent, in order, retried until it is taken', () => {
  const setup = webhookHub('webhooks', { WEBHOOK_RETRY_MAX_MS: '5000' });
  const endpoint = setup.endpoint;
  let hub: RunningApp;
  beforeAll(() => {
    hub = setup.hub();
  });

  it('delivers exactly the inbox records, each once, in order per person, each signature verified', async () => {
    const recipient = uniqueParticipant('revenues-benefits');
    await registerTestParticipants(hub, [recipient]);
    const secret = await subscribe(hub, recipient, endpoint.url);
    const sent = [exampleInboxRecord('person-a', 1), exampleInboxRecord('person-b', 2), exampleInboxRecord('person-a', 3), exampleInboxRecord('person-b', 4), exampleInboxRecord('person-a', 5)];
    await produce(inboxTopic(recipient), sent);

    const ids = sent.map((record) => record.headers!.ce_id);
    await eventually(async () => (endpoint.accepted().filter(({ event }) => ids.includes(event.id)).length >= 5 ? true : undefined), 30_000);
    const deliveries = endpoint.accepted().filter(({ event }) => ids.includes(event.id));
    expect(deliveries.map(({ event }) => event.id).sort()).toEqual([...ids].sort());
    expect(sequencesOf(deliveries, 'person-a')).toEqual([1, 3, 5]);
    expect(sequencesOf(deliveries, 'person-b')).toEqual([2, 4]);
    for (const request of endpoint.requests.filter((request) => ids.includes(JSON.parse(request.body).id))) {
      expect(request.headers['content-type']).toBe('application/cloudevents+json');
      expect(verified(secret, request)).toEqual(JSON.parse(request.body));
      expect(() => verified(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, request)).toThrow();
    }
    expect(deliveries[0]!.event).toEqual(exampleInboxEvent(sent[0]!));

    const [state] = (await hub.request('GET', '/v1/ops/webhooks', { token: TEST_ADMIN_TOKEN })).body.filter((view: any) => view.participant === recipient);
    expect(state).toMatchObject({ endpoint: `http://127.0.0.1:${endpoint.port}`, state: 'ok', pending: 0, deadLetters: 0, lastError: null });
  });

  it(
    'loses nothing while the endpoint is down for 2 minutes: all arrives after it recovers, in order, a duplicate with the same webhook-id',
    async () => {
      const recipient = uniqueParticipant('revenues-benefits');
      await registerTestParticipants(hub, [recipient]);
      const secret = await subscribe(hub, recipient, endpoint.url);
      const sent = Array.from({ length: 6 }, (_, index) => exampleInboxRecord(index % 2 === 0 ? 'person-c' : 'person-d', index + 1));
      const ids = sent.map((record) => record.headers!.ce_id);

      // The first minute the endpoint is off the network, the second it answers 503.
      await endpoint.stop();
      await produce(inboxTopic(recipient), sent.slice(0, 3));
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      const views = await hub.request('GET', '/v1/ops/webhooks', { token: TEST_ADMIN_TOKEN });
      expect(views.body.find((view: any) => view.participant === recipient)).toMatchObject({
        state: 'retrying',
        failingSince: expect.any(String),
        lastError: expect.stringMatching(/^(econnrefused|connection-failed)$/),
        pending: 3,
      });
      endpoint.answer = () => 503;
      await endpoint.start();
      await produce(inboxTopic(recipient), sent.slice(3));
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      expect(endpoint.accepted().filter(({ event }) => ids.includes(event.id))).toEqual([]);

      endpoint.answer = () => 204;
      await eventually(async () => (new Set(endpoint.accepted().map(({ event }) => event.id).filter((id) => ids.includes(id))).size >= 6 ? true : undefined), 60_000).catch(
        async (error: Error) => {
          // What the endpoint got and where the hub says it stands, for whoever reads a failure.
          const attempts = endpoint.requests.filter((request) => ids.includes(JSON.parse(request.body).id)).map((request) => [ids.indexOf(JSON.parse(request.body).id), request.status]);
          const views = await hub.request('GET', '/v1/ops/webhooks', { token: TEST_ADMIN_TOKEN });
          throw new Error(`${error.message}; attempts (record, status): ${JSON.stringify(attempts)}; ops: ${JSON.stringify(views.body)}`);
        },
      );
      const deliveries = endpoint.accepted().filter(({ event }) => ids.includes(event.id));
      expect(deliveries).toHaveLength(6);
      expect(sequencesOf(deliveries, 'person-c')).toEqual([1, 3, 5]);
      expect(sequencesOf(deliveries, 'person-d')).toEqual([2, 4, 6]);
      // Every attempt at one record, refused or taken, carried one webhook-id; each verifies.
      const attempts = endpoint.requests.filter((request) => ids.includes(JSON.parse(request.body).id));
      expect(attempts.length).toBeGreaterThan(6);
      for (const id of ids) {
        const ofRecord = attempts.filter((request) => JSON.parse(request.body).id === id);
        expect(new Set(ofRecord.map((request) => request.headers['webhook-id'])).size).toBe(1);
        for (const request of ofRecord) expect(verified(secret, request)).toBeTruthy();
      }
    },
    240_000,
  );

  it('sends a suspended participant nothing, and what was held for it once it is resumed', async () => {
    const recipient = uniqueParticipant('revenues-benefits');
    await registerTestParticipants(hub, [recipient]);
    await subscribe(hub, recipient, endpoint.url);
    expect((await hub.request('POST', `/v1/participants/${recipient}/suspend`, { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    const sent = [exampleInboxRecord('person-s', 1), exampleInboxRecord('person-s', 2)];
    await produce(inboxTopic(recipient), sent);
    const ids = sent.map((record) => record.headers!.ce_id);
    const deliveredToIt = () => endpoint.requests.filter((request) => ids.includes(JSON.parse(request.body).id));

    // Held by the hub (the broker may still route to a suspended participant's inbox), then
    // several dispatch ticks without a single attempt.
    const backlog = async () => (await hub.request('GET', '/v1/ops/webhooks', { token: TEST_ADMIN_TOKEN })).body.find((view: any) => view.participant === recipient);
    await eventually(async () => ((await backlog())?.pending === 2 ? true : undefined), 30_000);
    expect(await backlog()).toMatchObject({ state: 'suspended', pending: 2 });
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(deliveredToIt()).toEqual([]);

    expect((await hub.request('POST', `/v1/participants/${recipient}/resume`, { token: TEST_ADMIN_TOKEN, body: {} })).status).toBe(200);
    await eventually(async () => (endpoint.accepted().filter(({ event }) => ids.includes(event.id)).length === 2 ? true : undefined), 30_000);
    expect(sequencesOf(endpoint.accepted().filter(({ event }) => ids.includes(event.id)), 'person-s')).toEqual([1, 2]);
  });

  it('signs with the old and the new secret for a day after a rotation; the new one is shown once', async () => {
    const recipient = uniqueParticipant('revenues-benefits');
    await registerTestParticipants(hub, [recipient]);
    const before = await subscribe(hub, recipient, endpoint.url);
    const rotated = await hub.request('POST', `/v1/participants/${recipient}/subscription/rotate-secret`, { token: TEST_ADMIN_TOKEN });
    expect(rotated).toMatchObject({ status: 200, body: { secret: expect.stringMatching(/^whsec_/) } });
    expect(rotated.body.secret).not.toBe(before);
    expect((await hub.request('GET', `/v1/participants/${recipient}/subscription`, { token: TEST_ADMIN_TOKEN })).body.secret).toBeUndefined();

    const record = exampleInboxRecord('person-e', 1);
    await produce(inboxTopic(recipient), [record]);
    const [delivery] = await eventually(async () => {
      const found = endpoint.requests.filter((request) => request.status < 300 && JSON.parse(request.body).id === record.headers!.ce_id);
      return found.length > 0 ? found : undefined;
    }, 30_000);
    expect(String(delivery!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(before, delivery!)).toBeTruthy();
    expect(verified(rotated.body.secret, delivery!)).toBeTruthy();
  });

  it('refuses an endpoint that is not HTTPS (plain HTTP only to loopback outside production), and a webhook without one', async () => {
    const recipient = uniqueParticipant('revenues-benefits');
    await registerTestParticipants(hub, [recipient]);
    const put = (body: unknown) => hub.request('PUT', `/v1/participants/${recipient}/subscription`, { token: TEST_ADMIN_TOKEN, body });
    expect(await put({ mode: 'webhook', url: 'http://partner.example.nhs.uk/hook' })).toMatchObject({ status: 400, body: { problems: [{ path: 'url' }] } });
    expect(await put({ mode: 'webhook' })).toMatchObject({ status: 400, body: { problems: expect.arrayContaining([expect.objectContaining({ path: 'url' })]) } });
    expect(await put({ mode: 'pull', url: 'https://partner.example.nhs.uk/hook' })).toMatchObject({ status: 400, body: { problems: [{ path: 'url' }] } });
  });
});

describe('webhooks: a record refused for the whole retry period is dead-lettered, the rest move on, and ops can redrive it', () => {
  const setup = webhookHub('webhook_dead_letters', { WEBHOOK_RETRY_FOR_MS: '3000', WEBHOOK_RETRY_MAX_MS: '500' });
  const endpoint = setup.endpoint;
  let hub: RunningApp;
  beforeAll(() => {
    hub = setup.hub();
  });

  it('sets the refused record aside with its reason, delivers the ones behind it, and redrives it on request', async () => {
    const recipient = uniqueParticipant('revenues-benefits');
    await registerTestParticipants(hub, [recipient]);
    await subscribe(hub, recipient, endpoint.url);
    const [poison, ...rest] = [exampleInboxRecord('person-f', 1), exampleInboxRecord('person-g', 2), exampleInboxRecord('person-g', 3)];
    const poisonId = poison!.headers!.ce_id;
    endpoint.answer = (body) => (JSON.parse(body).id === poisonId ? 500 : 204);
    await produce(inboxTopic(recipient), [poison!, ...rest]);

    // Two people, so two partitions: the poison may be held before or after the others.
    const restIds = rest.map((record) => record.headers!.ce_id);
    await eventually(async () => (endpoint.accepted().filter(({ event }) => restIds.includes(event.id)).length >= 2 ? true : undefined), 30_000);
    const letter = await eventually(async () => (await hub.request('GET', `/v1/ops/webhooks/dead-letters?participant=${recipient}`, { token: TEST_ADMIN_TOKEN })).body[0], 30_000);
    expect(letter).toMatchObject({ participant: recipient, eventId: poisonId, agreement: 'test-agreement@1', reason: 'webhook-failed: http-500', redrivenAt: null });
    expect(letter.attempts).toBeGreaterThan(1);
    expect((await hub.request('GET', '/v1/ops/webhooks', { token: TEST_ADMIN_TOKEN })).body[0]).toMatchObject({ participant: recipient, deadLetters: 1, state: 'ok' });

    endpoint.answer = () => 204;
    const redriven = await hub.request('POST', '/v1/ops/webhooks/dead-letters/redrive', { token: TEST_ADMIN_TOKEN, body: { participant: recipient, ids: [letter.id] } });
    expect(redriven).toMatchObject({ status: 200, body: { redriven: [letter.id] } });
    await eventually(async () => (endpoint.accepted().some(({ event }) => event.id === poisonId) ? true : undefined), 30_000);
    expect((await hub.request('GET', `/v1/ops/webhooks/dead-letters?participant=${recipient}`, { token: TEST_ADMIN_TOKEN })).body[0].redrivenAt).toEqual(expect.any(String));
  });
});
