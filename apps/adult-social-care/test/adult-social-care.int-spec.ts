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
import { AdultSocialCareEnvironment } from '../src/environment';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe('adult-social-care: records, outbox and inbox against the real Kafka and Postgres', () => {
  const participant = uniqueParticipant('adult-social-care');
  // Another council's adult social care: registered at the hub, not served by this instance.
  const elsewhere = uniqueParticipant('adult-social-care');
  const network = new NetworkSwitch();
  let database: TestDatabase;
  let hub: RunningApp;
  let service: RunningApp;
  /** The case management system's token: writes and reads this participant's records. */
  let token: string;
  let events: TopicRecorder;
  let sql: Client;

  beforeAll(async () => {
    database = await createTestDatabase('asc');
    hub = await startTestApp({ service: 'hub-api', environmentClass: HubApiEnvironment, environment: { DATABASE_URL: database.url }, module: HubModule.forRoot });
    // Onboarding: the hub registers each participant (topics, ACLs); its system gets a certificate and tokens.
    await registerTestParticipants(hub, [participant, elsewhere]);
    service = await startTestApp({
      service: 'adult-social-care',
      environmentClass: AdultSocialCareEnvironment,
      environment: { DATABASE_URL: database.url, ASC_PARTICIPANT: participant, ...hubAuthenticationEnvironment(hub.url) },
      module: (environment) => AppModule.forRoot(environment, { kafka: (participant) => switchableKafka(network, participant) }),
    });
    token = (await issueTestToken(hub, { participant, roles: ['publisher', 'reader'] })).token;
    await connectInbox(service.app);
    events = await TopicRecorder.start([eventsTopic(participant)]);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    // `asc` is an SQL keyword: unqualified names, resolved in the service's schema.
    await sql.query('SET search_path TO "asc"');
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
    subject: { localId, nhsNumber: '943 476 5919', name: { given: 'Ada', family: 'Lovelace' } },
    ...overrides,
  });

  it('refuses every route without a valid token, to other participants, and without the route\'s role', async () => {
    const { routes, actual, expected } = await routeAccess(service, await issueRouteAccessTokens(hub, participant, elsewhere));
    expect(routes.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(['POST /v1/assessments', 'POST /v1/services/:id/end', 'GET /v1/services/:id', 'GET /v1/reviews', 'GET /v1/inbox']),
    );
    expect(actual).toEqual(expected);
  });

  it('publishes every asc event type to its topic in the CloudEvents envelope', async () => {
    const localId = `person-${randomUUID()}`;
    const created = [
      await service.request('POST', '/v1/assessments', { token, body: body('asc.assessment.completed.v1', localId) }),
      await service.request('POST', '/v1/services', { token, body: body('asc.service.started.v1', localId, { serviceType: 'long-term-residential' }) }),
      await service.request('POST', '/v1/safeguarding-concerns', { token, body: body('asc.safeguarding.concern-raised.v1', localId) }),
      await service.request('POST', '/v1/reviews', { token, body: body('asc.review.completed.v1', localId) }),
    ];
    for (const response of created) expect(response.status).toBe(201);
    const serviceId = created[1]!.body.id;
    const startDate = created[1]!.body.startDate;
    const ended = await service.request('POST', `/v1/services/${serviceId}/end`, { token, body: { endDate: startDate, endReason: 'moved away' } });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ id: serviceId, endDate: startDate, endReason: 'moved away', endedEventId: expect.any(String) });

    const eventIds = [...created.map((response) => response.body.eventId as string), ended.body.endedEventId as string];
    const published = await events.waitFor((message) => eventIds.includes(message.headers.ce_id!), 5);
    expect(published.map((message) => message.headers.ce_type)).toEqual([
      'asc.assessment.completed.v1',
      'asc.service.started.v1',
      'asc.safeguarding.concern-raised.v1',
      'asc.review.completed.v1',
      'asc.service.ended.v1',
    ]);
    for (const message of published) {
      expect(message.topic).toBe(`accord.events.${participant}`);
      expect(message.key).toBe(localId);
      expect(message.headers).toMatchObject({
        ce_specversion: '1.0',
        ce_source: `urn:accord:${participant}`,
        'content-type': 'application/json',
      });
      expect(message.headers.ce_time).toMatch(RFC3339);
      const value = JSON.parse(message.value);
      // Identifiers are stored and published normalised.
      expect(value.subject).toEqual({ localId, nhsNumber: '9434765919', name: { given: 'Ada', family: 'Lovelace' } });
    }
    const endedValue = JSON.parse(published[4]!.value);
    expect(endedValue).toMatchObject({ serviceType: 'long-term-residential', endDate: startDate, endReason: 'moved away' });

    const read = await service.request('GET', `/v1/services/${serviceId}`, { token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: serviceId, participant, subject: { nhsNumber: '9434765919' } });
    const list = await service.request('GET', '/v1/assessments?limit=1', { token });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].id).toBe(created[0]!.body.id);
    expect((await service.request('GET', `/v1/reviews/${randomUUID()}`, { token })).status).toBe(404);
  });

  it('refuses an invalid body with every problem listed; nothing stored, nothing published', async () => {
    const [before] = (await sql.query('SELECT (SELECT count(*) FROM assessments)::int AS rows, (SELECT count(*) FROM outbox)::int AS outbox')).rows;
    const response = await service.request('POST', '/v1/assessments', {
      token,
      body: {
        ...body('asc.assessment.completed.v1', 'person-invalid'),
        subject: { nhsNumber: '943 476 5918' },
        assessmentType: 'lifelong',
        completedAt: 'yesterday',
        unexpected: true,
      },
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid-request');
    const paths = response.body.problems.map((problem: { path: string }) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['subject.localId', 'subject.nhsNumber', 'assessmentType', 'completedAt', 'unexpected']));
    const [after] = (await sql.query('SELECT (SELECT count(*) FROM assessments)::int AS rows, (SELECT count(*) FROM outbox)::int AS outbox')).rows;
    expect(after).toEqual(before);
    expect(events.messages.some((message) => JSON.parse(message.value).subject?.localId === 'person-invalid')).toBe(false);
  });

  it('accepts writes while Kafka is unreachable and publishes each event exactly once, in order per person, when it returns', async () => {
    const people = [`person-${randomUUID()}`, `person-${randomUUID()}`];
    network.disconnect();
    const eventIds: string[] = [];
    try {
      for (let round = 0; round < 3; round++) {
        for (const localId of people) {
          const response = await service.request('POST', '/v1/reviews', { token, body: body('asc.review.completed.v1', localId, { reviewReason: `round ${round}` }) });
          expect(response.status).toBe(201);
          eventIds.push(response.body.eventId);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const [{ pending }] = (await sql.query('SELECT count(*)::int AS pending FROM outbox WHERE published_at IS NULL')).rows;
      expect(pending).toBeGreaterThanOrEqual(eventIds.length);
      expect(events.messages.filter((message) => eventIds.includes(message.headers.ce_id!))).toHaveLength(0);
    } finally {
      network.reconnect();
    }
    await events.waitFor((message) => eventIds.includes(message.headers.ce_id!), eventIds.length, 60_000);
    await eventually(async () => ((await sql.query('SELECT count(*)::int AS pending FROM outbox WHERE published_at IS NULL')).rows[0].pending === 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500)); // a duplicate would arrive by now
    const published = events.messages.filter((message) => eventIds.includes(message.headers.ce_id!));
    expect(published).toHaveLength(eventIds.length);
    expect(new Set(published.map((message) => message.headers.ce_id)).size).toBe(eventIds.length);
    for (const localId of people) {
      const reasons = published.filter((message) => message.key === localId).map((message) => JSON.parse(message.value).reviewReason);
      expect(reasons).toEqual(['round 0', 'round 1', 'round 2']);
    }
  });

  it('turns shared records into work items once, and receipts what it cannot use', async () => {
    const inbox = inboxTopic(participant);
    const shared = (type: string, source: string, data: Record<string, unknown>, agreement: string, id = randomUUID()) => {
      const message = encodeEvent({ id, source, type, data });
      return {
        ...message,
        headers: { ...message.headers, ce_accordagreement: agreement, ce_accordpurpose: 'care-planning', ce_accorddecision: `decision-${id}` },
      };
    };
    const dischargeId = randomUUID();
    const discharge = shared(
      'nhs.hospital-discharge.notified.v1',
      'uhs.discharge-hub',
      { subject: { localId: 'uhs-1' }, dischargePathway: 1, expectedDischargeDate: '2026-12-01', ward: 'F4' },
      'hospital-discharge@3',
      dischargeId,
    );
    const housingBenefit = shared(
      'rb.housing-benefit.assessed.v1',
      'southampton.revenues-benefits',
      { subject: { localId: 'rb-1', niNumber: 'QQ123456C' }, claimReference: 'HB-1', weeklyAward: 120.5, effectiveFrom: '2026-11-02' },
      'benefits-for-care-charging@1',
    );
    const unexpected = shared('ph.immunisation.administered.v1', 'hampshire.public-health', { subject: { localId: 'ph-1' } }, 'x@1');
    const invalid = shared('nhs.hospital-discharge.notified.v1', 'uhs.discharge-hub', { subject: { localId: 'uhs-2' }, dischargePathway: 7 }, 'hospital-discharge@3');
    await produce(inbox, [unexpected, invalid, discharge, housingBenefit, discharge]);

    await eventually(async () => ((await sql.query('SELECT count(*)::int AS n FROM inbox_receipts')).rows[0].n >= 4 ? true : undefined));
    const items = await eventually(async () => {
      const response = await service.request('GET', '/v1/inbox', { token });
      return response.body.items.length >= 2 ? response.body.items : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // the duplicate delivery has been handled
    const all = (await service.request('GET', '/v1/inbox', { token })).body.items;
    expect(all).toHaveLength(2);
    const dischargeItem = items.find((item: { eventType: string }) => item.eventType === 'nhs.hospital-discharge.notified.v1');
    expect(dischargeItem).toMatchObject({
      participant,
      kind: 'discharge-to-assess-referral',
      details: { dischargePathway: 1, expectedDischargeDate: '2026-12-01' },
      eventId: dischargeId,
      agreement: 'hospital-discharge@3',
      purpose: 'care-planning',
      decisionId: `decision-${dischargeId}`,
      source: expect.stringContaining('uhs.discharge-hub'),
    });
    expect(items.find((item: { eventType: string }) => item.eventType === 'rb.housing-benefit.assessed.v1')).toMatchObject({
      kind: 'financial-assessment-evidence',
      details: { claimReference: 'HB-1', weeklyAward: 120.5 },
    });
    const receipts = (await sql.query('SELECT outcome FROM inbox_receipts ORDER BY outcome')).rows.map((row) => row.outcome);
    expect(receipts).toEqual(['invalid-shape', 'unexpected-type', 'work-item', 'work-item']);

    const page = await service.request('GET', '/v1/inbox?limit=1', { token });
    expect(page.body.items).toHaveLength(1);
    const next = await service.request('GET', `/v1/inbox?limit=1&cursor=${page.body.nextCursor}`, { token });
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);
  });

  it('receipts a poison record (nested 50,000 deep, a notice too) and turns the valid record behind it into a work item', async () => {
    const inbox = inboxTopic(participant);
    const id = randomUUID();
    const valid = encodeEvent({
      id,
      source: 'uhs.discharge-hub',
      type: 'nhs.hospital-discharge.notified.v1',
      data: { subject: { localId: 'uhs-poison-behind' }, dischargePathway: 1, expectedDischargeDate: '2026-12-01', ward: 'F4' },
    });
    const headers = { ...valid.headers, ce_accordagreement: 'hospital-discharge@3', ce_accordpurpose: 'care-planning', ce_accorddecision: `decision-${id}` };
    const deep = `{"subject":{"localId":"uhs-poison-behind"},"x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    await produce(inbox, [
      { key: valid.key, headers: { ...headers, ce_id: randomUUID() }, value: deep },
      { key: valid.key, headers: { ...headers, ce_id: randomUUID(), ce_type: 'accord.consent.notice.v1' }, value: deep },
      { ...valid, headers },
    ]);
    const item = await eventually(async () => {
      const items = (await service.request('GET', '/v1/inbox', { token })).body.items as Array<{ eventId: string }>;
      return items.find((candidate) => candidate.eventId === id);
    });
    expect(item).toMatchObject({ kind: 'discharge-to-assess-referral' });
    const { rows } = await sql.query(`SELECT outcome FROM inbox_receipts WHERE outcome = 'invalid-envelope'`);
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });
});
