import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { parse as parseYaml } from 'yaml';
import { createTestDatabase, REPOSITORY_ROOT, startTestApp, type RunningApp, type TestDatabase } from '@accord/testing';
import { AppModule } from '../src/app.module';
import { HubApiEnvironment } from '../src/environment';

const ADMIN_TOKEN = 'test-admin-token-agreements-0123456789';
const AGREEMENTS_DIR = join(REPOSITORY_ROOT, 'infra/agreements');
const REFERENCE_PARTICIPANTS: Array<{ id: string; displayName: string }> = parseYaml(readFileSync(join(AGREEMENTS_DIR, 'participants.yaml'), 'utf8'));

/** A compact form of the reference agreement `scc-asc-care-home-to-rb` (docs/governance.md, "An annotated reference agreement") under a test id, that also pseudonymises `subject.uprn`. */
const CARE_HOME_YAML = `
id: test-care-home-to-rb            # [a-z0-9-], stable
title: Permanent care home placements to revenues and benefits
status: active
provider: southampton.adult-social-care
recipients: [southampton.revenues-benefits]
purpose:
  code: council-tax-and-hb-review
  description: Review council tax exemption and housing benefit on entering care
lawfulBasis:
  article6: public-task
  article9: null
  legislation: ["Local Government Finance Act 1992"]
validFrom: 2026-04-01
validUntil: 2028-03-31
reviewBy: 2027-03-31
consent:
  basis: objection
  nationalDataOptOut: exempt
  safeguardingOverride: false
retention: { days: 365 }
rules:
  - eventType: asc.service.started.v1
    when: "data.serviceType in ['long-term-residential', 'long-term-nursing']"
    fields: [subject.localId, subject.name, subject.uprn, serviceType, startDate]
    transforms: { subject.uprn: pseudonymise }
`;

/** The same agreement as a JSON document, keys in another order. */
function careHomeJson(id = 'test-care-home-to-rb'): Record<string, any> {
  const document = parseYaml(CARE_HOME_YAML) as Record<string, any>;
  const { rules, ...rest } = document;
  return { rules, ...rest, id };
}

describe('hub-api agreements: apply, versions, lifecycle', () => {
  let database: TestDatabase;
  let hub: RunningApp;
  let governance: { id: string; token: string };
  let auditor: string;
  let consentOfficer: string;

  const put = (id: string, body: unknown, token = governance.token, contentType?: string) =>
    hub.request('PUT', `/v1/agreements/${id}`, { token, body, contentType: contentType ?? (typeof body === 'string' ? 'application/yaml' : undefined) });

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

  async function issue(roles: string[]): Promise<{ id: string; token: string }> {
    const response = await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles } });
    expect(response.status).toBe(201);
    return response.body;
  }

  beforeAll(async () => {
    database = await createTestDatabase('hub_agreements');
    hub = await startTestApp({
      service: 'hub-api',
      environmentClass: HubApiEnvironment,
      environment: { DATABASE_URL: database.url, ACCORD_ADMIN_TOKEN: ADMIN_TOKEN },
      module: (environment) => AppModule.forRoot(environment),
    });
    for (const participant of REFERENCE_PARTICIPANTS) {
      const response = await hub.request('PUT', `/v1/participants/${participant.id}`, { token: ADMIN_TOKEN, body: { displayName: participant.displayName } });
      expect(response.status).toBe(200);
    }
    governance = await issue(['governance']);
    auditor = (await issue(['auditor'])).token;
    consentOfficer = (await issue(['consent-officer'])).token;
  });
  afterAll(async () => {
    await hub?.close();
    await database?.drop();
  });

  it('applies YAML as version 1; the same document again, as YAML or as JSON, adds no version', async () => {
    const first = await put('test-care-home-to-rb', CARE_HOME_YAML);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: 'test-care-home-to-rb', version: 1, status: 'active', change: 'applied', unchanged: false, appliedBy: governance.id });
    expect(first.body.documentDigest).toMatch(/^[0-9a-f]{64}$/);

    const again = await put('test-care-home-to-rb', CARE_HOME_YAML);
    expect(again.body).toMatchObject({ version: 1, unchanged: true, documentDigest: first.body.documentDigest });
    const asJson = await put('test-care-home-to-rb', careHomeJson());
    expect(asJson.status).toBe(200);
    expect(asJson.body).toMatchObject({ version: 1, unchanged: true });
    expect(await query('SELECT version FROM agreement_versions WHERE agreement_id = $1', ['test-care-home-to-rb'])).toHaveLength(1);
  });

  it('adds an immutable version per change and lists them, latest first in GET, all in /versions', async () => {
    const changed = await put('test-care-home-to-rb', { ...careHomeJson(), title: 'Care home placements (revised)' });
    expect(changed.body).toMatchObject({ version: 2, unchanged: false, status: 'active' });

    const one = await hub.request('GET', '/v1/agreements/test-care-home-to-rb', { token: auditor });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: 'test-care-home-to-rb', version: 2, status: 'active', inForce: expect.any(Boolean) });
    expect(one.body.document).toMatchObject({
      id: 'test-care-home-to-rb',
      title: 'Care home placements (revised)',
      rules: [{ eventType: 'asc.service.started.v1', transforms: { 'subject.uprn': 'pseudonymise' } }],
    });

    const versions = await hub.request('GET', '/v1/agreements/test-care-home-to-rb/versions', { token: governance.token });
    expect(versions.status).toBe(200);
    expect(versions.body).toEqual([
      expect.objectContaining({ version: 1, status: 'active', change: 'applied', appliedBy: governance.id, documentDigest: expect.any(String), appliedAt: expect.any(String) }),
      expect.objectContaining({ version: 2, status: 'active', change: 'applied', appliedBy: governance.id }),
    ]);
    expect(versions.body[0].documentDigest).not.toBe(versions.body[1].documentDigest);

    const list = await hub.request('GET', '/v1/agreements', { token: auditor });
    expect(list.status).toBe(200);
    expect(list.body.find((item: { id: string }) => item.id === 'test-care-home-to-rb')).toEqual({
      id: 'test-care-home-to-rb',
      version: 2,
      status: 'active',
      title: 'Care home placements (revised)',
      provider: 'southampton.adult-social-care',
      recipients: ['southampton.revenues-benefits'],
      purpose: { code: 'council-tax-and-hb-review', description: expect.any(String) },
      validFrom: '2026-04-01',
      validUntil: '2028-03-31',
      reviewBy: '2027-03-31',
      inForce: expect.any(Boolean),
      change: 'applied',
      appliedAt: expect.any(String),
    });
  });

  it('suspends and resumes as new versions; a suspension survives re-applying the document; wrong-state changes are 409', async () => {
    const suspended = await hub.request('POST', '/v1/agreements/test-care-home-to-rb/suspend', { token: governance.token });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ version: 3, status: 'suspended', change: 'suspended', unchanged: false });

    const again = await hub.request('POST', '/v1/agreements/test-care-home-to-rb/suspend', { token: governance.token });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('agreement-state-conflict');

    // What `npm start` does: re-apply the document. It must not lift the suspension.
    const reapplied = await put('test-care-home-to-rb', { ...careHomeJson(), title: 'Care home placements (revised)' });
    expect(reapplied.body).toMatchObject({ version: 3, unchanged: true, status: 'suspended' });
    const edited = await put('test-care-home-to-rb', { ...careHomeJson(), title: 'Edited while suspended' });
    expect(edited.body).toMatchObject({ version: 4, unchanged: false, status: 'suspended', change: 'applied' });

    const resumed = await hub.request('POST', '/v1/agreements/test-care-home-to-rb/resume', { token: governance.token });
    expect(resumed.body).toMatchObject({ version: 5, status: 'active', change: 'resumed' });
    const resumeAgain = await hub.request('POST', '/v1/agreements/test-care-home-to-rb/resume', { token: governance.token });
    expect(resumeAgain.status).toBe(409);

    const one = await hub.request('GET', '/v1/agreements/test-care-home-to-rb', { token: governance.token });
    expect(one.body).toMatchObject({ version: 5, status: 'active', change: 'resumed', document: { status: 'active', title: 'Edited while suspended' } });
    const versions = await hub.request('GET', '/v1/agreements/test-care-home-to-rb/versions', { token: governance.token });
    expect(versions.body.map((version: { change: string; status: string }) => `${version.change}:${version.status}`)).toEqual([
      'applied:active',
      'applied:active',
      'suspended:suspended',
      'applied:suspended',
      'resumed:active',
    ]);
  });

  it('answers 404 with a clear code for an unknown agreement', async () => {
    for (const [method, path] of [
      ['GET', '/v1/agreements/no-such-agreement'],
      ['GET', '/v1/agreements/no-such-agreement/versions'],
      ['POST', '/v1/agreements/no-such-agreement/suspend'],
      ['POST', '/v1/agreements/no-such-agreement/resume'],
    ]) {
      const response = await hub.request(method, path, { token: governance.token });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ code: 'agreement-not-found', message: expect.any(String) });
    }
  });

  it('refuses an invalid agreement with 422 listing every problem, and stores nothing', async () => {
    const document = careHomeJson('test-invalid');
    document.recipients = ['southampton.revenues-benefits', 'nobody.analytics'];
    document.unexpected = true;
    document.rules = [
      {
        eventType: 'asc.assessment.completed.v1',
        when: "data.assessmentType == 'long-term' &&",
        fields: ['subject.localId', 'primarySupportReason', 'noSuchField'],
      },
    ];
    const response = await put('test-invalid', document);
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('agreement-invalid');
    const paths = response.body.problems.map((problem: { path: string }) => problem.path);
    expect(paths).toEqual(
      expect.arrayContaining(['unexpected', 'recipients[1]', 'rules[0].when', 'rules[0].fields[1]', 'rules[0].fields[2]']),
    );
    const byPath = Object.fromEntries(response.body.problems.map((problem: { path: string; problem: string }) => [problem.path, problem.problem]));
    expect(byPath['unexpected']).toMatch(/unknown key/);
    expect(byPath['recipients[1]']).toMatch(/not a registered participant/);
    expect(byPath['rules[0].fields[1]']).toMatch(/special category/);
    expect(byPath['rules[0].fields[2]']).toMatch(/not a field/);
    expect(byPath['rules[0].when']).toBeDefined();
    expect(await query('SELECT 1 FROM agreement_versions WHERE agreement_id = $1', ['test-invalid'])).toHaveLength(0);
    expect((await hub.request('GET', '/v1/agreements/test-invalid', { token: governance.token })).status).toBe(404);
  });

  it('refuses a document whose id differs from the path, YAML syntax errors, and other media types', async () => {
    const mismatch = await put('test-other-id', careHomeJson('test-care-home-to-rb'));
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.problems).toEqual([{ path: 'id', problem: 'must equal the agreement id in the path' }]);

    const broken = await put('test-broken', 'id: test-broken\nrules: [unclosed\n');
    expect(broken.status).toBe(422);
    expect(broken.body.problems[0].problem).toMatch(/YAML syntax error/);

    const plain = await put('test-care-home-to-rb', CARE_HOME_YAML, governance.token, 'text/plain');
    expect(plain.status).toBe(415);
    expect(plain.body.code).toBe('unsupported-media-type');

    const badId = await put('Not_An_Id', careHomeJson());
    expect(badId.status).toBe(400);
    expect(await query('SELECT 1 FROM agreement_versions WHERE agreement_id IN ($1, $2)', ['test-other-id', 'test-broken'])).toHaveLength(0);
  });

  it('serialises concurrent applies: one version for identical documents, consecutive versions for different ones', async () => {
    const same = await Promise.all(Array.from({ length: 6 }, () => put('test-concurrent-same', careHomeJson('test-concurrent-same'))));
    expect(same.map((response) => response.status)).toEqual(Array(6).fill(200));
    expect(same.filter((response) => !response.body.unchanged)).toHaveLength(1);
    expect(await query('SELECT version FROM agreement_versions WHERE agreement_id = $1', ['test-concurrent-same'])).toEqual([{ version: 1 }]);

    const different = await Promise.all(
      Array.from({ length: 6 }, (_, index) => put('test-concurrent-diff', { ...careHomeJson('test-concurrent-diff'), title: `Title ${index}` })),
    );
    expect(different.map((response) => response.status)).toEqual(Array(6).fill(200));
    expect(different.map((response) => response.body.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('checks roles on every route: 401 without a token, 403 without governance (auditors may read)', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['PUT', '/v1/agreements/test-care-home-to-rb', careHomeJson()],
      ['GET', '/v1/agreements'],
      ['GET', '/v1/agreements/test-care-home-to-rb'],
      ['GET', '/v1/agreements/test-care-home-to-rb/versions'],
      ['POST', '/v1/agreements/test-care-home-to-rb/suspend'],
      ['POST', '/v1/agreements/test-care-home-to-rb/resume'],
      ['POST', '/v1/agreements/simulate', { agreement: careHomeJson(), events: [] }],
    ];
    for (const [method, path, body] of routes) {
      expect((await hub.request(method, path, { body })).status).toBe(401);
      const forbidden = await hub.request(method, path, { token: consentOfficer, body });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.code).toBe('forbidden');
      const asAuditor = await hub.request(method, path, { token: auditor, body });
      expect(asAuditor.status).toBe(method === 'GET' ? 200 : 403);
    }
  });

  it('documents the new routes in the OpenAPI document', async () => {
    const document = await hub.request('GET', '/docs/openapi.json');
    expect(document.status).toBe(200);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/agreements',
        '/v1/agreements/{id}',
        '/v1/agreements/{id}/versions',
        '/v1/agreements/{id}/suspend',
        '/v1/agreements/{id}/resume',
        '/v1/agreements/simulate',
        '/v1/consents',
      ]),
    );
    expect(Object.keys(document.body.paths['/v1/agreements/{id}'].put.requestBody.content)).toEqual(['application/json', 'application/yaml']);
  });

  it('applies every reference agreement in infra/agreements cleanly, and scripts/apply-agreements.js re-applies them unchanged', async () => {
    const files = readdirSync(AGREEMENTS_DIR).filter((file) => file.endsWith('.yaml') && file !== 'participants.yaml');
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const file of files) {
      const text = readFileSync(join(AGREEMENTS_DIR, file), 'utf8');
      const { id } = parseYaml(text) as { id: string };
      const response = await put(id, text);
      expect({ file, status: response.status, problems: response.body.problems }).toEqual({ file, status: 200, problems: undefined });
      expect(response.body).toMatchObject({ id, version: 1, unchanged: false });
    }

    const { stdout } = await promisify(execFile)('node', [join(REPOSITORY_ROOT, 'scripts/apply-agreements.js')], {
      env: { ...process.env, ACCORD_HUB_URL: hub.url, ACCORD_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    for (const file of files) expect(stdout).toContain(`${(parseYaml(readFileSync(join(AGREEMENTS_DIR, file), 'utf8')) as { id: string }).id} v1 (unchanged)`);
  });
});
