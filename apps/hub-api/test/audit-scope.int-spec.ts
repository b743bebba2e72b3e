import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { generateDevelopmentKeyPair, type ChainedDecision, type UnchainedDecision } from '@accord/audit-chain';
import { subjectKey } from '@accord/governance';
import { appendDecisions } from '@accord/persistence';
import { createTestDatabase, exampleDecision, startTestApp, uniqueParticipant, type RunningApp, type TestDatabase } from '@accord/testing';
import { AppModule } from '../src/app.module';
import { HubApiEnvironment } from '../src/environment';

const ADMIN_TOKEN = 'test-admin-token-audit-scope-0123456789';
const SECRET = 'audit-scope-test-subject-key-secret-0123';

// Three participants; the auditor under test is bound to B.
const A = uniqueParticipant('adult-social-care');
const B = uniqueParticipant('revenues-benefits');
const C = uniqueParticipant('public-health');
const NAMES: Record<string, string> = { [A]: 'Council A adult social care', [B]: 'Council B revenues and benefits', [C]: 'Council C public health' };

// People (never stored: only their keyed hashes are).
const X = { nhsNumber: '9434765919' };
const Y = { nhsNumber: '9434765927' };
const Z = { nhsNumber: '9434765935' };
const W = { nhsNumber: '9434765943' }; // only in decisions between A and C

function decision(source: string | null, recipient: string | null, person: Record<string, string>, day: number, overrides: Partial<UnchainedDecision> = {}) {
  return exampleDecision({
    source,
    recipient,
    subjectKey: subjectKey(person, SECRET),
    topic: `accord.events.${source ?? 'unknown'}`,
    offset: String(day),
    decidedAt: new Date(Date.UTC(2026, 3, 1) + day * 3_600_000).toISOString(),
    ...overrides,
  });
}

const WITHHELD: Partial<UnchainedDecision> = { outcome: 'withheld', reasons: ['objection'], fieldsReleased: [], payloadDigest: null };
const REJECTED: Partial<UnchainedDecision> = {
  recipient: null,
  agreementId: null,
  agreementVersion: null,
  purpose: null,
  lawfulBasis: null,
  outcome: 'rejected',
  reasons: ['invalid-payload'],
  fieldsReleased: [],
  fieldsWithheld: [],
  payloadDigest: null,
};

/** Every direction between the three, several people, every outcome; B is in about half. */
const SEED: UnchainedDecision[] = [
  decision(A, B, X, 1),
  decision(B, C, X, 2),
  decision(C, A, X, 3),
  decision(A, C, X, 4, WITHHELD),
  decision(A, B, Y, 5, WITHHELD),
  decision(B, C, Y, 6),
  decision(C, A, Y, 7),
  decision(A, C, Y, 8),
  decision(B, null, Z, 9, REJECTED),
  decision(A, null, Z, 10, REJECTED),
  decision(null, null, Z, 11, { ...REJECTED, source: null }),
  decision(A, C, W, 12),
  decision(C, A, W, 13, WITHHELD),
  decision(B, B, Y, 14), // B both source and recipient: listed once
  // Many more, in every direction, so that small pages cross many in- and out-of-scope rows.
  ...Array.from({ length: 48 }, (_, index) => {
    const [source, recipient] = ([[A, B], [B, C], [C, A], [A, C], [C, B], [B, A]] as const)[index % 6];
    return decision(source, recipient, [X, Y, Z][index % 3], 20 + index, index % 5 === 0 ? WITHHELD : {});
  }),
];

describe('the auditor API for a token bound to a participant', () => {
  let database: TestDatabase;
  let hub: RunningApp;
  let seeded: ChainedDecision[];
  let hubAuditor: string;
  let auditorB: string;

  const get = (path: string, token: string, accept?: string) => hub.request('GET', path, { token, accept });
  const involvesB = (row: ChainedDecision) => row.source === B || row.recipient === B;
  const ids = (rows: Array<{ decisionId: string }>) => rows.map((row) => row.decisionId);
  const about = (person: Record<string, string>) => (row: ChainedDecision) => row.subjectKey === subjectKey(person, SECRET);

  async function issue(body: { participant?: string; roles: string[] }): Promise<string> {
    const response = await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body });
    expect(response.status).toBe(201);
    return response.body.token;
  }

  /** Every page of a JSON search, following nextCursor. */
  async function allPages(query: string, token: string, limit: number): Promise<{ items: Array<{ decisionId: string; seq: number }>; pages: number }> {
    const items: Array<{ decisionId: string; seq: number }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await get(`/v1/audit/decisions?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, token);
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...response.body.items);
      cursor = response.body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);
    return { items, pages };
  }

  beforeAll(async () => {
    database = await createTestDatabase('hub_audit_scope');
    hub = await startTestApp({
      service: 'hub-api',
      environmentClass: HubApiEnvironment,
      environment: {
        DATABASE_URL: database.url,
        ACCORD_ADMIN_TOKEN: ADMIN_TOKEN,
        ACCORD_SUBJECT_KEY_SECRET: SECRET,
        AUDIT_SIGNING_KEY: generateDevelopmentKeyPair().privateKeyPem,
        AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
      },
      module: (environment) => AppModule.forRoot(environment),
    });
    for (const participant of [A, B, C]) {
      const response = await hub.request('PUT', `/v1/participants/${participant}`, { token: ADMIN_TOKEN, body: { displayName: NAMES[participant] } });
      expect(response.status).toBe(200);
    }
    const dataSource = hub.app.get(DataSource);
    seeded = [];
    for (let start = 0; start < SEED.length; start += 10) {
      seeded.push(...(await dataSource.transaction((manager) => appendDecisions(manager, SEED.slice(start, start + 10)))));
    }
    hubAuditor = await issue({ roles: ['auditor'] });
    auditorB = await issue({ participant: B, roles: ['auditor'] });
  });
  afterAll(async () => {
    await hub?.close();
    await database?.drop();
  });

  it('seeds decisions both in and out of B’s scope', () => {
    expect(seeded.filter(involvesB).length).toBeGreaterThan(10);
    expect(seeded.filter((row) => !involvesB(row)).length).toBeGreaterThan(10);
  });

  describe('searching', () => {
    it('lists exactly the decisions where B is the source or the recipient', async () => {
      const response = await get('/v1/audit/decisions?limit=1000', auditorB);
      expect(response.status).toBe(200);
      expect(ids(response.body.items)).toEqual(ids(seeded.filter(involvesB)));
      expect(response.body.nextCursor).toBeNull();
    });

    it('combines the scope with the filters: recipient=C returns only what B sent to C', async () => {
      const toC = await get(`/v1/audit/decisions?recipient=${C}&limit=1000`, auditorB);
      expect(ids(toC.body.items)).toEqual(ids(seeded.filter((row) => row.source === B && row.recipient === C)));
      expect(toC.body.items.length).toBeGreaterThan(0);

      const fromA = await get(`/v1/audit/decisions?source=${A}&limit=1000`, auditorB);
      expect(ids(fromA.body.items)).toEqual(ids(seeded.filter((row) => row.source === A && row.recipient === B)));

      // Between the other two: nothing, whichever way round.
      for (const query of [`source=${A}&recipient=${C}`, `source=${C}&recipient=${A}`]) {
        const between = await get(`/v1/audit/decisions?${query}`, auditorB);
        expect(between.status).toBe(200);
        expect(between.body.items).toEqual([]);
      }

      const aboutX = await get(`/v1/audit/decisions?nhsNumber=${X.nhsNumber}&limit=1000`, auditorB);
      expect(ids(aboutX.body.items)).toEqual(ids(seeded.filter((row) => involvesB(row) && about(X)(row))));
      const aboutW = await get(`/v1/audit/decisions?nhsNumber=${W.nhsNumber}`, auditorB);
      expect(aboutW.body.items).toEqual([]);
      expect((await get(`/v1/audit/decisions?nhsNumber=${W.nhsNumber}`, hubAuditor)).body.items).toHaveLength(2);
    });

    it('pages through exactly those decisions with a small page size: no duplicate, no gap', async () => {
      const { items, pages } = await allPages('', auditorB, 4);
      const expected = seeded.filter(involvesB);
      expect(pages).toBe(Math.ceil(expected.length / 4));
      expect(ids(items)).toEqual(ids(expected));
      expect(new Set(ids(items)).size).toBe(items.length);

      const withFilter = await allPages(`outcome=shared`, auditorB, 3);
      expect(ids(withFilter.items)).toEqual(ids(seeded.filter((row) => involvesB(row) && row.outcome === 'shared')));
    });

    it('a query parameter cannot widen the scope', async () => {
      const response = await get(`/v1/audit/decisions?participant=${A}`, auditorB);
      expect(response.status).toBe(400);
    });
  });

  describe('exporting', () => {
    it('streams exactly B’s decisions as CSV', async () => {
      const response = await get('/v1/audit/decisions', auditorB, 'text/csv');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      const [header, ...lines] = response.text.split('\r\n').filter((line) => line.length > 0);
      expect(header.startsWith('decisionId,')).toBe(true);
      expect(lines.map((line) => line.slice(0, line.indexOf(',')))).toEqual(ids(seeded.filter(involvesB)));
    });

    it('streams exactly B’s decisions as NDJSON, and from a cursor on', async () => {
      const response = await get('/v1/audit/decisions', auditorB, 'application/x-ndjson');
      expect(response.status).toBe(200);
      const rows = response.text.trim().split('\n').map((line) => JSON.parse(line));
      expect(ids(rows)).toEqual(ids(seeded.filter(involvesB)));
      for (const row of rows) expect([row.source, row.recipient]).toContain(B);

      const first = await get('/v1/audit/decisions?limit=5', auditorB);
      const rest = await get(`/v1/audit/decisions?cursor=${first.body.nextCursor}`, auditorB, 'application/x-ndjson');
      const restRows = rest.text.trim().split('\n').map((line) => JSON.parse(line));
      expect([...ids(first.body.items), ...ids(restRows)]).toEqual(ids(seeded.filter(involvesB)));
    });
  });

  describe('one decision', () => {
    it('answers a decision in scope, and one outside it exactly as an unknown id', async () => {
      const inside = seeded.find((row) => row.source === A && row.recipient === B)!;
      const answered = await get(`/v1/audit/decisions/${inside.decisionId}`, auditorB);
      expect(answered.status).toBe(200);
      expect(answered.body.decisionId).toBe(inside.decisionId);

      const unknown = await get(`/v1/audit/decisions/${randomUUID()}`, auditorB);
      expect(unknown.status).toBe(404);
      for (const outside of seeded.filter((row) => !involvesB(row)).slice(0, 4)) {
        const hidden = await get(`/v1/audit/decisions/${outside.decisionId}`, auditorB);
        expect(hidden.status).toBe(404);
        expect(hidden.body).toEqual(unknown.body);
        expect(hidden.text).not.toContain(outside.decisionId);
        // The hub's auditor finds it.
        expect((await get(`/v1/audit/decisions/${outside.decisionId}`, hubAuditor)).status).toBe(200);
      }
    });
  });

  describe('the subject report', () => {
    it('lists only B’s decisions about the person, and says it is limited to B', async () => {
      const response = await get(`/v1/audit/subject-report?nhsNumber=${X.nhsNumber}`, auditorB);
      expect(response.status).toBe(200);
      const report = response.body;
      const expected = seeded.filter((row) => involvesB(row) && about(X)(row));
      expect(ids(report.items)).toEqual(ids(expected));
      expect(seeded.filter((row) => !involvesB(row) && about(X)(row)).length).toBeGreaterThan(0);
      expect(report.scope).toEqual({ participant: B });
      expect(report.summary.decisions).toBe(expected.length);
      expect(report.summary.shared).toBe(expected.filter((row) => row.outcome === 'shared').length);
      // C→A and A→C shared X's records too, out of B's scope: A is not named as a recipient.
      expect([...report.summary.receivedBy].sort()).toEqual([...new Set(expected.filter((row) => row.outcome === 'shared').map((row) => row.recipient))].sort());
      expect(report.summary.receivedBy).not.toContain(A);
      expect(report.summary.text).toContain(`This report is limited to ${NAMES[B]} (${B})`);
      expect(report.summary.text).toContain(`only decisions where ${B} is the source or the recipient`);
      expect(response.text).not.toContain(X.nhsNumber);

      const document = await hub.request('GET', '/docs/openapi.json');
      expect(document.body.components.schemas.SubjectReport.properties.scope).toBeDefined();
    });

    it('says so when nothing about the person is in scope', async () => {
      const onlyAC = await get(`/v1/audit/subject-report?nhsNumber=${W.nhsNumber}`, auditorB);
      expect(onlyAC.status).toBe(200);
      expect(onlyAC.body.items).toEqual([]);
      expect(onlyAC.body.summary.text).toContain(`no sharing decision about this person where ${B} is the source or the recipient`);
      expect(onlyAC.body.summary.text).toContain('This report is limited to');
    });

    it('pages the scoped report without duplicates or gaps', async () => {
      const expected = seeded.filter((row) => involvesB(row) && about(Y)(row));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const response = await get(`/v1/audit/subject-report?nhsNumber=${Y.nhsNumber}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, auditorB);
        expect(response.status).toBe(200);
        expect(response.body.summary.decisions).toBe(expected.length);
        seen.push(...ids(response.body.items));
        cursor = response.body.nextCursor;
      } while (cursor !== null && seen.length <= seeded.length);
      expect(seen).toEqual(ids(expected));
    });

    it('is the whole log’s, unscoped, for the hub’s auditor', async () => {
      const report = (await get(`/v1/audit/subject-report?nhsNumber=${X.nhsNumber}`, hubAuditor)).body;
      expect(ids(report.items)).toEqual(ids(seeded.filter(about(X))));
      expect(report.scope).toEqual({ participant: null });
      expect(report.summary.text).not.toContain('limited to');
    });
  });

  describe('who is scoped', () => {
    it('the hub’s (unbound) auditor and the bootstrap admin see every decision', async () => {
      for (const token of [hubAuditor, ADMIN_TOKEN]) {
        const { items } = await allPages('', token, 7);
        expect(ids(items)).toEqual(ids(seeded));
      }
      const csv = await get('/v1/audit/decisions', hubAuditor, 'text/csv');
      expect(csv.text.split('\r\n').filter((line) => line.length > 0).length).toBe(seeded.length + 1);
    });

    it('an admin token bound to B is scoped to B as well', async () => {
      const adminB = await issue({ participant: B, roles: ['admin'] });
      const response = await get('/v1/audit/decisions?limit=1000', adminB);
      expect(ids(response.body.items)).toEqual(ids(seeded.filter(involvesB)));
      const outside = seeded.find((row) => !involvesB(row))!;
      expect((await get(`/v1/audit/decisions/${outside.decisionId}`, adminB)).status).toBe(404);
    });

    it('a token bound to C sees C’s decisions, not B’s', async () => {
      const auditorC = await issue({ participant: C, roles: ['auditor'] });
      const response = await get('/v1/audit/decisions?limit=1000', auditorC);
      expect(ids(response.body.items)).toEqual(ids(seeded.filter((row) => row.source === C || row.recipient === C)));
    });

    it('a scoped auditor may verify the whole chain (counts and seqs, no decision content)', async () => {
      const response = await get('/v1/audit/verify', auditorB);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ ok: true, checked: seeded.length });
    });
  });
});
