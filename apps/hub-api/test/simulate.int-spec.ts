import { randomUUID } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import { encodeEvent, eventsTopic } from '@accord/contracts';
import {
  createTestDatabase,
  produce,
  randomNhsNumber,
  startTestApp,
  testKafka,
  uniqueParticipant,
  type RunningApp,
  type TestDatabase,
  exampleEventData,
} from '@accord/testing';
import { AppModule } from '../src/app.module';
import { HubApiEnvironment } from '../src/environment';

const ADMIN_TOKEN = 'test-admin-token-simulate-0123456789';
const PROVIDER = uniqueParticipant('adult-social-care');
const RECIPIENT = uniqueParticipant('revenues-benefits');
const NEW_RECIPIENT = uniqueParticipant('analytics');
const AGREEMENT_ID = `test-simulate-${randomUUID().slice(0, 8)}`;

const CURRENT = {
  id: AGREEMENT_ID,
  title: 'Care home placements',
  status: 'active',
  provider: PROVIDER,
  recipients: [RECIPIENT],
  purpose: { code: 'council-tax-and-hb-review', description: 'Review council tax and housing benefit' },
  lawfulBasis: { article6: 'public-task', article9: null, legislation: [] },
  validFrom: '2026-01-01',
  validUntil: '2099-12-31',
  reviewBy: '2098-01-01',
  consent: { basis: 'objection', nationalDataOptOut: 'exempt', safeguardingOverride: false },
  retention: { days: 365 },
  rules: [
    {
      eventType: 'asc.service.started.v1',
      when: "data.serviceType in ['long-term-residential', 'long-term-nursing']",
      fields: ['subject.localId', 'serviceType', 'startDate'],
    },
  ],
};

/** Narrows the condition to nursing placements only, and adds a recipient. */
const PROPOSED = {
  ...CURRENT,
  recipients: [RECIPIENT, NEW_RECIPIENT],
  rules: [{ ...CURRENT.rules[0], when: "data.serviceType == 'long-term-nursing'" }],
};

function serviceStarted(serviceType: string, nhsNumber = randomNhsNumber()): Record<string, any> {
  const data = exampleEventData('asc.service.started.v1');
  return { ...data, subject: { ...(data.subject as object), localId: `local-${randomUUID().slice(0, 8)}`, nhsNumber }, serviceType };
}

describe('hub-api agreement simulation', () => {
  let database: TestDatabase;
  let hub: RunningApp;
  let governance: string;
  let officer: string;

  const simulate = (body: unknown) => hub.request('POST', '/v1/agreements/simulate', { token: governance, body });

  beforeAll(async () => {
    database = await createTestDatabase('hub_simulate');
    hub = await startTestApp({
      service: 'hub-api',
      environmentClass: HubApiEnvironment,
      environment: { DATABASE_URL: database.url, ACCORD_ADMIN_TOKEN: ADMIN_TOKEN },
      module: (environment) => AppModule.forRoot(environment),
    });
    for (const participant of [PROVIDER, RECIPIENT, NEW_RECIPIENT]) {
      expect((await hub.request('PUT', `/v1/participants/${participant}`, { token: ADMIN_TOKEN, body: { displayName: participant } })).status).toBe(200);
    }
    governance = (await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['governance'] } })).body.token;
    officer = (await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['consent-officer'] } })).body.token;
    expect((await hub.request('PUT', `/v1/agreements/${AGREEMENT_ID}`, { token: governance, body: CURRENT })).status).toBe(200);
  });
  afterAll(async () => {
    await hub?.close();
    await database?.drop();
  });

  it('compares current and proposed decisions for supplied events, with the consent registry, never echoing data', async () => {
    const residential = serviceStarted('long-term-residential');
    const nursing = serviceStarted('long-term-nursing');
    const objector = serviceStarted('long-term-nursing');
    const community = serviceStarted('community');
    const badIdentifier = { ...serviceStarted('long-term-nursing'), subject: { localId: 'local-bad', nhsNumber: '9434765918' } };
    const objected = await hub.request('POST', '/v1/consents', { token: officer, body: { subject: { nhsNumber: objector.subject.nhsNumber }, kind: 'object' } });
    expect(objected.status).toBe(201);

    const ids = Array.from({ length: 6 }, () => randomUUID());
    const response = await simulate({
      agreement: toYaml(PROPOSED),
      events: [
        { id: ids[0], type: 'asc.service.started.v1', data: residential },
        { id: ids[1], type: 'asc.service.started.v1', data: nursing },
        { id: ids[2], type: 'asc.service.started.v1', data: objector },
        { id: ids[3], type: 'asc.service.started.v1', data: community },
        { id: ids[4], type: 'asc.service.started.v1', data: badIdentifier },
        { id: ids[5], type: 'asc.review.completed.v1', data: exampleEventData('asc.review.completed.v1') },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ agreementId: AGREEMENT_ID, currentVersion: 1, proposedVersion: 2, window: 'supplied', evaluated: 6, rejected: 1 });

    const rows = (eventId: string) => response.body.decisions.filter((decision: { eventId: string }) => decision.eventId === eventId);
    const shared = { outcome: 'shared', reasons: ['permitted'], fieldsReleased: ['subject.localId', 'serviceType', 'startDate'] };
    const notMet = { outcome: 'withheld', reasons: ['condition-not-met'], fieldsReleased: [] };
    const objection = { outcome: 'withheld', reasons: ['objection'], fieldsReleased: [] };

    // Residential: shared today, withheld under the narrower condition.
    expect(rows(ids[0]!)).toEqual([
      { eventId: ids[0], eventType: 'asc.service.started.v1', recipient: RECIPIENT, current: shared, proposed: notMet, changed: true },
      { eventId: ids[0], eventType: 'asc.service.started.v1', recipient: NEW_RECIPIENT, current: null, proposed: notMet, changed: true },
    ]);
    // Nursing: unchanged for the existing recipient, newly shared with the new one.
    expect(rows(ids[1]!)).toEqual([
      expect.objectContaining({ recipient: RECIPIENT, current: shared, proposed: shared, changed: false }),
      expect.objectContaining({ recipient: NEW_RECIPIENT, current: null, proposed: shared, changed: true }),
    ]);
    // The registry's objection holds under both versions.
    expect(rows(ids[2]!)).toEqual([
      expect.objectContaining({ recipient: RECIPIENT, current: objection, proposed: objection, changed: false }),
      expect.objectContaining({ recipient: NEW_RECIPIENT, current: null, proposed: objection, changed: true }),
    ]);
    expect(rows(ids[3]!)).toEqual([
      expect.objectContaining({ recipient: RECIPIENT, current: notMet, proposed: notMet, changed: false }),
      expect.objectContaining({ recipient: NEW_RECIPIENT, current: null, proposed: notMet, changed: true }),
    ]);
    expect(rows(ids[4]!)).toEqual([
      {
        eventId: ids[4],
        eventType: 'asc.service.started.v1',
        recipient: null,
        current: null,
        proposed: { outcome: 'rejected', reasons: ['invalid-identifier'], fieldsReleased: [] },
        changed: false,
        problems: [{ path: 'subject.nhsNumber', problem: expect.any(String) }],
      },
    ]);
    expect(rows(ids[5]!)).toEqual([]); // no rule for the type: no candidate, no decision
    expect(response.body.changed).toBe(5);

    for (const data of [residential, nursing, objector, community]) {
      expect(response.text).not.toContain(data.subject.nhsNumber);
      expect(response.text).not.toContain(data.subject.localId);
    }
    expect(response.text).not.toContain('9434765918');
    expect(response.text).not.toContain('Lovelace');
    // Simulating stores nothing.
    const versions = await hub.request('GET', `/v1/agreements/${AGREEMENT_ID}/versions`, { token: governance });
    expect(versions.body).toHaveLength(1);
  });

  it('reads the most recent records of the provider topic when no events are supplied, and cleans up its consumer group', async () => {
    const events = [
      serviceStarted('long-term-residential'),
      serviceStarted('long-term-nursing'),
      serviceStarted('community'),
      serviceStarted('long-term-residential'),
    ].map((data) => encodeEvent({ source: PROVIDER, type: 'asc.service.started.v1', data }));
    for (const event of events) {
      await produce(eventsTopic(PROVIDER), [event]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await produce(eventsTopic(PROVIDER), [{ key: 'local-garbage', value: 'not json', headers: { ce_id: 'not-a-uuid' } }]);

    const response = await simulate({ agreement: { ...CURRENT, rules: PROPOSED.rules } });
    expect(response.status).toBe(200);
    // Recorded traffic: aggregates only, small counts withheld, the rest rounded to 5.
    expect(response.body).toMatchObject({ window: 'topic', topic: eventsTopic(PROVIDER), complete: true, evaluated: 5, rejected: null, changed: null, currentVersion: 1, proposedVersion: 2, decisions: [] });
    expect(response.body.summary).toMatchObject({ decisions: 5, changed: null });
    expect(response.body.summary.byRecipient).toEqual(expect.arrayContaining([expect.objectContaining({ recipient: null, proposed: { rejected: null } })]));
    for (const event of events) {
      expect(response.text).not.toContain(JSON.parse(event.value).subject.nhsNumber);
      expect(response.text).not.toContain(event.headers.ce_id);
    }

    // A window of one record cannot tell whether that record met a proposed condition.
    const probe = await simulate({ agreement: { ...CURRENT, rules: PROPOSED.rules }, window: { maxEvents: 1 } });
    expect(probe.body).toMatchObject({ evaluated: null, changed: null, decisions: [] });
    expect(JSON.stringify(probe.body.summary)).not.toMatch(/:[0-4][,}]/);

    const admin = testKafka().admin();
    await admin.connect();
    try {
      const { groups } = await admin.listGroups();
      expect(groups.filter((group) => group.groupId.startsWith('accord-hub-simulate-'))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  it('simulates a new agreement (no current version) and refuses an invalid proposal with 422, storing nothing', async () => {
    const fresh = { ...PROPOSED, id: `${AGREEMENT_ID}-new` };
    const response = await simulate({ agreement: fresh, events: [{ type: 'asc.service.started.v1', data: serviceStarted('long-term-nursing') }] });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ currentVersion: null, proposedVersion: 1, changed: 2 });
    expect(response.body.decisions[0]).toMatchObject({ eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), current: null, changed: true });

    const invalid = await simulate({ agreement: { ...fresh, rules: [{ eventType: 'asc.service.started.v1', fields: ['noSuchField'], when: '(' }] } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.code).toBe('agreement-invalid');
    expect(invalid.body.problems.map((problem: { path: string }) => problem.path).sort()).toEqual(['rules[0].fields[0]', 'rules[0].when']);
    expect((await hub.request('GET', `/v1/agreements/${fresh.id}`, { token: governance })).status).toBe(404);

    const badBody = await simulate({ agreement: 42, events: 'all', window: { maxEvents: 6000 } });
    expect(badBody.status).toBe(400);
    expect([...new Set(badBody.body.problems.map((problem: { path: string }) => problem.path))].sort()).toEqual(['agreement', 'events', 'window.maxEvents']);
  });
});
