import { createLocalJWKSet, decodeJwt } from 'jose';
import { verifyToken } from '@accord/auth';
import { createTestDatabase, startTestApp, testKafka, type RunningApp, type TestDatabase } from '@accord/testing';
import { AppModule } from '../src/app.module';
import { HubApiEnvironment } from '../src/environment';

const ADMIN_TOKEN = 'test-admin-token-0123456789';

describe('hub-api access control, tokens and participants', () => {
  let database: TestDatabase;
  let hub: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase('hub_access');
    hub = await startTestApp({
      service: 'hub-api',
      environmentClass: HubApiEnvironment,
      environment: { DATABASE_URL: database.url, ACCORD_ADMIN_TOKEN: ADMIN_TOKEN },
      module: (environment) => AppModule.forRoot(environment),
    });
  });
  afterAll(async () => {
    await hub?.close();
    await database.drop();
  });

  it('serves /health without a token, reporting Kafka and Postgres', async () => {
    const response = await hub.request('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body.info).toMatchObject({ postgres: { status: 'up' }, kafka: { status: 'up' } });
  });

  it('answers 401 without or with a wrong token, in the one error format, never a stack trace', async () => {
    for (const token of [undefined, 'not-a-token']) {
      const response = await hub.request('GET', '/v1/participants', { token });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ code: 'unauthenticated', message: expect.any(String) });
      expect(response.text).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('registers a participant, creating its events and inbox topics, and lists it', async () => {
    const response = await hub.request('PUT', '/v1/participants/testorg.adult-social-care', {
      token: ADMIN_TOKEN,
      body: { displayName: 'Test council adult social care' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: 'testorg.adult-social-care', organisation: 'testorg', system: 'adult-social-care' });

    const admin = testKafka().admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics).toEqual(expect.arrayContaining(['accord.events.testorg.adult-social-care', 'accord.inbox.testorg.adult-social-care']));

    const list = await hub.request('GET', '/v1/participants', { token: ADMIN_TOKEN });
    expect(list.body.map((participant: { id: string }) => participant.id)).toContain('testorg.adult-social-care');
  });

  it('rejects a malformed participant id and a body with problems, listing each', async () => {
    const response = await hub.request('PUT', '/v1/participants/Not_Valid', { token: ADMIN_TOKEN, body: { displayName: '' } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid-request');
  });

  it('answers a body that is not JSON with a fixed message that never quotes what was sent', async () => {
    const response = await hub.request('POST', '/v1/consents', {
      token: ADMIN_TOKEN,
      body: '{"subject": {"nhsNumber": "9434765919"}, "kind": grant}',
      contentType: 'application/json',
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ code: 'malformed-body', message: 'The request body is not valid JSON' });
    expect(JSON.stringify(response.body)).not.toContain('9434765919');
  });

  it('issues a token that is shown once, works, and carries only its roles (403 otherwise)', async () => {
    const issued = await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['auditor'], description: 'auditor' } });
    expect(issued.status).toBe(201);
    // A signed JWT whose payload grants its roles and participant and nothing more; every app checks it against the published keys.
    expect(issued.body.token.split('.')).toHaveLength(3);
    const claims = decodeJwt(issued.body.token);
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'participant', 'roles', 'sub']);
    expect(claims).toMatchObject({ jti: issued.body.id, roles: ['auditor'], participant: null });
    const keys = await hub.request('GET', '/.well-known/jwks.json');
    expect(await verifyToken(issued.body.token, createLocalJWKSet(keys.body))).toEqual(expect.objectContaining({ tokenId: issued.body.id, roles: ['auditor'] }));

    const allowed = await hub.request('GET', '/v1/participants', { token: issued.body.token });
    expect(allowed.status).toBe(200);
    const forbidden = await hub.request('POST', '/v1/tokens', { token: issued.body.token, body: { roles: ['admin'] } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('forbidden');
  });

  it('keeps neither the token nor its signature in any column of the token table', async () => {
    const issued = await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['ops'] } });
    expect(issued.status).toBe(201);
    const [header, payload, signature] = (issued.body.token as string).split('.');
    const { Client } = await import('pg');
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const rows = await client.query('SELECT row_to_json(token)::text AS row FROM accord.api_tokens token');
      const stored = rows.rows.map((row: { row: string }) => row.row).join('\n');
      expect(stored).toContain(issued.body.id);
      for (const secret of [issued.body.token, signature, `${header}.${payload}`]) expect(stored).not.toContain(secret);
    } finally {
      await client.end();
    }
  });

  it('refuses a token for an unregistered participant and an unknown role, naming each problem', async () => {
    const response = await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['wizard'], participant: 'Bad Id' } });
    expect(response.status).toBe(400);
    expect(response.body.problems.map((problem: { path: string }) => problem.path).sort()).toEqual(['participant', 'roles']);

    const unknown = await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['publisher'], participant: 'nobody.adult-social-care' } });
    expect(unknown.status).toBe(422);
  });
});
