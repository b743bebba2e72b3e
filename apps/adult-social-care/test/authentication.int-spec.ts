import { performance } from 'node:perf_hooks';
import {
  createTestDatabase,
  eventually,
  hubAuthenticationEnvironment,
  issueTestToken,
  registerTestParticipants,
  requestFrom,
  startTestApp,
  TcpProxy,
  TEST_ADMIN_TOKEN,
  uniqueParticipant,
  type RunningApp,
  type TestDatabase,
} from '@accord/testing';
import { AppModule as HubModule } from '../../hub-api/src/app.module';
import { HubApiEnvironment } from '../../hub-api/src/environment';
import { AppModule } from '../src/app.module';
import { AdultSocialCareEnvironment } from '../src/environment';

/*
 * A domain service's bearer tokens over their life, against a real hub-api in this
 * process: a token revoked at the hub, or expired, stops working here within seconds; with
 * the hub unreachable the service refuses every token (503) rather than trust what it last
 * knew, and recovers when the hub is back; an address that keeps failing is throttled. The
 * service reaches the hub through a TCP proxy this file cuts.
 */

/** Failed authentications one address may make per minute here: low enough to reach in a test. */
const FAILURES_PER_MINUTE = 20;

describe('adult-social-care: bearer tokens revoked, expired, and with the hub unreachable', () => {
  const participant = uniqueParticipant('adult-social-care');
  let database: TestDatabase;
  let hub: RunningApp;
  let hubLink: TcpProxy;
  let service: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase('asc_auth');
    hub = await startTestApp({ service: 'hub-api', environmentClass: HubApiEnvironment, environment: { DATABASE_URL: database.url }, module: HubModule.forRoot });
    await registerTestParticipants(hub, [participant]);
    hubLink = TcpProxy.forUrl(hub.url, 80);
    await hubLink.start();
    service = await startTestApp({
      service: 'adult-social-care',
      environmentClass: AdultSocialCareEnvironment,
      environment: { DATABASE_URL: database.url, ASC_PARTICIPANT: participant, ...hubAuthenticationEnvironment(hubLink.rewrite(hub.url), FAILURES_PER_MINUTE) },
      module: (environment) => AppModule.forRoot(environment),
    });
  });

  afterAll(async () => {
    await service?.close();
    await hubLink?.close();
    await hub?.close();
    await database?.drop();
  });

  const inbox = (token: string) => service.request('GET', '/v1/inbox', { token });

  /** Polls until `done` holds for an answer; returns the ms it took and every status seen before. */
  async function timeUntil(start: number, token: string, done: (status: number) => boolean): Promise<{ ms: number; before: number[] }> {
    const before: number[] = [];
    return eventually(async () => {
      const { status } = await inbox(token);
      if (done(status)) return { ms: performance.now() - start, before };
      before.push(status);
      return undefined;
    }, 15_000, 100);
  }

  it('serves /health, /metrics and the API docs without a token; the OpenAPI document says which role each route needs', async () => {
    expect((await service.request('GET', '/health')).status).toBe(200);
    const metrics = await service.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
    const docs = await service.request('GET', '/docs/openapi.json');
    expect(docs.status).toBe(200);
    expect(docs.body.paths['/v1/assessments'].post).toMatchObject({ security: [{ bearer: [] }], 'x-accord-role': 'publisher' });
    expect(docs.body.paths['/v1/inbox'].get).toMatchObject({ security: [{ bearer: [] }], 'x-accord-role': 'reader' });
  });

  it('refuses a token revoked at the hub within 5 s, answering 401 with no reason', async () => {
    const { id, token } = await issueTestToken(hub, { participant, roles: ['reader'] });
    expect((await inbox(token)).status).toBe(200);

    const start = performance.now();
    const revoked = await hub.request('DELETE', `/v1/tokens/${id}`, { token: TEST_ADMIN_TOKEN });
    expect(revoked.status).toBe(200);
    const { ms, before } = await timeUntil(start, token, (status) => status === 401);
    expect(ms).toBeLessThanOrEqual(5_000);
    // Until then it was served as before: never a 503 or a 500 on the way.
    expect(before.every((status) => status === 200)).toBe(true);
    expect((await inbox(token)).body).toEqual({ code: 'unauthenticated', message: 'A valid bearer token is required' });
  });

  it('refuses a token once it expires', async () => {
    const expiresAt = new Date(Date.now() + 3_000);
    const { token } = await issueTestToken(hub, { participant, roles: ['reader'], expiresAt: expiresAt.toISOString() });
    expect((await inbox(token)).status).toBe(200);

    const { ms } = await timeUntil(performance.now(), token, (status) => status === 401);
    // Refused within moments of its expiry (the token carries whole seconds), not after the 30 s of skew verification allows.
    expect(Date.now()).toBeLessThanOrEqual(expiresAt.getTime() + 2_000);
    expect(ms).toBeLessThanOrEqual(5_000);
    expect((await inbox(token)).body).toEqual({ code: 'unauthenticated', message: 'A valid bearer token is required' });
  });

  it('answers 503 auth-unavailable within 6 s of losing the hub, and serves again once it is back', async () => {
    const { token } = await issueTestToken(hub, { participant, roles: ['reader'] });
    expect((await inbox(token)).status).toBe(200);

    const cut = performance.now();
    hubLink.disconnect();
    try {
      const { ms, before } = await timeUntil(cut, token, (status) => status === 503);
      expect(ms).toBeLessThanOrEqual(6_000);
      expect(before.every((status) => status === 200)).toBe(true);
      const refused = await inbox(token);
      expect(refused.body).toEqual({ code: 'auth-unavailable', message: expect.stringContaining('revocation list') });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // Open routes stay open: an orchestrator still sees the service alive.
      expect((await service.request('GET', '/health')).status).toBe(200);
    } finally {
      hubLink.restore();
    }
    const back = performance.now();
    const { ms } = await timeUntil(back, token, (status) => status === 200);
    expect(ms).toBeLessThanOrEqual(5_000);
  });

  it('answers 429 with Retry-After to an address past its failed-authentication limit, whatever it sends, and only to it', async () => {
    const { token } = await issueTestToken(hub, { participant, roles: ['reader'] });
    const url = `${service.url}/v1/inbox`;
    // A loopback address of its own, so the failures count against it alone.
    const address = '127.0.0.7';
    for (let failure = 0; failure < FAILURES_PER_MINUTE; failure++) {
      expect((await requestFrom(address, url, { token: `guess-${failure}` })).status).toBe(401);
    }
    const throttled = await requestFrom(address, url, { token: 'one-guess-too-many' });
    expect(throttled.status).toBe(429);
    expect(throttled.body).toMatchObject({ code: 'too-many-failed-authentications' });
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    // While throttled, even a valid token from that address is refused before it is looked at.
    expect((await requestFrom(address, url, { token })).status).toBe(429);
    expect((await requestFrom('127.0.0.1', url, { token })).status).toBe(200);
  });
});
