import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthUnavailable, RevocationFeed } from './revocations';

/**
 * The feed against a real HTTP server playing hub-api's `GET /v1/tokens/revocations`, with
 * short timings (the app uses 1 s polls and 5 s staleness): what it refuses, and that it
 * fails closed whenever its knowledge is missing, malformed, oversized or old.
 */
class FakeHub {
  server!: Server;
  requests = 0;
  answer: (request: IncomingMessage, response: ServerResponse) => void = (_, response) => respond(response, { asOf: new Date().toISOString(), revoked: [] });

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.requests++;
      this.answer(request, response);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/tokens/revocations`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function respond(response: ServerResponse, body: unknown, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The outcome `isRevoked` gives: true, false, or the code of what it threw. */
function outcome(feed: RevocationFeed, tokenId: string): boolean | string {
  try {
    return feed.isRevoked(tokenId);
  } catch (error) {
    return error instanceof AuthUnavailable ? `${error.status} ${error.code}` : String(error);
  }
}

describe('RevocationFeed', () => {
  const hub = new FakeHub();
  let url: string;
  const feeds: RevocationFeed[] = [];
  const feed = (options: Partial<ConstructorParameters<typeof RevocationFeed>[0]> = {}) => {
    const created = new RevocationFeed({ url, intervalMs: 50, staleAfterMs: 1000, timeoutMs: 200, ...options });
    feeds.push(created);
    return created;
  };

  beforeEach(async () => {
    hub.requests = 0;
    hub.answer = (_, response) => respond(response, { asOf: new Date().toISOString(), revoked: [{ id: 'revoked-1', expiresAt: '2099-01-01T00:00:00Z' }] });
    url = await hub.start();
  });

  afterEach(async () => {
    for (const created of feeds.splice(0)) created.stop();
    await hub.stop();
  });

  it('refuses every token (503 auth-unavailable) before it has read a list', () => {
    expect(outcome(feed(), 'anything')).toBe('503 auth-unavailable');
  });

  it('answers from the list once read: listed ids are revoked, others are not', async () => {
    const revocations = feed();
    await revocations.start();
    expect(outcome(revocations, 'revoked-1')).toBe(true);
    expect(outcome(revocations, 'active-1')).toBe(false);
  });

  it('picks up a new revocation at the next poll', async () => {
    const revocations = feed();
    await revocations.start();
    expect(outcome(revocations, 'later')).toBe(false);
    hub.answer = (_, response) => respond(response, { asOf: new Date().toISOString(), revoked: [{ id: 'later', expiresAt: '2099-01-01T00:00:00Z' }] });
    await sleep(200);
    expect(outcome(revocations, 'later')).toBe(true);
    // Each list replaces the last: an id the hub no longer lists (it expired) is dropped.
    expect(outcome(revocations, 'revoked-1')).toBe(false);
  });

  it('fails closed once the hub stops answering for longer than the staleness bound, and recovers when it answers', async () => {
    const revocations = feed();
    await revocations.start();
    hub.answer = (_, response) => respond(response, { code: 'unavailable' }, 503);
    await sleep(150);
    // Knowledge younger than the bound is still used.
    expect(outcome(revocations, 'revoked-1')).toBe(true);
    await sleep(1100);
    expect(outcome(revocations, 'revoked-1')).toBe('503 auth-unavailable');
    expect(outcome(revocations, 'active-1')).toBe('503 auth-unavailable');
    hub.answer = (_, response) => respond(response, { asOf: new Date().toISOString(), revoked: [] });
    await sleep(200);
    expect(outcome(revocations, 'active-1')).toBe(false);
  });

  it('fails closed when the hub hangs: each read gives up at its timeout', async () => {
    const revocations = feed();
    await revocations.start();
    hub.answer = () => undefined; // never answers
    await sleep(1300);
    expect(outcome(revocations, 'active-1')).toBe('503 auth-unavailable');
  });

  it.each([
    ['not JSON', '{"asOf": "2026-01-01T00:00:00Z", "revoked": ['],
    ['without revoked[]', { asOf: '2026-01-01T00:00:00Z' }],
    ['with an entry without an id', { asOf: '2026-01-01T00:00:00Z', revoked: [{ expiresAt: '2099-01-01T00:00:00Z' }] }],
    ['a bare array', [{ id: 'revoked-1' }]],
  ])('never trusts a list that is %s', async (_, body) => {
    hub.answer = (__, response) => respond(response, body);
    const revocations = feed();
    await revocations.start();
    expect(outcome(revocations, 'revoked-1')).toBe('503 auth-unavailable');
  });

  it('refuses a list larger than its bound, declared or streamed', async () => {
    const big = JSON.stringify({ asOf: '2026-01-01T00:00:00Z', revoked: Array.from({ length: 200 }, (_, index) => ({ id: `token-${index}`, expiresAt: '2099-01-01T00:00:00Z' })) });
    hub.answer = (_, response) => respond(response, big);
    const declared = feed({ maxBytes: 1000 });
    await declared.start();
    expect(outcome(declared, 'token-1')).toBe('503 auth-unavailable');

    hub.answer = (_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }); // chunked: no length declared
      response.write(big.slice(0, 600));
      response.end(big.slice(600));
    };
    const streamed = feed({ maxBytes: 1000 });
    await streamed.start();
    expect(outcome(streamed, 'token-1')).toBe('503 auth-unavailable');
    // The same list within the bound is used.
    const roomy = feed({ maxBytes: big.length });
    await roomy.start();
    expect(outcome(roomy, 'token-1')).toBe(true);
  });

  it('stops polling when stopped', async () => {
    const revocations = feed();
    await revocations.start();
    await sleep(150);
    revocations.stop();
    const seen = hub.requests;
    expect(seen).toBeGreaterThan(1);
    await sleep(200);
    expect(hub.requests).toBe(seen);
  });
});
