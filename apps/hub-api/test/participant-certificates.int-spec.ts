import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type Admin, type Consumer, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { eventsTopic, inboxTopic } from '@accord/contracts';
import { grant, participantAcls, revoke } from '@accord/kafka';
import { describeCertificate } from '@accord/pki';
import {
  createTestDatabase,
  eventually,
  produce,
  startTestApp,
  TEST_KAFKA_BROKERS,
  testKafka,
  type RunningApp,
  type TestDatabase,
} from '@accord/testing';
import { AppModule } from '../src/app.module';
import { HubApiEnvironment } from '../src/environment';

/*
 * Issue 15 end to end against the real Kafka and Postgres: a partner makes its own key and
 * CSR with openssl, the hub's CA signs it, and the partner connects to the TLS-only,
 * deny-by-default broker with that certificate. Revoking and suspending cut it off, open
 * connections included; resuming restores it; a restart reconciles Kafka with the registry.
 */

const ADMIN_TOKEN = `test-admin-token-certificates-${randomBytes(4).toString('hex')}`;
/** docs/contract.md, "Participants": suspending a participant removes its ACLs, so Kafka refuses its next request; this test allows 10 s. */
const CUT_WITHIN_MS = 10_000;

/**
 * A participant id no other test uses. Not `uniqueParticipant`'s `test-` prefix: the test
 * set-up of a run starting meanwhile removes the ACLs of `test-` principals that have no
 * identity file in the test PKI, and these partners keep their keys to themselves. This
 * file removes its participants' ACLs itself, in afterAll.
 */
const created: string[] = [];
function uniqueParticipant(system: string): string {
  const participant = `pki-${randomBytes(4).toString('hex')}.${system}`;
  created.push(participant);
  return participant;
}

interface PartnerKey {
  keyPem: string;
  csr: string;
}

/** A key and CSR made as docs/partners.md tells a partner to make them. */
function partnerKey(keyArgs = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']): PartnerKey {
  const directory = mkdtempSync(join(tmpdir(), 'accord-partner-'));
  try {
    const key = join(directory, 'partner.key');
    execFileSync('openssl', ['genpkey', ...keyArgs, '-out', key], { stdio: 'ignore' });
    const csr = execFileSync('openssl', ['req', '-new', '-key', key, '-subj', '/CN=x'], { encoding: 'utf8' });
    return { keyPem: readFileSync(key, 'utf8'), csr };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Kafka refused the request for want of an ACL (not a network or TLS failure). */
function isAuthorizationFailure(error: unknown): boolean {
  const { type, message } = (error ?? {}) as { type?: string; message?: string };
  return /AUTHORIZATION_FAILED/.test(type ?? '') || /authoriz/i.test(message ?? '');
}

describe('participant identities: certificates, revocation, suspension and the connection kit (issue 15)', () => {
  let database: TestDatabase;
  let hub: RunningApp;
  let operator: Admin;
  const clients: Array<Producer | Consumer> = [];

  const startHub = () =>
    startTestApp({
      service: 'hub-api',
      environmentClass: HubApiEnvironment,
      environment: { DATABASE_URL: database.url, ACCORD_ADMIN_TOKEN: ADMIN_TOKEN, AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0' },
      module: (environment) => AppModule.forRoot(environment),
    });

  beforeAll(async () => {
    database = await createTestDatabase('participant_certificates');
    hub = await startHub();
    operator = testKafka('accord-test-certificates-operator').admin();
    await operator.connect();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.disconnect().catch(() => undefined)));
    if (operator) await revoke(operator, created.flatMap(participantAcls));
    await operator?.disconnect();
    await hub?.close();
    await database?.drop();
  });

  async function register(participant: string): Promise<void> {
    const response = await hub.request('PUT', `/v1/participants/${participant}`, { token: ADMIN_TOKEN, body: { displayName: participant } });
    expect(response.status).toBe(200);
  }

  async function issue(participant: string, key: PartnerKey, days?: number) {
    const response = await hub.request('POST', `/v1/participants/${participant}/certificates`, { token: ADMIN_TOKEN, body: { csr: key.csr, ...(days ? { days } : {}) } });
    expect(response.status).toBe(201);
    return response.body as { serialNumber: string; participant: string; notBefore: string; notAfter: string; fingerprint: string; certificate: string; caCertificate: string };
  }

  /** The partner's own client: its certificate, its key, the CA — and few retries, so a refusal surfaces at once. */
  function partnerKafka(participant: string, certificate: string, caCertificate: string, key: PartnerKey): Kafka {
    return new Kafka({
      clientId: participant,
      brokers: TEST_KAFKA_BROKERS,
      ssl: { ca: [caCertificate], cert: certificate, key: key.keyPem, rejectUnauthorized: true },
      logLevel: logLevel.NOTHING,
      connectionTimeout: 5000,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
    });
  }

  async function connectedProducer(kafka: Kafka): Promise<Producer> {
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    clients.push(producer);
    await producer.connect();
    return producer;
  }

  const publish = (producer: Producer, participant: string) =>
    producer.send({ topic: eventsTopic(participant), messages: [{ key: 'person-ref', value: JSON.stringify({ ok: true }) }] });

  /** Reads one record of the participant's inbox in a group of its own; rejects when Kafka refuses. */
  async function consumeOne(kafka: Kafka, participant: string, timeoutMs = 30_000): Promise<string> {
    const consumer = kafka.consumer({ groupId: `${participant}.test-${randomBytes(3).toString('hex')}`, retry: { retries: 0 }, sessionTimeout: 10_000 });
    clients.push(consumer);
    try {
      return await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no record within ${timeoutMs} ms`)), timeoutMs);
        consumer.on(consumer.events.CRASH, (event) => {
          clearTimeout(timer);
          reject(event.payload.error);
        });
        consumer
          .connect()
          .then(() => consumer.subscribe({ topics: [inboxTopic(participant)], fromBeginning: true }))
          .then(() =>
            consumer.run({
              eachMessage: async ({ message }) => {
                clearTimeout(timer);
                resolve(message.value?.toString() ?? '');
              },
            }),
          )
          .catch((error: unknown) => {
            clearTimeout(timer);
            reject(error);
          });
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }

  /**
   * The participant's ACL count once it has settled at `expected` (or the last count seen
   * after 10 s). KRaft commits an ACL change at the controller and each broker's authorizer
   * applies it from the metadata log moments later, so a describe straight after a change
   * may still see the old set.
   */
  async function participantAclCount(participant: string, expected: number): Promise<number> {
    let last = -1;
    await eventually(async () => ((last = await describedAclCount(participant)) === expected ? true : undefined), 10_000, 100).catch(() => undefined);
    return last;
  }

  async function describedAclCount(participant: string): Promise<number> {
    const described = await operator.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal: `User:${participant}`,
      host: '*',
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    return described.resources.reduce((sum, resource) => sum + resource.acls.length, 0);
  }

  async function listed(participant: string) {
    const response = await hub.request('GET', '/v1/participants', { token: ADMIN_TOKEN });
    expect(response.status).toBe(200);
    return (response.body as Array<Record<string, unknown>>).find((item) => item.id === participant)!;
  }

  it('signs a partner’s CSR as CN=<participant>; with it and the connection kit the partner publishes to its events topic and consumes its inbox', async () => {
    const participant = uniqueParticipant('discharge-hub');
    await register(participant);
    const key = partnerKey();
    const issued = await issue(participant, key);
    expect(issued).toMatchObject({ participant, serialNumber: expect.stringMatching(/^[0-9a-f]+$/), fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(issued.certificate).toContain('-----BEGIN CERTIFICATE-----');
    expect(issued.caCertificate).toContain('-----BEGIN CERTIFICATE-----');
    expect(describeCertificate(issued.certificate)).toMatchObject({ identity: participant, serialNumber: issued.serialNumber });
    const days = (Date.parse(issued.notAfter) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);

    // The partner builds its client from the kit, putting in the two things only it holds.
    const kit = await hub.request('GET', `/v1/participants/${participant}/connection`, { token: ADMIN_TOKEN });
    expect(kit.status).toBe(200);
    expect(kit.body).toMatchObject({
      participant,
      bootstrapServers: TEST_KAFKA_BROKERS,
      securityProtocol: 'SSL',
      caCertificate: issued.caCertificate,
      eventsTopic: eventsTopic(participant),
      inboxTopic: inboxTopic(participant),
      groupPrefix: `${participant}.`,
      suspended: false,
      kafkajs: { clientId: participant, brokers: TEST_KAFKA_BROKERS, ssl: { ca: [issued.caCertificate], cert: expect.stringMatching(/^<your certificate/), key: expect.stringMatching(/^<your private key/) } },
    });
    const kafka = new Kafka({
      ...kit.body.kafkajs,
      ssl: { ...kit.body.kafkajs.ssl, cert: issued.certificate, key: key.keyPem },
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 100 },
    });

    const producer = await connectedProducer(kafka);
    const [written] = await publish(producer, participant);
    expect(written!.errorCode).toBe(0);
    // Its own events topic only: the inbox is the broker's to write.
    const intoInbox = await producer.send({ topic: inboxTopic(participant), messages: [{ value: 'x' }] }).then(() => undefined, (error: unknown) => error);
    expect(isAuthorizationFailure(intoInbox)).toBe(true);

    await produce(inboxTopic(participant), [{ key: 'person-ref', value: 'for the partner' }]);
    expect(await consumeOne(kafka, participant)).toBe('for the partner');
  });

  it('refuses a bad CSR, naming every problem, and stores nothing', async () => {
    const participant = uniqueParticipant('discharge-hub');
    await register(participant);
    const path = `/v1/participants/${participant}/certificates`;

    const notPem = await hub.request('POST', path, { token: ADMIN_TOKEN, body: { csr: 'not a certificate request' } });
    expect(notPem.status).toBe(422);
    expect(notPem.body).toEqual({
      code: 'pki-csr-invalid',
      message: expect.stringContaining('nothing was stored'),
      problems: [{ path: 'csr', problem: 'must be one PEM block "-----BEGIN CERTIFICATE REQUEST-----"' }],
    });

    const weak = await hub.request('POST', path, { token: ADMIN_TOKEN, body: { csr: partnerKey(['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']).csr } });
    expect(weak.status).toBe(422);
    expect(weak.body.problems).toEqual([{ path: 'csr', problem: 'an RSA key must have at least 2048 bits' }]);

    const malformed = await hub.request('POST', path, { token: ADMIN_TOKEN, body: { csr: 'x'.repeat(20_000), days: 398, subject: 'CN=accord-operator' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('invalid-request');
    expect(malformed.body.problems.map((problem: { path: string }) => problem.path).sort()).toEqual(['csr', 'days', 'subject']);

    const unknown = await hub.request('POST', `/v1/participants/${uniqueParticipant('nobody')}/certificates`, { token: ADMIN_TOKEN, body: { csr: partnerKey().csr } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('participant-not-found');

    expect((await hub.request('GET', path, { token: ADMIN_TOKEN })).body).toEqual([]);
    const sql = new Client({ connectionString: database.url });
    await sql.connect();
    try {
      const { rows } = await sql.query('SELECT count(*)::int AS n FROM accord.participant_certificates WHERE participant = $1', [participant]);
      expect(rows[0].n).toBe(0);
    } finally {
      await sql.end();
    }
  });

  it('lists certificates without private material; the registry shows the latest expiry; the expiry panel lists those due within 30 days', async () => {
    const participant = uniqueParticipant('analytics');
    await register(participant);
    expect(await listed(participant)).toMatchObject({ suspended: false, certificateExpiresAt: null });
    const long = await issue(participant, partnerKey());
    const short = await issue(participant, partnerKey(), 10);

    const list = await hub.request('GET', `/v1/participants/${participant}/certificates`, { token: ADMIN_TOKEN });
    expect(list.status).toBe(200);
    expect(list.body.map((item: { serialNumber: string }) => item.serialNumber).sort()).toEqual([long.serialNumber, short.serialNumber].sort());
    for (const item of list.body) {
      expect(Object.keys(item).sort()).toEqual(['createdAt', 'fingerprint', 'notAfter', 'notBefore', 'participant', 'revokedAt', 'serialNumber', 'status']);
      expect(item).toMatchObject({ status: 'active', revokedAt: null });
    }
    expect(list.text).not.toContain('PRIVATE KEY');

    expect(await listed(participant)).toMatchObject({ certificateExpiresAt: long.notAfter, suspended: false });

    const issuedOps = await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['ops'] } });
    const expiring = await hub.request('GET', '/v1/participants/certificates?expiringWithinDays=30', { token: issuedOps.body.token });
    expect(expiring.status).toBe(200);
    const serials = expiring.body.map((item: { serialNumber: string }) => item.serialNumber);
    expect(serials).toContain(short.serialNumber);
    expect(serials).not.toContain(long.serialNumber);
    expect((await hub.request('GET', '/v1/participants/certificates?expiringWithinDays=0', { token: ADMIN_TOKEN })).status).toBe(400);
    const auditor = await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['auditor'] } });
    expect((await hub.request('GET', '/v1/participants/certificates', { token: auditor.body.token })).status).toBe(403);
    expect((await hub.request('GET', `/v1/participants/${participant}/certificates`, { token: issuedOps.body.token })).status).toBe(403);
  });

  it('revoking a certificate cuts the participant’s Kafka access (the next produce is refused) and suspends it; resuming while the revoked certificate is unexpired needs an explicit acceptance', async () => {
    const participant = uniqueParticipant('clinical-hub');
    await register(participant);
    const key = partnerKey();
    const issued = await issue(participant, key);
    const producer = await connectedProducer(partnerKafka(participant, issued.certificate, issued.caCertificate, key));
    await publish(producer, participant);

    expect((await hub.request('DELETE', `/v1/participants/${participant}/certificates/00ff`, { token: ADMIN_TOKEN })).body.code).toBe('participant-certificate-not-found');
    expect((await hub.request('DELETE', `/v1/participants/${participant}/certificates/not-hex`, { token: ADMIN_TOKEN })).status).toBe(400);

    const revoked = await hub.request('DELETE', `/v1/participants/${participant}/certificates/${issued.serialNumber}`, { token: ADMIN_TOKEN });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ serialNumber: issued.serialNumber, status: 'revoked', revokedAt: expect.any(String), participantSuspended: true });
    await eventually(async () => {
      const refused = await publish(producer, participant).then(
        () => false,
        (error: unknown) => isAuthorizationFailure(error),
      );
      return refused ? true : undefined;
    }, CUT_WITHIN_MS);
    expect(await participantAclCount(participant, 0)).toBe(0);

    expect(await listed(participant)).toMatchObject({ suspended: true, suspensionReason: 'certificate-revoked', certificateExpiresAt: null });
    const list = await hub.request('GET', `/v1/participants/${participant}/certificates`, { token: ADMIN_TOKEN });
    expect(list.body).toEqual([expect.objectContaining({ serialNumber: issued.serialNumber, status: 'revoked' })]);
    // A second revocation changes nothing.
    expect((await hub.request('DELETE', `/v1/participants/${participant}/certificates/${issued.serialNumber}`, { token: ADMIN_TOKEN })).status).toBe(200);

    // The revoked certificate still names the participant and is still in date: resuming would let it back in.
    const refused = await hub.request('POST', `/v1/participants/${participant}/resume`, { token: ADMIN_TOKEN });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'participant-revoked-certificates-valid', problems: [{ path: `certificates.${issued.serialNumber}`, problem: expect.stringContaining(issued.notAfter) }] });
    expect(await participantAclCount(participant, 0)).toBe(0);

    const accepted = await hub.request('POST', `/v1/participants/${participant}/resume`, { token: ADMIN_TOKEN, body: { acceptRevokedCertificates: true } });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ suspended: false });
    // Exactly the documented weakness: with the ACLs back, the revoked certificate connects again.
    await eventually(() => publish(producer, participant).then(() => true), CUT_WITHIN_MS);
  });

  it('suspending cuts produce and consume within 10 s, on a producer connected before; registering again grants nothing; resuming restores both', async () => {
    const participant = uniqueParticipant('emergency-department');
    await register(participant);
    const key = partnerKey();
    const issued = await issue(participant, key);
    const kafka = partnerKafka(participant, issued.certificate, issued.caCertificate, key);
    const producer = await connectedProducer(kafka);
    await publish(producer, participant);
    await produce(inboxTopic(participant), [{ value: 'before' }]);
    expect(await consumeOne(kafka, participant)).toBe('before');

    const suspended = await hub.request('POST', `/v1/participants/${participant}/suspend`, { token: ADMIN_TOKEN });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ id: participant, suspended: true, suspensionReason: 'suspended' });
    await eventually(async () => ((await publish(producer, participant).then(() => false, isAuthorizationFailure)) ? true : undefined), CUT_WITHIN_MS);
    await eventually(async () => ((await consumeOne(kafka, participant, 3000).then(() => false, isAuthorizationFailure)) ? true : undefined), CUT_WITHIN_MS);

    // PUT of a suspended participant renames it and leaves it without ACLs.
    await register(participant);
    expect(await participantAclCount(participant, 0)).toBe(0);
    expect(await listed(participant)).toMatchObject({ suspended: true });
    expect((await hub.request('GET', `/v1/participants/${participant}/connection`, { token: ADMIN_TOKEN })).body.suspended).toBe(true);

    const resumed = await hub.request('POST', `/v1/participants/${participant}/resume`, { token: ADMIN_TOKEN });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ suspended: false, suspendedAt: null, suspensionReason: null });
    expect(await participantAclCount(participant, participantAcls(participant).length)).toBe(participantAcls(participant).length);
    await eventually(() => publish(producer, participant).then(() => true), CUT_WITHIN_MS);
    expect(await consumeOne(kafka, participant)).toBe('before');

    expect((await hub.request('POST', `/v1/participants/${uniqueParticipant('nobody')}/suspend`, { token: ADMIN_TOKEN })).status).toBe(404);
  });

  it('gives the connection kit to an admin or a token bound to that participant, and refuses a token bound to another', async () => {
    const participant = uniqueParticipant('adult-social-care');
    const other = uniqueParticipant('revenues-benefits');
    await register(participant);
    await register(other);
    const tokenFor = async (bound: string | undefined, roles: string[]) =>
      (await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles, ...(bound ? { participant: bound } : {}) } })).body.token as string;

    const own = await hub.request('GET', `/v1/participants/${participant}/connection`, { token: await tokenFor(participant, ['publisher']) });
    expect(own.status).toBe(200);
    expect(own.body.inboxTopic).toBe(inboxTopic(participant));

    const foreign = await hub.request('GET', `/v1/participants/${participant}/connection`, { token: await tokenFor(other, ['publisher']) });
    expect(foreign.status).toBe(403);
    expect(foreign.body.code).toBe('participant-forbidden');
    expect(JSON.stringify(foreign.body)).not.toContain('BEGIN CERTIFICATE');
    expect((await hub.request('GET', `/v1/participants/${participant}/connection`, { token: await tokenFor(undefined, ['ops']) })).status).toBe(403);
    expect((await hub.request('GET', `/v1/participants/${uniqueParticipant('nobody')}/connection`, { token: ADMIN_TOKEN })).status).toBe(404);
    // Lifecycle and certificates are the admin's.
    const bound = await tokenFor(participant, ['publisher']);
    expect((await hub.request('POST', `/v1/participants/${participant}/certificates`, { token: bound, body: { csr: partnerKey().csr } })).status).toBe(403);
    expect((await hub.request('POST', `/v1/participants/${participant}/suspend`, { token: bound })).status).toBe(403);

    const openapi = await hub.request('GET', '/docs/openapi.json');
    expect(openapi.body.paths).toMatchObject({
      '/v1/participants/certificates': { get: expect.any(Object) },
      '/v1/participants/{id}/certificates': { post: expect.any(Object), get: expect.any(Object) },
      '/v1/participants/{id}/certificates/{serial}': { delete: expect.any(Object) },
      '/v1/participants/{id}/suspend': { post: expect.any(Object) },
      '/v1/participants/{id}/resume': { post: expect.any(Object) },
      '/v1/participants/{id}/connection': { get: expect.any(Object) },
    });
  });

  it('reconciles Kafka with the registry when hub-api starts: a lost grant comes back, a suspended participant’s stray ACLs go', async () => {
    const active = uniqueParticipant('public-health');
    const suspended = uniqueParticipant('public-health');
    await register(active);
    await register(suspended);
    expect((await hub.request('POST', `/v1/participants/${suspended}/suspend`, { token: ADMIN_TOKEN })).status).toBe(200);
    // Drift, as after a Kafka reset or a crash between a registry write and an ACL change.
    await revoke(operator, participantAcls(active));
    await grant(operator, participantAcls(suspended));
    expect(await participantAclCount(active, 0)).toBe(0);

    const second = await startHub();
    try {
      expect(await participantAclCount(active, participantAcls(active).length)).toBe(participantAcls(active).length);
      expect(await participantAclCount(suspended, 0)).toBe(0);
    } finally {
      await second.close();
    }
  });
});
