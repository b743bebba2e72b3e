import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { UnchainedDecision } from '@accord/audit-chain';
import { CONSENT_CHANGES_TOPIC, inboxTopic } from '@accord/contracts';
import { subjectKey, subjectKeys } from '@accord/governance';
import { HUB_IDENTITIES } from '@accord/kafka';
import { appendDecisions } from '@accord/persistence';
import { loadEnvironment, startHttpApp } from '@accord/platform';
import {
  createTestDatabase,
  NetworkSwitch,
  randomNhsNumber,
  randomNiNumber,
  switchableKafka,
  TEST_KAFKA_BROKERS,
  TopicRecorder,
  uniqueParticipant,
  type RecordedMessage,
  type TestDatabase,
} from '@accord/testing';
import { AppModule } from '../src/app.module';
import { HubApiEnvironment } from '../src/environment';
import { HUB_KAFKA } from '../src/hub-kafka';

const ADMIN_TOKEN = 'test-admin-token-consents-0123456789';
const SECRET = 'consents-test-subject-key-secret-0123456789';

const PROVIDER = uniqueParticipant('adult-social-care');
const RECIPIENT = uniqueParticipant('revenues-benefits');
const LEGAL_DUTY_RECIPIENT = uniqueParticipant('clinical-hub');
const OPT_OUT_RECIPIENT = uniqueParticipant('analytics');
const OBJECTION_AGREEMENT = `test-objection-${randomUUID().slice(0, 8)}`;
const LEGAL_DUTY_AGREEMENT = `test-legal-duty-${randomUUID().slice(0, 8)}`;
const OPT_OUT_AGREEMENT = `test-opt-out-${randomUUID().slice(0, 8)}`;

function agreement(id: string, recipient: string, purpose: string, consent: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    title: 'A test agreement',
    status: 'active',
    provider: PROVIDER,
    recipients: [recipient],
    purpose: { code: purpose, description: 'Testing notices' },
    lawfulBasis: { article6: 'public-task', article9: null, legislation: [] },
    validFrom: '2026-01-01',
    validUntil: '2099-12-31',
    reviewBy: '2098-01-01',
    consent: { safeguardingOverride: false, ...consent },
    retention: { days: 30 },
    rules: [{ eventType: 'asc.service.started.v1', fields: ['subject.localId', 'serviceType'] }],
  };
}

interface Hub {
  request(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<{ status: number; body: any; text: string }>;
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * The real hub-api, except that its standard Kafka client, which the consent outbox publishes
 * through, connects through a network the test can cut. Recording a statement uses no Kafka
 * of its own, so while it is cut only the outbox's publishing waits.
 */
async function startHub(database: TestDatabase, network: NetworkSwitch): Promise<Hub> {
  const environment = loadEnvironment(HubApiEnvironment, {
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: database.url,
    ACCORD_ADMIN_TOKEN: ADMIN_TOKEN,
    ACCORD_SUBJECT_KEY_SECRET: SECRET,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(environment)] })
    .overrideProvider(HUB_KAFKA)
    .useValue(switchableKafka(network, HUB_IDENTITIES.hubApi))
    .compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true, logger: false });
  const url = await startHttpApp(app, { service: 'hub-api', title: 'hub-api', description: 'test', port: 0 });
  return {
    dataSource: app.get(DataSource),
    async request(method, path, { token, body } = {}) {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, text };
    },
    close: () => app.close(),
  };
}

const spaced = (nhsNumber: string) => `${nhsNumber.slice(0, 3)} ${nhsNumber.slice(3, 6)} ${nhsNumber.slice(6)}`;

describe('hub-api consent registry', () => {
  let database: TestDatabase;
  let hub: Hub;
  let network: NetworkSwitch;
  let recorder: TopicRecorder;
  let officer: string;
  let governance: string;

  async function query<T = any>(sql: string, parameters: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('SET search_path TO accord');
      return (await client.query(sql, parameters)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** Every row of every table of the hub's schema, as text. */
  async function databaseDump(): Promise<string> {
    const tables = await query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'accord'`);
    expect(tables.map((table) => table.table_name)).toEqual(expect.arrayContaining(['consent_statements', 'outbox']));
    const parts: string[] = [];
    for (const { table_name } of tables) {
      const [row] = await query<{ dump: string | null }>(`SELECT string_agg(t::text, E'\\n') AS dump FROM accord."${table_name}" t`);
      parts.push(row?.dump ?? '');
    }
    return parts.join('\n');
  }

  const changeFor = async (statementId: string): Promise<RecordedMessage> =>
    (await recorder.waitFor((message) => message.topic === CONSENT_CHANGES_TOPIC && message.key === statementId, 1))[0]!;

  function shared(subject: { nhsNumber?: string; niNumber?: string }, overrides: Partial<UnchainedDecision>): UnchainedDecision {
    return {
      decisionId: randomUUID(),
      eventId: randomUUID(),
      eventType: 'asc.service.started.v1',
      source: PROVIDER,
      recipient: RECIPIENT,
      agreementId: OBJECTION_AGREEMENT,
      agreementVersion: 1,
      purpose: 'council-tax-review',
      lawfulBasis: { article6: 'public-task', article9: null, legislation: [] },
      outcome: 'shared',
      reasons: ['permitted'],
      fieldsReleased: ['subject.localId', 'serviceType'],
      fieldsWithheld: ['subject.nhsNumber'],
      consentRefs: [],
      subjectKey: subjectKey(subject, SECRET),
      payloadDigest: 'e'.repeat(64),
      topic: `accord.events.${PROVIDER}`,
      partition: 0,
      offset: '0',
      decidedAt: new Date().toISOString(),
      ...overrides,
    };
  }

  beforeAll(async () => {
    database = await createTestDatabase('hub_consents');
    network = new NetworkSwitch();
    hub = await startHub(database, network);
    for (const participant of [PROVIDER, RECIPIENT, LEGAL_DUTY_RECIPIENT, OPT_OUT_RECIPIENT]) {
      expect((await hub.request('PUT', `/v1/participants/${participant}`, { token: ADMIN_TOKEN, body: { displayName: participant } })).status).toBe(200);
    }
    officer = (await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['consent-officer'] } })).body.token;
    governance = (await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['governance'] } })).body.token;
    for (const document of [
      agreement(OBJECTION_AGREEMENT, RECIPIENT, 'council-tax-review', { basis: 'objection', nationalDataOptOut: 'exempt' }),
      agreement(LEGAL_DUTY_AGREEMENT, LEGAL_DUTY_RECIPIENT, 'legal-duty', { basis: 'none', nationalDataOptOut: 'exempt' }),
      agreement(OPT_OUT_AGREEMENT, OPT_OUT_RECIPIENT, 'planning', { basis: 'none', nationalDataOptOut: 'applies' }),
    ]) {
      const applied = await hub.request('PUT', `/v1/agreements/${document.id}`, { token: governance, body: document });
      expect(applied.status).toBe(200);
    }
    recorder = await TopicRecorder.start([CONSENT_CHANGES_TOPIC, inboxTopic(RECIPIENT), inboxTopic(LEGAL_DUTY_RECIPIENT), inboxTopic(OPT_OUT_RECIPIENT)]);
  });
  afterAll(async () => {
    await recorder?.stop();
    await hub?.close();
    await database?.drop();
  });

  it('records a statement as keyed hashes only, never echoing, storing or publishing the NHS number', async () => {
    const nhsNumber = randomNhsNumber();
    const response = await hub.request('POST', '/v1/consents', {
      token: officer,
      body: {
        subject: { nhsNumber: spaced(nhsNumber) },
        kind: 'grant',
        scope: { purpose: 'council-tax-review', recipient: RECIPIENT, agreementId: OBJECTION_AGREEMENT },
        effectiveFrom: '2026-11-28T10:00:00Z',
        recordedBy: 'A consent officer',
        evidence: 'Signed form ref 42',
      },
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kind: 'grant',
      scope: { purpose: 'council-tax-review', recipient: RECIPIENT, agreementId: OBJECTION_AGREEMENT },
      effectiveFrom: '2026-11-28T10:00:00.000Z',
      recordedAt: expect.any(String),
      noticesQueued: 0,
    });
    expect(response.text).not.toContain(nhsNumber);

    const [row] = await query('SELECT nhs_key, ni_key FROM consent_statements WHERE id = $1', [response.body.id]);
    expect(row).toEqual({ nhs_key: subjectKeys({ nhsNumber }, SECRET).nhsNumber, ni_key: null });
    const dump = await databaseDump();
    expect(dump).toContain(response.body.id);
    expect(dump).not.toContain(nhsNumber);
    expect(dump).not.toContain(spaced(nhsNumber));

    const change = await changeFor(response.body.id);
    expect(change.headers).toMatchObject({ ce_type: 'accord.consent.changed.v1', ce_id: response.body.id });
    expect(JSON.parse(change.value)).toEqual({
      statementId: response.body.id,
      kind: 'grant',
      scope: { purpose: 'council-tax-review', recipient: RECIPIENT, agreementId: OBJECTION_AGREEMENT },
      effectiveFrom: '2026-11-28T10:00:00.000Z',
      recordedAt: response.body.recordedAt,
      recordedSeq: expect.any(Number),
      subjectKey: row.nhs_key,
      subjectKeys: { nhsNumber: row.nhs_key, niNumber: null },
    });
    for (const text of [change.key, change.value, JSON.stringify(change.headers)]) expect(text).not.toContain(nhsNumber);
  });

  it("finds a person's statements by either identifier, with where consent stands per agreement", async () => {
    const person = { nhsNumber: randomNhsNumber(), niNumber: randomNiNumber() };
    const objection = await hub.request('POST', '/v1/consents', { token: officer, body: { subject: person, kind: 'object' } });
    const optOut = await hub.request('POST', '/v1/consents', { token: officer, body: { subject: { niNumber: person.niNumber }, kind: 'national-opt-out' } });
    expect([objection.status, optOut.status]).toEqual([201, 201]);

    const byNhs = await hub.request('GET', `/v1/consents?nhsNumber=${person.nhsNumber}`, { token: officer });
    expect(byNhs.status).toBe(200);
    expect(byNhs.body.statements).toEqual([expect.objectContaining({ id: objection.body.id, kind: 'object', matchedBy: ['nhsNumber'] })]);

    const both = await hub.request('GET', `/v1/consents?nhsNumber=${person.nhsNumber}&niNumber=${person.niNumber.toLowerCase()}`, { token: officer });
    expect(both.body.statements.map((statement: { id: string; matchedBy: string[] }) => [statement.id, statement.matchedBy])).toEqual([
      [objection.body.id, ['nhsNumber', 'niNumber']],
      [optOut.body.id, ['niNumber']],
    ]);
    expect(both.body.nationalOptOut).toEqual({ optedOut: true, decidingStatementId: optOut.body.id });
    expect(both.body.effective).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ agreementId: OBJECTION_AGREEMENT, recipient: RECIPIENT, decidingStatementId: objection.body.id, consentPermits: false }),
        expect.objectContaining({ agreementId: LEGAL_DUTY_AGREEMENT, consentPermits: true, decidingStatementId: null, optOutWithholds: false }),
        expect.objectContaining({ agreementId: OPT_OUT_AGREEMENT, consentPermits: true, optOutWithholds: true }),
      ]),
    );
    expect(both.text).not.toContain(person.nhsNumber);
    expect(both.text).not.toContain(person.niNumber);

    const missing = await hub.request('GET', '/v1/consents', { token: officer });
    expect(missing.status).toBe(400);
    expect(missing.body.problems).toEqual([{ path: 'nhsNumber', problem: 'the subject needs an nhsNumber or an niNumber' }]);
  });

  it('refuses an invalid body with 400 listing every problem, never quoting an identifier, and records nothing', async () => {
    const before = await query('SELECT count(*)::int AS count FROM consent_statements');
    const invalidNhs = '9434765918';
    const response = await hub.request('POST', '/v1/consents', {
      token: officer,
      body: {
        subject: { nhsNumber: invalidNhs, niNumber: 'QQ12345' },
        kind: 'maybe',
        scope: { recipient: 'Not A Participant', agreementId: 'Bad_Id' },
        effectiveFrom: 'yesterday',
        evidence: 'x'.repeat(2001),
      },
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid-request');
    expect(response.body.problems.map((problem: { path: string }) => problem.path).sort()).toEqual(
      ['effectiveFrom', 'evidence', 'kind', 'scope.agreementId', 'scope.recipient', 'subject.niNumber', 'subject.nhsNumber'].sort(),
    );
    expect(response.text).not.toContain(invalidNhs);
    expect(response.text).not.toContain('QQ12345');

    const noSubject = await hub.request('POST', '/v1/consents', { token: officer, body: { subject: {}, kind: 'withdraw' } });
    expect(noSubject.status).toBe(400);
    expect(noSubject.body.problems).toEqual([{ path: 'subject.nhsNumber', problem: 'the subject needs an nhsNumber or an niNumber' }]);

    const scopedOptOut = await hub.request('POST', '/v1/consents', {
      token: officer,
      body: { subject: { nhsNumber: randomNhsNumber() }, kind: 'national-opt-out', scope: { purpose: 'planning' } },
    });
    expect(scopedOptOut.status).toBe(400);
    expect(scopedOptOut.body.problems.map((problem: { path: string }) => problem.path)).toEqual(['scope']);
    expect(await query('SELECT count(*)::int AS count FROM consent_statements')).toEqual(before);
  });

  it('refuses a scope naming an unregistered recipient or an unknown agreement with 422 consent-scope-unknown', async () => {
    const response = await hub.request('POST', '/v1/consents', {
      token: officer,
      body: { subject: { nhsNumber: randomNhsNumber() }, kind: 'object', scope: { recipient: 'nobody.analytics', agreementId: 'no-such-agreement' } },
    });
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      code: 'consent-scope-unknown',
      message: expect.any(String),
      problems: [
        { path: 'scope.recipient', problem: 'is not a registered participant' },
        { path: 'scope.agreementId', problem: 'is not a known agreement' },
      ],
    });
  });

  it('sends a notice to recipients that already received the person\'s data under the scope an objection now withholds', async () => {
    const person = { nhsNumber: randomNhsNumber() };
    const other = { nhsNumber: randomNhsNumber() };
    const affected = [shared(person, {}), shared(person, { decisionId: randomUUID(), eventId: randomUUID() })];
    const legalDuty = shared(person, { recipient: LEGAL_DUTY_RECIPIENT, agreementId: LEGAL_DUTY_AGREEMENT, purpose: 'legal-duty' });
    const withheld = shared(person, { outcome: 'withheld', reasons: ['condition-not-met'], fieldsReleased: [], payloadDigest: null });
    const someoneElse = shared(other, {});
    await hub.dataSource.transaction((manager) => appendDecisions(manager, [...affected, legalDuty, withheld, someoneElse]));

    const response = await hub.request('POST', '/v1/consents', { token: officer, body: { subject: person, kind: 'object' } });
    expect(response.status).toBe(201);
    expect(response.body.noticesQueued).toBe(1);

    const [notice] = await recorder.waitFor((message) => message.topic === inboxTopic(RECIPIENT) && message.key === response.body.id, 1);
    expect(notice!.headers).toMatchObject({ ce_type: 'accord.consent.notice.v1', ce_specversion: '1.0', 'content-type': 'application/json' });
    expect(JSON.parse(notice!.value)).toEqual({
      noticeId: notice!.headers.ce_id,
      statementId: response.body.id,
      kind: 'object',
      scope: { purpose: null, recipient: null, agreementId: null },
      effectiveFrom: response.body.effectiveFrom,
      recordedAt: response.body.recordedAt,
      affected: [{ agreementId: OBJECTION_AGREEMENT, purpose: 'council-tax-review', eventIds: affected.map((decision) => decision.eventId) }],
    });
    expect(notice!.value).not.toContain(person.nhsNumber);
    expect(notice!.value).not.toContain(subjectKey(person, SECRET)!);

    // The legal-duty agreement (consent basis none) is not affected by an objection.
    await changeFor(response.body.id);
    expect(recorder.messages.filter((message) => message.topic === inboxTopic(LEGAL_DUTY_RECIPIENT))).toEqual([]);
  });

  it('sends opt-out notices only where the agreement honours the national data opt-out', async () => {
    const person = { nhsNumber: randomNhsNumber() };
    await hub.dataSource.transaction((manager) =>
      appendDecisions(manager, [
        shared(person, { recipient: OPT_OUT_RECIPIENT, agreementId: OPT_OUT_AGREEMENT, purpose: 'planning' }),
        shared(person, { recipient: LEGAL_DUTY_RECIPIENT, agreementId: LEGAL_DUTY_AGREEMENT, purpose: 'legal-duty' }),
      ]),
    );
    const response = await hub.request('POST', '/v1/consents', { token: officer, body: { subject: { nhsNumber: spaced(person.nhsNumber) }, kind: 'national-opt-out' } });
    expect(response.body.noticesQueued).toBe(1);
    const [notice] = await recorder.waitFor((message) => message.topic === inboxTopic(OPT_OUT_RECIPIENT) && message.key === response.body.id, 1);
    expect(JSON.parse(notice!.value).affected).toEqual([{ agreementId: OPT_OUT_AGREEMENT, purpose: 'planning', eventIds: [expect.any(String)] }]);
  });

  it('records while Kafka is unreachable and publishes once it is back (transactional outbox)', async () => {
    network.disconnect();
    let statementId: string;
    try {
      const response = await hub.request('POST', '/v1/consents', { token: officer, body: { subject: { niNumber: randomNiNumber() }, kind: 'withdraw' } });
      expect(response.status).toBe(201);
      statementId = response.body.id;
      const [pending] = await query('SELECT published_at FROM outbox WHERE event_id = $1', [statementId]);
      expect(pending).toEqual({ published_at: null });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(recorder.messages.some((message) => message.key === statementId)).toBe(false);
    } finally {
      network.reconnect();
    }
    const change = await changeFor(statementId!);
    expect(JSON.parse(change.value)).toMatchObject({ statementId: statementId!, kind: 'withdraw' });
  });

  it('checks roles: 401 without a token, 403 without consent-officer', async () => {
    const body = { subject: { nhsNumber: randomNhsNumber() }, kind: 'grant' };
    expect((await hub.request('POST', '/v1/consents', { body })).status).toBe(401);
    expect((await hub.request('GET', '/v1/consents?nhsNumber=9434765919')).status).toBe(401);
    const forbiddenPost = await hub.request('POST', '/v1/consents', { token: governance, body });
    expect(forbiddenPost.status).toBe(403);
    expect(forbiddenPost.body.code).toBe('forbidden');
    expect((await hub.request('GET', '/v1/consents?nhsNumber=9434765919', { token: governance })).status).toBe(403);
  });
});
