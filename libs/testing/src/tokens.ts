import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { SignJWT } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type Role } from '@accord/auth';
import { DEVELOPMENT_DEFAULTS } from '@accord/platform';
import type { RunningApp } from './apps';
import { issueTestIdentity } from './kafka';

/*
 * Bearer tokens for tests of the domain services against a real hub-api started in the
 * test's process: participants registered and tokens issued through its API, the domain
 * service pointed at it, and the checks every domain service's routes must pass.
 */

/** The bootstrap admin token of a hub-api started without ACCORD_ADMIN_TOKEN (the development default). */
export const TEST_ADMIN_TOKEN = DEVELOPMENT_DEFAULTS.adminToken;

/**
 * A domain service's settings that point it at the test's hub-api. Failed authentications
 * are allowed generously (tests refuse many tokens from one address) unless a test sets
 * its own limit.
 */
export function hubAuthenticationEnvironment(hubUrl: string, failuresPerMinute = 10_000): Record<string, string> {
  return { ACCORD_HUB_URL: hubUrl, ACCORD_AUTH_FAILURES_PER_MINUTE: String(failuresPerMinute) };
}

/**
 * Registers each participant at the hub (`PUT /v1/participants/{id}`: its topics and Kafka
 * ACLs) and writes it a Kafka identity into the test PKI, as a partner's certificate would
 * be: what a domain service serving it needs before it starts.
 */
export async function registerTestParticipants(hub: RunningApp, participants: string[], adminToken = TEST_ADMIN_TOKEN): Promise<void> {
  for (const participant of participants) {
    await issueTestIdentity(participant);
    const registered = await hub.request('PUT', `/v1/participants/${participant}`, { token: adminToken, body: { displayName: `Test ${participant}` } });
    if (registered.status !== 200) throw new Error(`registering ${participant} answered ${registered.status}: ${registered.text}`);
  }
}

export interface TestToken {
  id: string;
  token: string;
}

/** A token issued by the hub (`POST /v1/tokens`); `expiresAt` as ISO 8601. */
export async function issueTestToken(
  hub: RunningApp,
  grant: { participant?: string; roles: Role[]; expiresAt?: string },
  adminToken = TEST_ADMIN_TOKEN,
): Promise<TestToken> {
  const issued = await hub.request('POST', '/v1/tokens', { token: adminToken, body: { ...grant, description: 'test' } });
  if (issued.status !== 201) throw new Error(`issuing a token answered ${issued.status}: ${issued.text}`);
  return { id: issued.body.id, token: issued.body.token };
}

/**
 * A token hub-api never issued: well formed, with every claim a real one has and the
 * hub's current key id, but signed with another Ed25519 key.
 */
export async function forgedToken(hub: RunningApp, claims: { participant: string | null; roles: Role[] }): Promise<string> {
  const { body } = await hub.request('GET', '/.well-known/jwks.json');
  const { privateKey } = generateKeyPairSync('ed25519');
  return new SignJWT({ roles: claims.roles, participant: claims.participant })
    .setProtectedHeader({ alg: 'EdDSA', kid: body.keys[0].kid, typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(claims.participant ?? 'hub')
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

export interface Route {
  method: string;
  /** Express's form: `/v1/services/:id/end`. */
  path: string;
}

/** Routes that need no token on a domain service (docs/contract.md, "Domain services"); Swagger's /docs sits outside Nest's routes but shares the router. */
const OPEN_PATHS = /^\/(health|metrics|docs)(\/|$|-json|-yaml)/;
/** Nest binds middleware (the request logger) as a route of every method on `/{*path}`: not a handler. */
const MIDDLEWARE_PATH = /\{\*/;

/**
 * Every route the running app's router serves, but the open ones: read from Express
 * itself, so that a route added later is covered without editing a test.
 */
export function authenticatedRoutes(app: INestApplication): Route[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } };
  return express.router.stack
    .flatMap((layer) => (layer.route ? Object.keys(layer.route.methods).map((method) => ({ method: method.toUpperCase(), path: layer.route!.path })) : []))
    .filter((route) => !OPEN_PATHS.test(route.path) && !MIDDLEWARE_PATH.test(route.path));
}

/** The role a domain-service route needs: `publisher` to write (POST), `reader` to read (GET). */
export function domainRoleFor(method: string): Role {
  return method === 'GET' ? 'reader' : 'publisher';
}

/** The tokens `routeAccess` calls every route with. */
export interface RouteAccessTokens {
  /** This service's participant, `publisher` only. */
  publisher: string;
  /** This service's participant, `reader` only. */
  reader: string;
  /** Another participant (registered at the hub, not served here), every domain role. */
  otherParticipant: string;
  /** No participant, every domain role. */
  unbound: string;
  /** This service's participant, hub-api's `admin` only. */
  admin: string;
  /** Signed with a key that is not the hub's (forgedToken). */
  forged: string;
}

/** Issues `routeAccess`'s tokens at the hub for `participant`; `otherParticipant` must be registered there too. */
export async function issueRouteAccessTokens(hub: RunningApp, participant: string, otherParticipant: string): Promise<RouteAccessTokens> {
  const token = async (grant: { participant?: string; roles: Role[] }) => (await issueTestToken(hub, grant)).token;
  return {
    publisher: await token({ participant, roles: ['publisher'] }),
    reader: await token({ participant, roles: ['reader'] }),
    otherParticipant: await token({ participant: otherParticipant, roles: ['publisher', 'reader'] }),
    unbound: await token({ roles: ['publisher', 'reader'] }),
    admin: await token({ participant, roles: ['admin'] }),
    forged: await forgedToken(hub, { participant, roles: ['publisher', 'reader'] }),
  };
}

export interface RouteAnswer {
  route: string;
  caller: string;
  answer: string;
}

/** A response as the access table records it: the refusal (status, code, and a 401's message), or `through` when auth let it pass. */
function describeAnswer(status: number, body: { code?: string; message?: string } | undefined): string {
  if (status === 401) return `401 ${body?.code}: ${body?.message}`;
  if (status === 403 || status === 429 || status >= 500) return `${status} ${body?.code}`;
  return 'through';
}

const UNAUTHENTICATED = '401 unauthenticated: A valid bearer token is required';

/**
 * Calls every authenticated route of the service as each kind of caller and returns what
 * each got beside what the contract says it must get: 401 with one fixed message (no
 * reason) without a valid token; 403 for another participant's token, an unbound one,
 * hub-api's admin, and the other domain role; through to the handler with the route's role
 * (a POST's empty body then fails validation: nothing is written). A test compares the two.
 */
export async function routeAccess(service: RunningApp, tokens: RouteAccessTokens): Promise<{ routes: Route[]; actual: RouteAnswer[]; expected: RouteAnswer[] }> {
  const routes = authenticatedRoutes(service.app);
  const actual: RouteAnswer[] = [];
  const expected: RouteAnswer[] = [];
  for (const route of routes) {
    const role = domainRoleFor(route.method);
    const callers: Array<[string, string | undefined, string]> = [
      ['no token', undefined, UNAUTHENTICATED],
      ['garbage token', 'not-a-token', UNAUTHENTICATED],
      ['forged token', tokens.forged, UNAUTHENTICATED],
      ["another participant's token", tokens.otherParticipant, '403 participant-forbidden'],
      ['unbound token', tokens.unbound, '403 participant-forbidden'],
      ['admin token', tokens.admin, '403 forbidden'],
      ['token without the role', role === 'publisher' ? tokens.reader : tokens.publisher, '403 forbidden'],
      [`${role} token`, role === 'publisher' ? tokens.publisher : tokens.reader, 'through'],
    ];
    const path = route.path.replace(/:[A-Za-z]+/g, () => randomUUID());
    for (const [caller, token, answer] of callers) {
      const response = await service.request(route.method, path, { token, body: route.method === 'GET' ? undefined : {} });
      const name = `${route.method} ${route.path}`;
      actual.push({ route: name, caller, answer: describeAnswer(response.status, response.body) });
      expected.push({ route: name, caller, answer });
    }
  }
  return { routes, actual, expected };
}

/** How the OpenAPI document describes each operation's authentication. */
export function documentedAccess(document: OpenAPIObject): Array<{ operation: string; bearer: boolean; role: unknown; participantHeader: string }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    (['get', 'post', 'put', 'patch', 'delete'] as const).flatMap((method) => {
      const operation = item[method];
      if (!operation) return [];
      const header = (operation.parameters ?? []).find((parameter) => 'name' in parameter && parameter.name === 'Accord-Participant' && parameter.in === 'header');
      return [
        {
          operation: `${method.toUpperCase()} ${path}`,
          bearer: (operation.security ?? document.security ?? []).some((requirement) => 'bearer' in requirement),
          role: (operation as unknown as Record<string, unknown>)['x-accord-role'],
          participantHeader: !header ? 'absent' : 'required' in header && header.required ? 'required' : 'optional',
        },
      ];
    }),
  );
}

/**
 * One HTTP request sent from `localAddress` (any 127.x.y.z on Linux): the failed-
 * authentication limit counts per client address, so a test can exhaust one address's
 * allowance without touching the others'.
 */
export function requestFrom(localAddress: string, url: string, options: { method?: string; token?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: options.method ?? 'GET', localAddress, headers: options.token ? { authorization: `Bearer ${options.token}` } : {}, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = text;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}
