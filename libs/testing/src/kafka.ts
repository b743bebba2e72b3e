import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } from 'kafkajs';
import { HUB_IDENTITIES, installRecordCodec, kafkaSsl, provisionParticipant, readKafkaIdentity, type KafkaIdentity } from '@accord/kafka';
import { CertificateAuthority, generateKeyPair, identityFiles, type IssueOptions } from '@accord/pki';
import { TEST_KAFKA_BROKERS, TEST_KAFKA_TLS_DIR } from './environment';

/** A Kafka identity from the test PKI; the operator (a super user) unless another is named. */
export function testIdentity(identity: string = HUB_IDENTITIES.operator): KafkaIdentity {
  return readKafkaIdentity(TEST_KAFKA_TLS_DIR, identity);
}

/** A client of the test broker, as the operator (tests set up topics and play partners) or as `identity`. */
export function testKafka(clientId = 'accord-test', identity: string = HUB_IDENTITIES.operator): Kafka {
  // The record codec every Accord client uses (createKafka installs it too).
  installRecordCodec();
  return new Kafka({ clientId, brokers: TEST_KAFKA_BROKERS, ssl: kafkaSsl(testIdentity(identity)), logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

/** A participant id no other test uses, so topics never collide between test files. */
export function uniqueParticipant(system = 'adult-social-care'): string {
  return `${TEST_PARTICIPANT_PREFIX}${randomBytes(4).toString('hex')}.${system}`;
}

const TEST_PARTICIPANT_PREFIX = 'test-';

/** The development CA, as the test PKI holds it. */
export async function testCertificateAuthority(): Promise<CertificateAuthority> {
  const files = identityFiles(TEST_KAFKA_TLS_DIR, 'ca');
  return CertificateAuthority.load(readFileSync(files.certificate, 'utf8'), readFileSync(files.key, 'utf8'));
}

/**
 * A key and certificate for `identity`, written into the test PKI as the development
 * identities are (so an app under test finds it in KAFKA_TLS_DIR). `options` makes odd ones
 * (expired, say). Returns the identity.
 */
export async function issueTestIdentity(identity: string, options: IssueOptions = {}, authority?: CertificateAuthority): Promise<KafkaIdentity> {
  const ca = authority ?? (await testCertificateAuthority());
  const { privateKeyPem, publicKey } = await generateKeyPair();
  const { certificatePem } = await ca.issueForKey(publicKey, identity, options);
  const files = identityFiles(TEST_KAFKA_TLS_DIR, identity);
  writeFileSync(files.key, privateKeyPem, { mode: 0o600 });
  writeFileSync(files.certificate, certificatePem);
  return { ca: readFileSync(identityFiles(TEST_KAFKA_TLS_DIR, 'ca').ca, 'utf8'), cert: certificatePem, key: privateKeyPem };
}

/**
 * What the hub does when it registers a participant, for tests without a hub: its topics
 * and ACLs (the same `provisionParticipant`), and a certificate from the development CA.
 */
export async function provisionTestParticipant(participant: string): Promise<KafkaIdentity> {
  const identity = await issueTestIdentity(participant);
  const admin = testKafka('accord-test-provision').admin();
  await admin.connect();
  try {
    await provisionParticipant(admin, participant);
  } finally {
    await admin.disconnect();
  }
  return identity;
}

/** Test identities older than this belong to finished runs; a run under way elsewhere on the machine keeps its own. */
const STALE_TEST_IDENTITY_MS = 6 * 3600_000;

/**
 * Removes the identities earlier test runs issued (their participants are gone with those
 * runs), and the ACLs of every test principal whose identity is gone.
 */
export async function removeTestIdentities(): Promise<void> {
  const live = new Set<string>();
  for (const file of readdirSync(TEST_KAFKA_TLS_DIR)) {
    if (!file.startsWith(TEST_PARTICIPANT_PREFIX)) continue;
    const path = join(TEST_KAFKA_TLS_DIR, file);
    if (Date.now() - statSync(path).mtimeMs > STALE_TEST_IDENTITY_MS) rmSync(path, { force: true });
    else if (file.endsWith('.crt')) live.add(`User:${file.slice(0, -'.crt'.length)}`);
  }
  const admin = testKafka('accord-test-cleanup').admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const stale = resources.flatMap(({ resourceType, resourceName, resourcePatternType, acls }) =>
      acls
        .filter((acl) => acl.principal.startsWith(`User:${TEST_PARTICIPANT_PREFIX}`) && !live.has(acl.principal))
        .map((acl) => ({ resourceType, resourceName, resourcePatternType, ...acl })),
    );
    if (stale.length > 0) await admin.deleteAcls({ filters: stale });
  } finally {
    await admin.disconnect();
  }
}

/** Polls `probe` until it returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
