import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { encodeEvent, eventsTopic, inboxTopic } from '@accord/contracts';
import { connectInbox } from '@accord/domain-service';
import {
  createTestDatabase,
  eventually,
  hubAuthenticationEnvironment,
  issueRouteAccessTokens,
  issueTestToken,
  NetworkSwitch,
  produce,
  registerTestParticipants,
  routeAccess,
  startTestApp,
  switchableKafka,
  TopicRecorder,
  uniqueParticipant,
  type RunningApp,
  type TestDatabase,
  exampleEventData,
} from '@accord/testing';
import { AppModule as HubModule } from '../../hub-api/src/app.module';
import { HubApiEnvironment } from '../../hub-api/src/environment';
import { AppModule } from '../src/app.module';
import { PublicHealthEnvironment } from '../src/environment';

describe('public-health: records, outbox and inbox against the real Kafka and Postgres', () => {
  const participant = uniqueParticipant('public-health');
  // Another area's public health team: registered at the hub, not served by this instance.
  const elsewhere = uniqueParticipant('public-health');
  const network = new NetworkSwitch();
  let database: TestDatabase;
  let hub: RunningApp;
  let service: RunningApp;
  /** The public health system's token: writes and reads this participant's records. */
  let token: string;
  let events: TopicRecorder;
  let sql: Client;

  beforeAll(async () => {
    database = await createTestDatabase('ph');
    hub = await startTestApp({ service: 'hub-api', environmentClass: HubApiEnvironment, environment: { DATABASE_URL: database.url }, module: HubModule.forRoot });
    // Onboarding: the hub registers each participant (topics, ACLs); its system gets a certificate and tokens.
    await registerTestParticipants(hub, [participant, elsewhere]);
    service = await startTestApp({
      service: 'public-health',
      environmentClass: PublicHealthEnvironment,
      environment: { DATABASE_URL: database.url, PH_PARTICIPANT: participant, ...hubAuthenticationEnvironment(hub.url) },
      module: (environment) => AppModule.forRoot(environment, { kafka: (participant) => switchableKafka(network, participant) }),
    });
    token = (await issueTestToken(hub, { participant, roles: ['publisher', 'reader'] })).token;
    await connectInbox(service.app);
    events = await TopicRecorder.start([eventsTopic(participant)]);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    await sql.query('SET search_path TO ph');
  });

  afterAll(async () => {
    await events?.stop();
    await sql?.end();
    await service?.close();
    await hub?.close();
    await database?.drop();
  });

  const body = (type: string, localId: string, overrides: Record<string, unknown> = {}) => ({
    ...(exampleEventData(type) as Record<string, unknown>),
    subject: { localId, nhsNumber: '943 476 5919' },
    ...overrides,
  });

  const ROUTES: Record<string, string> = {
    'ph.immunisation.administered.v1': '/v1/immunisations',
    'ph.health-check.completed.v1': '/v1/health-checks',
    'ph.notifiable-disease.notified.v1': '/v1/notifiable-diseases',
    'ph.substance-misuse.referral.v1': '/v1/substance-misuse-referrals',
  };

  it('refuses every route without a valid token, to other participants, and without the route\'s role', async () => {
    const { routes, actual, expected } = await routeAccess(service, await issueRouteAccessTokens(hub, participant, elsewhere));
    expect(routes.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(['POST /v1/immunisations', 'GET /v1/health-checks/:id', 'POST /v1/substance-misuse-referrals', 'GET /v1/inbox']),
    );
    expect(actual).toEqual(expected);
  });

  it('publishes every ph event type to its topic in the CloudEvents envelope', async () => {
    const localId = `person-${randomUUID()}`;
    const eventIds: string[] = [];
    for (const [type, route] of Object.entries(ROUTES)) {
      const response = await service.request('POST', route, { token, body: body(type, localId) });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ participant, subject: { localId, nhsNumber: '9434765919' } });
      eventIds.push(response.body.eventId);
      const read = await service.request('GET', `${route}/${response.body.id}`, { token });
      expect(read.body.id).toBe(response.body.id);
    }
    const published = await events.waitFor((message) => eventIds.includes(message.headers.ce_id!), 4);
    expect(published.map((message) => message.headers.ce_type)).toEqual(Object.keys(ROUTES));
    for (const message of published) {
      expect(message.topic).toBe(`accord.events.${participant}`);
      expect(message.key).toBe(localId);
      expect(message.headers).toMatchObject({ ce_specversion: '1.0', ce_source: `urn:accord:${participant}`, 'content-type': 'application/json' });
      expect(message.headers.ce_time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      const type = message.headers.ce_type!;
      expect(JSON.parse(message.value)).toEqual({ ...exampleEventData(type), subject: { localId, nhsNumber: '9434765919' } });
    }
    const list = await service.request('GET', '/v1/health-checks', { token });
    expect(list.body.items.map((item: { id: string }) => item.id)).toHaveLength(1);
    const example = exampleEventData('ph.health-check.completed.v1');
    expect(list.body.items[0]).toMatchObject({ bmi: example.bmi, smokingStatus: example.smokingStatus });
  });

  it('refuses an invalid body with every problem listed; nothing stored, nothing published', async () => {
    const count = async () => (await sql.query('SELECT (SELECT count(*) FROM health_checks)::int AS rows, (SELECT count(*) FROM outbox)::int AS outbox')).rows[0];
    const before = await count();
    const response = await service.request('POST', '/v1/health-checks', {
      token,
      body: { ...body('ph.health-check.completed.v1', 'x'), subject: { localId: 'x', nhsNumber: '123' }, systolic: 900, smokingStatus: 'sometimes', bmi: 'heavy' },
    });
    expect(response.status).toBe(400);
    const paths = response.body.problems.map((problem: { path: string }) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['subject.nhsNumber', 'systolic', 'smokingStatus', 'bmi']));
    expect(await count()).toEqual(before);
  });

  it('accepts writes while Kafka is unreachable and publishes each exactly once, in order, when it returns', async () => {
    const localId = `person-${randomUUID()}`;
    const eventIds: string[] = [];
    network.disconnect();
    try {
      for (const dose of [1, 2, 3]) {
        const response = await service.request('POST', '/v1/immunisations', { token, body: body('ph.immunisation.administered.v1', localId, { doseNumber: dose }) });
        expect(response.status).toBe(201);
        eventIds.push(response.body.eventId);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(events.messages.filter((message) => eventIds.includes(message.headers.ce_id!))).toHaveLength(0);
    } finally {
      network.reconnect();
    }
    await events.waitFor((message) => eventIds.includes(message.headers.ce_id!), 3, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const published = events.messages.filter((message) => eventIds.includes(message.headers.ce_id!));
    expect(published.map((message) => JSON.parse(message.value).doseNumber)).toEqual([1, 2, 3]);
  });

  it('turns a shared fall attendance into one falls-prevention referral, however often it is delivered', async () => {
    const id = randomUUID();
    const message = encodeEvent({
      id,
      source: 'swast.clinical-hub',
      type: 'nhs.ambulance.fall-attended.v1',
      data: { subject: { localId: 'swast-1', nhsNumber: '9434765919' }, attendedAt: '2026-11-28T09:30:00Z', injury: 'minor', conveyed: false },
    });
    const shared = { ...message, headers: { ...message.headers, ce_accordagreement: 'falls-prevention@2', ce_accordpurpose: 'falls-prevention', ce_accorddecision: 'decision-1' } };
    await produce(inboxTopic(participant), [shared, shared]);
    await eventually(async () => ((await sql.query('SELECT count(*)::int AS n FROM inbox_receipts')).rows[0].n >= 1 ? true : undefined));
    const items = await eventually(async () => {
      const response = await service.request('GET', '/v1/inbox', { token });
      return response.body.items.length > 0 ? response.body.items : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await service.request('GET', '/v1/inbox', { token })).body.items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      participant,
      kind: 'falls-prevention-referral',
      eventId: id,
      eventType: 'nhs.ambulance.fall-attended.v1',
      agreement: 'falls-prevention@2',
      purpose: 'falls-prevention',
      decisionId: 'decision-1',
      details: { attendedAt: '2026-11-28T09:30:00Z', injury: 'minor', conveyed: false },
    });
  });
});
