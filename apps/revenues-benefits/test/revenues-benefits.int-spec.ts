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
import { RevenuesBenefitsEnvironment } from '../src/environment';

describe('revenues-benefits: several councils on one instance, against the real Kafka and Postgres', () => {
  const southampton = uniqueParticipant('revenues-benefits');
  const dorset = uniqueParticipant('revenues-benefits');
  // A third council: registered at the hub, not served by this instance.
  const elsewhere = uniqueParticipant('revenues-benefits');
  const network = new NetworkSwitch();
  let database: TestDatabase;
  let hub: RunningApp;
  let service: RunningApp;
  /** Each council's own system's token (publisher and reader), by council. */
  const tokens = new Map<string, string>();
  let events: TopicRecorder;
  let sql: Client;

  beforeAll(async () => {
    database = await createTestDatabase('rb');
    hub = await startTestApp({ service: 'hub-api', environmentClass: HubApiEnvironment, environment: { DATABASE_URL: database.url }, module: HubModule.forRoot });
    // Onboarding: the hub registers each council (topics, ACLs); its system gets a certificate and tokens.
    await registerTestParticipants(hub, [southampton, dorset, elsewhere]);
    service = await startTestApp({
      service: 'revenues-benefits',
      environmentClass: RevenuesBenefitsEnvironment,
      environment: { DATABASE_URL: database.url, RB_PARTICIPANTS: `${southampton},${dorset}`, ...hubAuthenticationEnvironment(hub.url) },
      module: (environment) => AppModule.forRoot(environment, { kafka: (participant) => switchableKafka(network, participant) }),
    });
    for (const council of [southampton, dorset]) tokens.set(council, (await issueTestToken(hub, { participant: council, roles: ['publisher', 'reader'] })).token);
    await connectInbox(service.app);
    events = await TopicRecorder.start([eventsTopic(southampton), eventsTopic(dorset)]);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    await sql.query('SET search_path TO rb');
  });

  afterAll(async () => {
    await events?.stop();
    await sql?.end();
    await service?.close();
    await hub?.close();
    await database?.drop();
  });

  /** A council's system calling with its own token; `header` sends Accord-Participant as well. */
  const as = (council: string, header?: string) => {
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokens.get(council)}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(header === undefined ? {} : { 'accord-participant': header }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    return { post: (path: string, body: unknown) => call('POST', path, body), get: (path: string) => call('GET', path) };
  };

  const body = (type: string, localId: string, overrides: Record<string, unknown> = {}) => ({
    ...(exampleEventData(type) as Record<string, unknown>),
    subject: { localId, niNumber: 'ab 12 34 56 c' },
    ...overrides,
  });

  const ROUTES: Record<string, string> = {
    'rb.housing-benefit.assessed.v1': '/v1/housing-benefit-assessments',
    'rb.council-tax-reduction.awarded.v1': '/v1/council-tax-reductions',
    'rb.discretionary-housing-payment.awarded.v1': '/v1/discretionary-housing-payments',
    'rb.council-tax.discount-changed.v1': '/v1/council-tax-discounts',
  };

  it("publishes every rb event type on the naming council's own topic", async () => {
    const localId = `person-${randomUUID()}`;
    const eventIds: string[] = [];
    for (const [type, route] of Object.entries(ROUTES)) {
      const response = await as(southampton).post(route, body(type, localId));
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ participant: southampton, subject: { niNumber: 'AB123456C' } });
      eventIds.push(response.body.eventId);
    }
    const published = await events.waitFor((message) => eventIds.includes(message.headers.ce_id!), 4);
    expect(published.map((message) => message.headers.ce_type)).toEqual(Object.keys(ROUTES));
    for (const message of published) {
      expect(message.topic).toBe(`accord.events.${southampton}`);
      expect(message.key).toBe(localId);
      expect(message.headers).toMatchObject({ ce_specversion: '1.0', ce_source: `urn:accord:${southampton}`, 'content-type': 'application/json' });
      expect(JSON.parse(message.value)).toEqual({ ...exampleEventData(message.headers.ce_type!), subject: { localId, niNumber: 'AB123456C' } });
    }
  });

  it('refuses every route without a valid token, to other participants, and without the route\'s role', async () => {
    const { routes, actual, expected } = await routeAccess(service, await issueRouteAccessTokens(hub, southampton, elsewhere));
    expect(routes.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(['POST /v1/housing-benefit-assessments', 'GET /v1/council-tax-discounts/:id', 'POST /v1/council-tax-reductions', 'GET /v1/inbox']),
    );
    expect(actual).toEqual(expected);
  });

  it("writes for the council its token is bound to, keeps each council's records apart, and lets Accord-Participant only narrow", async () => {
    const count = async () => (await sql.query('SELECT count(*)::int AS n FROM council_tax_discounts')).rows[0].n as number;
    // No header: the token's council.
    const own = await as(dorset).post('/v1/council-tax-discounts', body('rb.council-tax.discount-changed.v1', `person-${randomUUID()}`));
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ participant: dorset });
    await events.waitFor((message) => message.headers.ce_id === own.body.eventId, 1);
    expect(events.messages.find((message) => message.headers.ce_id === own.body.eventId)!.topic).toBe(`accord.events.${dorset}`);

    // A header naming the token's own council changes nothing.
    const named = await as(dorset, dorset).post('/v1/council-tax-discounts', body('rb.council-tax.discount-changed.v1', `person-${randomUUID()}`));
    expect(named.status).toBe(201);
    expect(named.body).toMatchObject({ participant: dorset });

    // Naming the other council (served here too) or an unknown one is refused: nothing is written for anyone.
    const before = await count();
    for (const header of [southampton, 'elsewhere.revenues-benefits']) {
      const refused = await as(dorset, header).post('/v1/council-tax-discounts', body('rb.council-tax.discount-changed.v1', `person-${randomUUID()}`));
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('participant-forbidden');
      expect((await as(dorset, header).get('/v1/inbox')).status).toBe(403);
    }
    expect(await count()).toBe(before);

    expect((await as(dorset).get(`/v1/council-tax-discounts/${own.body.id}`)).status).toBe(200);
    expect((await as(southampton).get(`/v1/council-tax-discounts/${own.body.id}`)).status).toBe(404);
    const southamptonList = await as(southampton).get('/v1/council-tax-discounts');
    expect(southamptonList.body.items.every((item: { participant: string }) => item.participant === southampton)).toBe(true);
    expect((await as(dorset).get('/v1/council-tax-discounts')).body.items.map((item: { id: string }) => item.id).sort()).toEqual([own.body.id, named.body.id].sort());
  });

  it('refuses an invalid body with every problem listed; nothing stored, nothing published', async () => {
    const count = async () => (await sql.query('SELECT (SELECT count(*) FROM housing_benefit_assessments)::int AS rows, (SELECT count(*) FROM outbox)::int AS outbox')).rows[0];
    const before = await count();
    const response = await as(southampton).post('/v1/housing-benefit-assessments', {
      ...body('rb.housing-benefit.assessed.v1', 'x'),
      subject: { localId: 'x', niNumber: 'GB123456A' },
      tenure: 'castle',
      weeklyAward: -3,
      effectiveFrom: '30/11/2026',
    });
    expect(response.status).toBe(400);
    const paths = response.body.problems.map((problem: { path: string }) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['subject.niNumber', 'tenure', 'weeklyAward', 'effectiveFrom']));
    expect(await count()).toEqual(before);
  });

  it('accepts writes while Kafka is unreachable and publishes each exactly once, in order, when it returns', async () => {
    const localId = `person-${randomUUID()}`;
    const eventIds: string[] = [];
    network.disconnect();
    try {
      for (const weeks of [1, 2, 3]) {
        const response = await as(dorset).post('/v1/discretionary-housing-payments', body('rb.discretionary-housing-payment.awarded.v1', localId, { weeks }));
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
    expect(published.map((message) => JSON.parse(message.value).weeks)).toEqual([1, 2, 3]);
  });

  it('turns a care home admission into a change of circumstances for the receiving council only, once', async () => {
    const shared = (serviceType: string, agreement: string) => {
      const id = randomUUID();
      const message = encodeEvent({
        id,
        source: 'southampton.adult-social-care',
        type: 'asc.service.started.v1',
        data: { subject: { localId: `asc-${id}` }, serviceType, startDate: '2026-11-28' },
      });
      return { ...message, headers: { ...message.headers, ce_accordagreement: agreement, ce_accordpurpose: 'council-tax-and-hb-review', ce_accorddecision: `decision-${id}` } };
    };
    const residential = shared('long-term-residential', 'scc-asc-care-home-to-rb@1');
    const community = shared('community', 'scc-asc-care-home-to-rb@1');
    const nursing = shared('long-term-nursing', 'dorset-care-home@4');
    await produce(inboxTopic(southampton), [residential, community, residential]);
    await produce(inboxTopic(dorset), [nursing]);

    await eventually(async () => ((await sql.query('SELECT count(*)::int AS n FROM inbox_receipts')).rows[0].n >= 3 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const southamptonItems = (await as(southampton).get('/v1/inbox')).body.items;
    const dorsetItems = (await as(dorset).get('/v1/inbox')).body.items;
    expect(southamptonItems).toHaveLength(1);
    expect(southamptonItems[0]).toMatchObject({
      participant: southampton,
      kind: 'change-of-circumstances',
      summary: expect.stringContaining('class E'),
      details: { serviceType: 'long-term-residential', startDate: '2026-11-28' },
      agreement: 'scc-asc-care-home-to-rb@1',
      purpose: 'council-tax-and-hb-review',
      eventType: 'asc.service.started.v1',
    });
    expect(dorsetItems).toHaveLength(1);
    expect(dorsetItems[0]).toMatchObject({ participant: dorset, agreement: 'dorset-care-home@4', details: { serviceType: 'long-term-nursing' } });
  });
});
