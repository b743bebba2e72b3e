// The event contract as a partner fetches it: GET /v1/catalog/asyncapi.json answers any valid
// token, whatever its role or participant, with the AsyncAPI document generated from the
// event definitions; without a valid token, 401.
import { ROLES, type Role } from '@accord/auth';
import { asyncApiDocument } from '@accord/contracts';
import { createTestDatabase, startTestApp, type RunningApp, type TestDatabase } from '@accord/testing';
import { AppModule } from '../src/app.module';
import { DEVELOPMENT_ADMIN_TOKEN, HubApiEnvironment } from '../src/environment';

const PATH = '/v1/catalog/asyncapi.json';

describe('hub-api GET /v1/catalog/asyncapi.json', () => {
  let database: TestDatabase;
  let hub: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase('hub_catalog');
    hub = await startTestApp({
      service: 'hub-api',
      environmentClass: HubApiEnvironment,
      environment: { DATABASE_URL: database.url },
      module: (settings) => AppModule.forRoot(settings),
    });
  });
  afterAll(async () => {
    await hub?.close();
    await database?.drop();
  });

  it('refuses a missing or invalid token with 401', async () => {
    for (const token of [undefined, 'not-a-token']) {
      const response = await hub.request('GET', PATH, token === undefined ? {} : { token });
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 401, code: 'unauthenticated' });
    }
  });

  it.each([...ROLES])('answers a token with only the %s role with the generated document', async (role: Role) => {
    const issued = await hub.request('POST', '/v1/tokens', { token: DEVELOPMENT_ADMIN_TOKEN, body: { roles: [role] } });
    expect(issued.status).toBe(201);
    const response = await hub.request('GET', PATH, { token: (issued.body as { token: string }).token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(asyncApiDocument());
    expect((response.body as { asyncapi: string }).asyncapi).toBe('3.0.0');
  });
});
