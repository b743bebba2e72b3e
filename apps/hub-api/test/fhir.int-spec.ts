import { Client } from 'pg';
import {
  createTestDatabase,
  issueTestToken,
  randomNhsNumber,
  registerTestParticipants,
  startTestApp,
  TEST_ADMIN_TOKEN,
  uniqueParticipant,
  type RunningApp,
  type TestDatabase,
} from '@accord/testing';
import { AppModule } from '../src/app.module';
import { HubApiEnvironment } from '../src/environment';
import { fhirIssues } from '../src/fhir/fhir-definitions';

/*
 * FHIR R4 on hub-api (docs/contract.md, "FHIR R4") against the real app and Postgres: a
 * Consent is recorded with the semantics of POST /v1/consents or refused with an
 * OperationOutcome naming each problem, and every answer of the FHIR routes, errors
 * included, is a valid R4 resource. (Decisions as AuditEvents, and a deny withholding
 * the next event, are in the end-to-end test, where the broker decides.)
 */

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

describe('FHIR: Consent in, OperationOutcome for every refusal', () => {
  let database: TestDatabase;
  let hub: RunningApp;
  let sql: Client;
  let officer: string;
  const recipient = uniqueParticipant('revenues-benefits');

  beforeAll(async () => {
    database = await createTestDatabase('fhir');
    hub = await startTestApp({ service: 'hub-api', environmentClass: HubApiEnvironment, environment: { DATABASE_URL: database.url }, module: AppModule.forRoot });
    await registerTestParticipants(hub, [recipient]);
    officer = (await issueTestToken(hub, { roles: ['consent-officer'] })).token;
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    await sql.query('SET search_path TO accord');
  });

  afterAll(async () => {
    await sql?.end();
    await hub?.close();
    await database?.drop();
  });

  function consent(overrides: Record<string, unknown> = {}, provision: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { identifier: { system: NHS, value: randomNhsNumber() } },
      dateTime: '2026-12-01T09:00:00Z',
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
      provision: {
        type: 'deny',
        actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { identifier: { system: 'urn:accord:participant', value: recipient } } }],
        ...provision,
      },
      ...overrides,
    };
  }

  const post = (body: unknown, token = officer) =>
    hub.request('POST', '/fhir/Consent', { token, body, contentType: 'application/fhir+json' });
  const statements = async () => (await sql.query('SELECT count(*)::int AS n FROM consent_statements')).rows[0].n as number;

  it('records a deny as an objection scoped to the actor, exactly as POST /v1/consents would, and answers an OperationOutcome', async () => {
    const resource = consent();
    const nhsNumber = (resource.patient as any).identifier.value;
    const answer = await post(resource);
    expect(answer.status).toBe(201);
    expect(answer.headers.get('content-type')).toContain('application/fhir+json');
    expect(answer.headers.get('location')).toMatch(/^\/fhir\/Consent\/[0-9a-f-]{36}$/);
    expect(fhirIssues(answer.body)).toEqual([]);
    expect(answer.text).not.toContain(nhsNumber);

    const recorded = await hub.request('GET', `/v1/consents?nhsNumber=${nhsNumber}`, { token: officer });
    expect(recorded.body.statements).toEqual([
      expect.objectContaining({ kind: 'object', scope: { purpose: null, recipient, agreementId: null }, effectiveFrom: '2026-12-01T09:00:00.000Z' }),
    ]);
  });

  it('refuses what it cannot map, listing each problem with its FHIR path, and stores nothing', async () => {
    const before = await statements();
    const answer = await post(
      consent(
        { status: 'draft', patient: { identifier: { system: 'urn:other', value: 'x' } }, modifierExtension: [{ url: 'urn:x', valueBoolean: true }] },
        { type: 'maybe', period: { start: '2026-01-01' }, purpose: [{ code: 'a' }, { code: 'b' }] },
      ),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.resourceType).toBe('OperationOutcome');
    expect(fhirIssues(answer.body)).toEqual([]);
    const paths = answer.body.issue.map((issue: any) => issue.expression?.[0]);
    expect(paths).toEqual(
      expect.arrayContaining(['Consent.status', 'Consent.patient', 'Consent.modifierExtension', 'Consent.provision.type', 'Consent.provision.period', 'Consent.provision.purpose']),
    );
    expect(await statements()).toBe(before);
  });

  it('holds the Consent to the FHIR R4 definition: an unknown element and a broken invariant are named', async () => {
    const { policyRule: _rule, ...withoutPolicy } = consent({ colour: 'blue' });
    const answer = await post(withoutPolicy);
    expect(answer.status).toBe(400);
    expect(answer.body.issue).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ expression: ['Consent.colour'] }),
        expect.objectContaining({ expression: ['Consent'], diagnostics: expect.stringContaining('ppc-1') }),
      ]),
    );
  });

  it("names the hub's own refusals by the Consent's elements: an invalid NHS number, an unknown recipient", async () => {
    const badNumber = await post(consent({ patient: { identifier: { system: NHS, value: '9434765918' } } }));
    expect(badNumber).toMatchObject({ status: 400, body: { resourceType: 'OperationOutcome', issue: [expect.objectContaining({ expression: ['Consent.patient.identifier.value'] })] } });
    expect(badNumber.text).not.toContain('9434765918');
    const role = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] };
    const unknown = await post(consent({}, { actor: [{ role, reference: { identifier: { system: 'urn:accord:participant', value: uniqueParticipant('nowhere') } } }] }));
    expect(unknown).toMatchObject({ status: 422, body: { resourceType: 'OperationOutcome', issue: [expect.objectContaining({ expression: ['Consent.provision.actor'] })] } });
  });

  it('answers authentication and role failures, and unsupported searches, as OperationOutcomes', async () => {
    const anonymous = await hub.request('GET', `/fhir/AuditEvent?patient.identifier=${NHS}|9434765919`);
    expect(anonymous).toMatchObject({ status: 401, body: { resourceType: 'OperationOutcome', issue: [{ code: 'login' }] } });
    expect(await post(consent(), (await issueTestToken(hub, { roles: ['auditor'] })).token)).toMatchObject({ status: 403, body: { issue: [{ code: 'forbidden' }] } });
    const unsupported = await hub.request('GET', `/fhir/AuditEvent?patient.identifier=urn:x|1&_sort=date`, { token: TEST_ADMIN_TOKEN });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.issue.map((issue: any) => issue.expression[0]).sort()).toEqual(['_sort', 'patient.identifier']);
    expect(fhirIssues(unsupported.body)).toEqual([]);
  });
});
