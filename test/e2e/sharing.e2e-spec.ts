import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import YAML from 'yaml';
import { DLQ_TOPIC, encodeEvent, eventsTopic, inboxTopic } from '@accord/contracts';
import { ensureTopics } from '@accord/kafka';
import {
  createTestDatabase,
  produce,
  randomNhsNumber,
  randomNiNumber,
  REPOSITORY_ROOT,
  startTestApp,
  TestEndpoint,
  testKafka,
  TopicRecorder,
  eventually,
  type RecordedMessage,
  type RunningApp,
  type TestDatabase,
  exampleEventData,
} from '@accord/testing';
import { AppModule as HubModule } from '../../apps/hub-api/src/app.module';
import { fhirIssues } from '../../apps/hub-api/src/fhir/fhir-definitions';
import { HubApiEnvironment } from '../../apps/hub-api/src/environment';
import { AppModule as BrokerModule } from '../../apps/sharing-broker/src/app.module';
import { SharingBrokerEnvironment } from '../../apps/sharing-broker/src/environment';

/*
 * The sharing path end to end, driven as partners drive it: a governance officer registers
 * the reference participants and applies the reference agreements through the hub API, a
 * consent officer records statements, partner systems publish CloudEvents to their topics,
 * and recipients read their inboxes. The hub API and the broker run for real against the
 * real Kafka and this file's own database. Every participant id gets a prefix unique to
 * this run, so the topics are this file's alone.
 */

const AGREEMENTS_DIR = join(REPOSITORY_ROOT, 'infra/agreements');
const ADMIN_TOKEN = `e2e-admin-${randomBytes(8).toString('hex')}`;
const RUN = `e2e${randomBytes(3).toString('hex')}`;
const scoped = (participant: string) => `${RUN}-${participant}`;

interface ReferenceAgreement {
  id: string;
  provider: string;
  recipients: string[];
  purpose: { code: string };
  consent: { basis: string; nationalDataOptOut: string; safeguardingOverride: boolean };
  rules: Array<{ eventType: string; fields: string[]; transforms?: Record<string, string> }>;
}

const participantsFile: Array<{ id: string; displayName: string }> = YAML.parse(readFileSync(join(AGREEMENTS_DIR, 'participants.yaml'), 'utf8'));
const agreementFiles = readdirSync(AGREEMENTS_DIR).filter((file) => file.endsWith('.yaml') && file !== 'participants.yaml').sort();

/** The agreement's YAML with every participant id given this run's prefix. */
function scopedYaml(text: string): string {
  let result = text;
  for (const { id } of participantsFile) result = result.replace(new RegExp(`(?<![\\w.-])${id.replace(/\./g, '\\.')}(?![\\w-])`, 'g'), scoped(id));
  return result;
}

const agreements: ReferenceAgreement[] = agreementFiles.map((file) => YAML.parse(readFileSync(join(AGREEMENTS_DIR, file), 'utf8')));
const byId = (id: string) => agreements.find((agreement) => agreement.id === id)!;

function get(data: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), data);
}

function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => leafPaths(inner, prefix ? `${prefix}.${key}` : key));
}

describe('sharing end to end: reference agreements, consent and rejects through the real hub, broker and Kafka', () => {
  let database: TestDatabase;
  let hub: RunningApp;
  let broker: RunningApp;
  let inboxes: TopicRecorder;
  let deadLetters: TopicRecorder;
  let sql: Client;

  beforeAll(async () => {
    database = await createTestDatabase('sharing_e2e');
    hub = await startTestApp({
      service: 'hub-api',
      environmentClass: HubApiEnvironment,
      environment: { DATABASE_URL: database.url, ACCORD_ADMIN_TOKEN: ADMIN_TOKEN, DELIVERY_GROUP_ID: `accord-partner-delivery-e2e-${RUN}` },
      module: HubModule.forRoot,
    });
    for (const participant of participantsFile) {
      const registered = await hub.request('PUT', `/v1/participants/${scoped(participant.id)}`, { token: ADMIN_TOKEN, body: { displayName: participant.displayName } });
      expect([200, 201]).toContain(registered.status);
    }
    for (const file of agreementFiles) {
      const text = scopedYaml(readFileSync(join(AGREEMENTS_DIR, file), 'utf8'));
      const applied = await hub.request('PUT', `/v1/agreements/${YAML.parse(text).id}`, { token: ADMIN_TOKEN, body: text, contentType: 'application/yaml' });
      expect({ file, status: applied.status, body: applied.body }).toMatchObject({ status: expect.any(Number) });
      expect([200, 201]).toContain(applied.status);
    }
    const admin = testKafka('accord-e2e-admin').admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic: DLQ_TOPIC }]);
    await admin.disconnect();
    broker = await startTestApp({
      service: 'sharing-broker',
      environmentClass: SharingBrokerEnvironment,
      environment: {
        DATABASE_URL: database.url,
        BROKER_GROUP_ID: `accord-sharing-broker-e2e-${RUN}`,
        BROKER_TOPIC_PATTERN: `^accord\\.events\\.${RUN}-`,
      },
      module: BrokerModule.forRoot,
    });
    inboxes = await TopicRecorder.start(participantsFile.map((participant) => inboxTopic(scoped(participant.id))));
    deadLetters = await TopicRecorder.start([DLQ_TOPIC]);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    await sql.query('SET search_path TO accord');
  });

  afterAll(async () => {
    await inboxes?.stop();
    await deadLetters?.stop();
    await sql?.end();
    await broker?.close();
    await hub?.close();
    await database?.drop();
  });

  /** Publishes as the provider's system would: one CloudEvent on its own topic. */
  async function publish(provider: string, type: string, data: object, id = randomUUID()): Promise<string> {
    await produce(eventsTopic(scoped(provider)), [encodeEvent({ id, source: scoped(provider), type, data })]);
    return id;
  }

  /** Example data for the type about a fresh person, so no other test's consent applies. */
  function eventAbout(type: string, overrides: Record<string, unknown> = {}): { data: Record<string, unknown>; nhsNumber?: string; niNumber?: string } {
    const example = exampleEventData(type);
    const subject = { ...(example.subject as Record<string, unknown>), localId: `person-${randomUUID()}` };
    let nhsNumber: string | undefined;
    let niNumber: string | undefined;
    if ('nhsNumber' in subject) subject.nhsNumber = nhsNumber = randomNhsNumber();
    if ('niNumber' in subject) subject.niNumber = niNumber = randomNiNumber();
    return { data: { ...example, subject, ...overrides }, nhsNumber, niNumber };
  }

  async function decisionsFor(eventId: string, count: number): Promise<Array<Record<string, any>>> {
    return eventually(async () => {
      const { rows } = await sql.query('SELECT * FROM decisions WHERE event_id = $1 ORDER BY seq', [eventId]);
      return rows.length >= count ? rows : undefined;
    });
  }

  async function delivered(recipient: string, eventId: string): Promise<RecordedMessage> {
    const [message] = await inboxes.waitFor((m) => m.topic === inboxTopic(scoped(recipient)) && m.headers.ce_id === eventId, 1);
    return message;
  }

  async function recordConsent(body: Record<string, unknown>): Promise<void> {
    const recorded = await hub.request('POST', '/v1/consents', { token: ADMIN_TOKEN, body });
    expect({ status: recorded.status, body: recorded.body }).toMatchObject({ status: 201 });
  }

  describe.each(agreements.map((agreement) => [agreement.id, agreement] as const))('reference agreement %s', (_id, agreement) => {
    it('delivers an event of its provider to each recipient with exactly the allowed fields, transformed as declared, and records the decision', async () => {
      const rule = agreement.rules[0];
      const { data, nhsNumber, niNumber } = eventAbout(rule.eventType);
      if (agreement.consent.basis === 'explicit') {
        await recordConsent({ subject: { nhsNumber }, kind: 'grant', scope: { agreementId: agreement.id } });
      }
      const eventId = await publish(agreement.provider, rule.eventType, data);

      for (const recipient of agreement.recipients) {
        const message = await delivered(recipient, eventId);
        expect(message.headers).toMatchObject({
          ce_type: rule.eventType,
          ce_source: `urn:accord:${scoped(agreement.provider)}`,
          ce_accordagreement: `${agreement.id}@1`,
          ce_accordpurpose: agreement.purpose.code,
        });
        const released = JSON.parse(message.value);
        const expected = rule.fields.filter((field) => get(data, field) !== undefined);
        // Nothing outside the allow-list, and every allowed field the event had.
        for (const path of leafPaths(released)) expect(rule.fields.some((field) => path === field || path.startsWith(`${field}.`))).toBe(true);
        for (const field of expected) {
          const transform = rule.transforms?.[field];
          const original = get(data, field);
          const value = get(released, field);
          if (transform === 'pseudonymise') {
            expect(typeof value).toBe('string');
            expect(value).not.toEqual(original);
          } else if (transform === 'year-only') {
            expect(value).toBe(String(original).slice(0, 4));
          } else if (transform === 'postcode-district') {
            expect(value).toBe(String(original).split(' ')[0]);
          } else {
            expect(value).toEqual(original);
          }
        }
        // The raw identifiers travel only where the rule releases them untransformed.
        if (nhsNumber && !(rule.fields.includes('subject.nhsNumber') && !rule.transforms?.['subject.nhsNumber'])) {
          expect(`${message.key} ${message.value}`).not.toContain(nhsNumber);
        }
        expect(message.key).not.toContain(nhsNumber ?? niNumber ?? '-');

        const [decision] = (await decisionsFor(eventId, agreement.recipients.length)).filter((row) => row.recipient === scoped(recipient) && row.agreement_id === agreement.id);
        expect(decision).toMatchObject({ outcome: 'shared', reasons: ['permitted'], agreement_version: 1, purpose: agreement.purpose.code });
        expect(decision.decision_id).toBe(message.headers.ce_accorddecision);
        expect([...decision.fields_released].sort()).toEqual([...expected].sort());
        expect(JSON.stringify(decision)).not.toContain(nhsNumber ?? niNumber ?? '-');
      }
    });
  });

  it('decides an event published over HTTPS (POST /v1/events) exactly as the same event published to Kafka, for every reference agreement', async () => {
    const tokens = new Map<string, string>();
    const publisherToken = async (provider: string): Promise<string> => {
      if (!tokens.has(provider)) {
        const issued = await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { participant: scoped(provider), roles: ['publisher'] } });
        expect(issued.status).toBe(201);
        tokens.set(provider, issued.body.token);
      }
      return tokens.get(provider)!;
    };
    /** What a decision says, without what differs between two events (ids, times, chain). */
    const outcome = (row: Record<string, any>) => [row.recipient, row.agreement_id, row.outcome, row.reasons, [...row.fields_released].sort()];
    for (const agreement of agreements) {
      const rule = agreement.rules[0];
      const { data, nhsNumber } = eventAbout(rule.eventType);
      if (agreement.consent.basis === 'explicit') await recordConsent({ subject: { nhsNumber }, kind: 'grant', scope: { agreementId: agreement.id } });
      const overKafka = await publish(agreement.provider, rule.eventType, data);
      const overHttps = randomUUID();
      const answer = await hub.request('POST', '/v1/events', {
        token: await publisherToken(agreement.provider),
        contentType: 'application/cloudevents+json',
        body: { specversion: '1.0', id: overHttps, source: `urn:accord:${scoped(agreement.provider)}`, type: rule.eventType, time: new Date().toISOString(), data },
      });
      expect({ agreement: agreement.id, status: answer.status, body: answer.body }).toEqual({ agreement: agreement.id, status: 202, body: { ids: [overHttps], alreadyAccepted: [] } });

      const kafkaDecisions = await decisionsFor(overKafka, agreement.recipients.length);
      const httpsDecisions = await decisionsFor(overHttps, kafkaDecisions.length);
      expect(httpsDecisions.map(outcome).sort()).toEqual(kafkaDecisions.map(outcome).sort());
      for (const recipient of agreement.recipients) {
        const [fromKafka, fromHttps] = [await delivered(recipient, overKafka), await delivered(recipient, overHttps)];
        expect({ key: fromHttps.key, value: JSON.parse(fromHttps.value) }).toEqual({ key: fromKafka.key, value: JSON.parse(fromKafka.value) });
      }
    }
  });

  it('delivers to a recipient subscribed by webhook exactly the projected records, signed, as its Kafka inbox holds them', async () => {
    const endpoint = new TestEndpoint();
    await endpoint.start();
    try {
      const careHomes = byId('scc-asc-care-home-to-rb');
      const recipient = careHomes.recipients[0]!;
      const subscribed = await hub.request('PUT', `/v1/participants/${scoped(recipient)}/subscription`, { token: ADMIN_TOKEN, body: { mode: 'webhook', url: endpoint.url } });
      expect(subscribed.status).toBe(200);
      const webhook = new Webhook(subscribed.body.secret);
      const ids: string[] = [];
      for (let index = 0; index < 3; index++) {
        const { data } = eventAbout('asc.service.started.v1');
        ids.push(await publish(careHomes.provider, 'asc.service.started.v1', data));
      }
      const deliveries = await eventually(async () => {
        const ours = endpoint.requests.filter((request) => ids.includes(JSON.parse(request.body).id));
        return ours.length >= ids.length ? ours : undefined;
      });
      for (const id of ids) {
        const inKafka = await delivered(recipient, id);
        const request = deliveries.find((delivery) => JSON.parse(delivery.body).id === id)!;
        const event = webhook.verify(request.body, request.headers as Record<string, string>) as Record<string, unknown>;
        expect(event).toMatchObject({ id, key: inKafka.key, accordagreement: inKafka.headers.ce_accordagreement, accorddecision: inKafka.headers.ce_accorddecision });
        expect(event.data).toEqual(JSON.parse(inKafka.value));
      }
    } finally {
      await hub.request('DELETE', `/v1/participants/${scoped(byId('scc-asc-care-home-to-rb').recipients[0]!)}/subscription`, { token: ADMIN_TOKEN });
      await endpoint.stop();
    }
  });

  it('withholds the next event after a FHIR Consent deny (objection), and shows both decisions as FHIR R4 AuditEvents, paged', async () => {
    const careHomes = byId('scc-asc-care-home-to-rb');
    const { data, nhsNumber } = eventAbout('asc.service.started.v1');
    const sharedBefore = await publish(careHomes.provider, 'asc.service.started.v1', data);
    await decisionsFor(sharedBefore, 2);

    const consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber } },
      policy: [{ uri: `urn:accord:agreement:${careHomes.id}` }],
      provision: { type: 'deny' },
    };
    const recorded = await hub.request('POST', '/fhir/Consent', { token: ADMIN_TOKEN, body: consent, contentType: 'application/fhir+json' });
    expect({ status: recorded.status, body: recorded.body }).toMatchObject({ status: 201, body: { resourceType: 'OperationOutcome' } });
    const withheldAfter = await publish(careHomes.provider, 'asc.service.started.v1', { ...data, subject: { ...(data.subject as object) } }, randomUUID());
    const decisions = await decisionsFor(withheldAfter, 2);
    expect(decisions.find((row) => row.agreement_id === careHomes.id)).toMatchObject({ outcome: 'withheld', reasons: ['objection'] });

    // The audit trail as FHIR, one decision a page: a valid R4 searchset, followed by its next links.
    const identifier = encodeURIComponent(`https://fhir.nhs.uk/Id/nhs-number|${nhsNumber}`);
    const resources: Array<Record<string, any>> = [];
    let url: string | undefined = `/fhir/AuditEvent?patient.identifier=${identifier}&_count=1`;
    for (let page = 0; url && page < 10; page++) {
      const answer = await hub.request('GET', url, { token: ADMIN_TOKEN });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toContain('application/fhir+json');
      expect(fhirIssues(answer.body)).toEqual([]);
      expect(answer.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
      for (const entry of answer.body.entry ?? []) {
        expect(fhirIssues(entry.resource)).toEqual([]);
        resources.push(entry.resource);
      }
      const next = answer.body.link.find((link: any) => link.relation === 'next')?.url as string | undefined;
      url = next ? next.slice(next.indexOf('/fhir/')) : undefined;
    }
    const authorizations = resources.filter((resource) => resource.type.code === '110113');
    const decisionIds = (await sql.query('SELECT decision_id FROM decisions WHERE event_id = ANY($1)', [[sharedBefore, withheldAfter]])).rows.map((row) => row.decision_id);
    expect(authorizations.map((resource) => resource.id).sort()).toEqual([...decisionIds].sort());
    const names = (resource: Record<string, any>, value: string) => resource.entity.some((entity: any) => entity.what.identifier.value === value);
    const careHomeDecision = (eventId: string) => authorizations.find((resource) => names(resource, eventId) && names(resource, `${careHomes.id}@1`));
    expect(careHomeDecision(sharedBefore)).toMatchObject({ outcome: '0', subtype: [{ code: 'AuthZ-Consent' }], entity: expect.arrayContaining([{ what: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber } }, type: expect.anything(), role: expect.objectContaining({ code: '1' }) }]) });
    expect(careHomeDecision(withheldAfter)).toMatchObject({ outcome: '8', outcomeDesc: 'withheld: objection' });
    // Each shared decision is also a disclosure to its recipient.
    expect(resources.filter((resource) => resource.type.code === '110106')).toHaveLength(authorizations.filter((resource) => resource.outcome === '0').length);
  });

  it('withholds after a withdrawal (objection basis) and shares nothing, while recording why', async () => {
    const careHomes = byId('scc-asc-care-home-to-rb');
    const { data, nhsNumber } = eventAbout('asc.service.started.v1');
    await recordConsent({ subject: { nhsNumber }, kind: 'withdraw', scope: { agreementId: careHomes.id } });
    const eventId = await publish(careHomes.provider, 'asc.service.started.v1', data);
    const decisions = await decisionsFor(eventId, 2);
    expect(decisions.find((row) => row.agreement_id === careHomes.id)).toMatchObject({ outcome: 'withheld', reasons: ['objection'], fields_released: [] });
    // The withdrawal named one agreement: the care-package agreement still shares the same event with ED.
    expect(decisions.find((row) => row.agreement_id === 'scc-asc-care-package-to-uhs-ed')).toMatchObject({ outcome: 'shared' });
    await delivered('uhs.emergency-department', eventId);
    // The broker sends every delivery of a batch before committing it: ED has it, so revenues and benefits would too.
    expect(inboxes.messages.filter((m) => m.headers.ce_id === eventId && m.topic === inboxTopic(scoped('southampton.revenues-benefits')))).toEqual([]);
  });

  it('shares drug treatment data only with an explicit grant: no-consent without one', async () => {
    const drugs = byId('hants-ph-drug-treatment-to-ndtms');
    const { data } = eventAbout('ph.substance-misuse.referral.v1');
    const eventId = await publish(drugs.provider, 'ph.substance-misuse.referral.v1', data);
    const [decision] = await decisionsFor(eventId, 1);
    expect(decision).toMatchObject({ outcome: 'withheld', reasons: ['no-consent'], recipient: scoped('ohid.ndtms') });
  });

  it('counts an objection by a linked NI number against an event carrying only the NHS number; never a grant (docs/contract.md, "Consent")', async () => {
    const careHomes = byId('scc-asc-care-home-to-rb');
    const { data } = eventAbout('asc.service.started.v1');
    const subject = data.subject as Record<string, unknown>;
    const niNumber = randomNiNumber();
    // An earlier event carried both numbers: the hub links them.
    const both = await publish(careHomes.provider, 'asc.service.started.v1', { ...data, subject: { ...subject, niNumber } });
    expect((await decisionsFor(both, 2)).find((row) => row.agreement_id === careHomes.id)).toMatchObject({ outcome: 'shared' });
    await recordConsent({ subject: { niNumber }, kind: 'object', scope: { agreementId: careHomes.id } });
    const nhsOnly = await publish(careHomes.provider, 'asc.service.started.v1', { ...data, subject: { ...subject, localId: subject.localId } });
    expect((await decisionsFor(nhsOnly, 2)).find((row) => row.agreement_id === careHomes.id)).toMatchObject({ outcome: 'withheld', reasons: ['objection'] });

    // Explicit consent: a grant by the linked NI number does not share an event that carries only the NHS number.
    const drugs = byId('hants-ph-drug-treatment-to-ndtms');
    const referral = eventAbout('ph.substance-misuse.referral.v1');
    const referralSubject = referral.data.subject as Record<string, unknown>;
    const linkedNi = randomNiNumber();
    const linking = await publish(drugs.provider, 'ph.substance-misuse.referral.v1', { ...referral.data, subject: { ...referralSubject, niNumber: linkedNi } });
    expect((await decisionsFor(linking, 1))[0]).toMatchObject({ outcome: 'withheld', reasons: ['no-consent'] });
    await recordConsent({ subject: { niNumber: linkedNi }, kind: 'grant', scope: { agreementId: drugs.id } });
    const [unshared] = await decisionsFor(await publish(drugs.provider, 'ph.substance-misuse.referral.v1', referral.data), 1);
    expect(unshared).toMatchObject({ outcome: 'withheld', reasons: ['no-consent'] });
    // The grant itself works for an event that carries the number it was given for.
    const [granted] = await decisionsFor(await publish(drugs.provider, 'ph.substance-misuse.referral.v1', { ...referral.data, subject: { ...referralSubject, nhsNumber: undefined, niNumber: linkedNi } }), 1);
    expect(granted).toMatchObject({ outcome: 'shared' });
  });

  it('applies the national data opt-out where an agreement says so, and not where it is exempt', async () => {
    const { data: healthCheck, nhsNumber } = eventAbout('ph.health-check.completed.v1');
    await recordConsent({ subject: { nhsNumber }, kind: 'national-opt-out' });
    const checkId = await publish('hampshire.public-health', 'ph.health-check.completed.v1', healthCheck);
    const [optedOut] = await decisionsFor(checkId, 1);
    expect(optedOut).toMatchObject({ outcome: 'withheld', reasons: ['national-opt-out'] });

    const { data: disease } = eventAbout('ph.notifiable-disease.notified.v1');
    (disease.subject as Record<string, unknown>).nhsNumber = nhsNumber;
    const diseaseId = await publish('hampshire.public-health', 'ph.notifiable-disease.notified.v1', disease);
    await delivered('ukhsa.health-protection', diseaseId);
    const [exempt] = await decisionsFor(diseaseId, 1);
    expect(exempt).toMatchObject({ outcome: 'shared', reasons: ['permitted'] });
  });

  it('shares a safeguarding concern despite an objection under the safeguarding override, and says so', async () => {
    const safeguarding = byId('scc-asc-safeguarding-to-swast');
    const { data, nhsNumber } = eventAbout('asc.safeguarding.concern-raised.v1');
    await recordConsent({ subject: { nhsNumber }, kind: 'object' });
    const eventId = await publish(safeguarding.provider, 'asc.safeguarding.concern-raised.v1', data);
    await delivered('swast.clinical-hub', eventId);
    const [decision] = (await decisionsFor(eventId, 1)).filter((row) => row.agreement_id === safeguarding.id);
    expect(decision).toMatchObject({ outcome: 'shared', reasons: ['safeguarding-override', 'objection'] });
  });

  it('withholds under a suspended agreement (agreement-not-active) and shares again once resumed', async () => {
    const falls = byId('swast-falls-to-hants-ph');
    expect((await hub.request('POST', `/v1/agreements/${falls.id}/suspend`, { token: ADMIN_TOKEN })).status).toBeLessThan(300);
    const { data } = eventAbout('nhs.ambulance.fall-attended.v1');
    const suspendedId = await publish(falls.provider, 'nhs.ambulance.fall-attended.v1', data);
    const [decision] = await decisionsFor(suspendedId, 1);
    expect(decision).toMatchObject({ outcome: 'withheld', reasons: ['agreement-not-active'], agreement_version: 2 });

    expect((await hub.request('POST', `/v1/agreements/${falls.id}/resume`, { token: ADMIN_TOKEN })).status).toBeLessThan(300);
    const resumedId = await publish(falls.provider, 'nhs.ambulance.fall-attended.v1', data);
    const message = await delivered('hampshire.public-health', resumedId);
    expect(message.headers.ce_accordagreement).toBe(`${falls.id}@3`);
    expect(inboxes.messages.filter((m) => m.headers.ce_id === suspendedId)).toEqual([]);
  });

  it('withholds under an expired agreement (agreement-not-active)', async () => {
    const benefits = readFileSync(join(AGREEMENTS_DIR, 'scc-rb-benefits-to-asc.yaml'), 'utf8');
    const expired = scopedYaml(benefits)
      .replace(/^id: .*$/m, 'id: expired-benefits-to-asc')
      .replace(/^validFrom: .*$/m, 'validFrom: 2020-04-01')
      .replace(/^validUntil: .*$/m, 'validUntil: 2021-03-31')
      .replace(/^reviewBy: .*$/m, 'reviewBy: 2021-01-31');
    const applied = await hub.request('PUT', '/v1/agreements/expired-benefits-to-asc', { token: ADMIN_TOKEN, body: expired, contentType: 'application/yaml' });
    expect([200, 201]).toContain(applied.status);

    const { data } = eventAbout('rb.housing-benefit.assessed.v1');
    const eventId = await publish('southampton.revenues-benefits', 'rb.housing-benefit.assessed.v1', data);
    const decisions = await decisionsFor(eventId, 2);
    expect(decisions.find((row) => row.agreement_id === 'expired-benefits-to-asc')).toMatchObject({ outcome: 'withheld', reasons: ['agreement-not-active'] });
    expect(decisions.find((row) => row.agreement_id === 'scc-rb-benefits-to-asc')).toMatchObject({ outcome: 'shared' });
    const message = await delivered('southampton.adult-social-care', eventId);
    expect(message.headers.ce_accordagreement).toBe('scc-rb-benefits-to-asc@1');
  });

  it('rejects an invalid NHS number, a malformed envelope and an unknown event type to accord.dlq with the reason and a rejected decision, and keeps going', async () => {
    const provider = 'southampton.adult-social-care';
    const topic = eventsTopic(scoped(provider));
    const badNumber = eventAbout('asc.service.started.v1');
    (badNumber.data.subject as Record<string, unknown>).nhsNumber = '9434765918';
    const invalidIdentifier = await publish(provider, 'asc.service.started.v1', badNumber.data);
    const unknownType = await publish(provider, 'rb.housing-benefit.assessed.v1', eventAbout('rb.housing-benefit.assessed.v1').data);
    const malformedKey = `malformed-${randomUUID()}`;
    await produce(topic, [{ key: malformedKey, value: '{"subject": ', headers: { ce_specversion: '1.0', ce_type: 'asc.service.started.v1' } }]);
    const good = eventAbout('asc.service.started.v1');
    const goodId = await publish(provider, 'asc.service.started.v1', good.data);

    const rejected = await deadLetters.waitFor(
      (m) => m.headers.accord_dlq_topic === topic && (m.headers.ce_id === invalidIdentifier || m.headers.ce_id === unknownType || m.key === malformedKey),
      3,
    );
    const reasonOf = (predicate: (m: RecordedMessage) => boolean) => rejected.find(predicate)?.headers.accord_dlq_reason;
    expect(reasonOf((m) => m.headers.ce_id === invalidIdentifier)).toBe('invalid-identifier');
    expect(reasonOf((m) => m.headers.ce_id === unknownType)).toBe('unknown-event-type');
    expect(reasonOf((m) => m.key === malformedKey)).toBe('invalid-envelope');
    for (const message of rejected) {
      expect(message.value).not.toBe('');
      expect(message.headers.accord_dlq_problems).not.toContain('9434765918');
    }

    const { rows } = await sql.query(`SELECT outcome, reasons, decision_id FROM decisions WHERE topic = $1 AND outcome = 'rejected' ORDER BY seq`, [topic]);
    expect(rows.map((row) => row.reasons[0]).sort()).toEqual(['invalid-envelope', 'invalid-identifier', 'unknown-event-type']);
    expect(rows.map((row) => row.decision_id).sort()).toEqual([...new Set(rejected.map((m) => m.headers.accord_dlq_decision))].sort());

    await delivered('southampton.revenues-benefits', goodId);
  });

  it('keeps the audit chains intact across everything above', async () => {
    const { rows } = await sql.query('SELECT count(*)::int AS rows FROM decisions');
    expect(rows[0].rows).toBeGreaterThan(10);
    // One chain per events-topic partition (docs/audit-chains.md): each row links to the one before it in its partition, the first to genesis.
    const { rows: linked } = await sql.query(
      `SELECT count(*)::int AS broken FROM (
         SELECT prev_hash, lag(hash, 1, repeat('0', 64)) OVER (PARTITION BY topic, kafka_partition ORDER BY seq) AS previous FROM decisions
       ) r WHERE prev_hash <> previous`,
    );
    expect(linked[0].broken).toBe(0);
    // And each chain's head row is its last row.
    const { rows: heads } = await sql.query(
      `SELECT count(*)::int AS wrong FROM audit_chain_heads h
        WHERE h.seq > 0 AND h.hash IS DISTINCT FROM (
          SELECT d.hash FROM decisions d WHERE d.topic = h.topic AND d.kafka_partition = h.kafka_partition AND d.seq >= h.seq ORDER BY d.seq DESC LIMIT 1)`,
    );
    expect(heads[0].wrong).toBe(0);
  });
});
