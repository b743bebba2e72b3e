// Shared by the broker's specs: reference agreements with test participants, rows written
// the way the hub writes them, and small Kafka helpers.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, ITopicConfig, Message } from 'kafkajs';
import { Client as PgClient, type Client } from 'pg';
import { DLQ_TOPIC, encodeEvent, eventsTopic, isParticipantId } from '@accord/contracts';
import { EVENT_CATALOG, readAgreement, subjectKeys, type Agreement, type VersionedAgreement } from '@accord/governance';
import { ensureTopics } from '@accord/kafka';
import { createTestDatabase, exampleEventData, REPOSITORY_ROOT, startTestApp, testKafka, type RunningApp, type TestDatabase } from '@accord/testing';
import { AppModule } from '../src/app.module';
import { SharingBrokerEnvironment } from '../src/environment';

/** The engine's catalogue, as the broker uses it. */
export const catalog = EVENT_CATALOG;

export const SUBJECT_KEY_SECRET = 'sharing-broker-test-subject-key-secret-0123456789';
export const PSEUDONYMISATION_SECRET = 'sharing-broker-test-pseudonymisation-secret-0123456789';

/**
 * A reference agreement of `infra/agreements`, its participants replaced (reference id →
 * test id), validated as the hub validates it on apply.
 */
export function referenceAgreement(file: string, participants: Record<string, string>, edit: (text: string) => string = (text) => text): Agreement {
  let text = readFileSync(join(REPOSITORY_ROOT, 'infra/agreements', file), 'utf8');
  for (const [reference, test] of Object.entries(participants)) {
    text = text.replace(new RegExp(`(?<![\\w.-])${reference.replace(/\./g, '\\.')}(?![\\w-])`, 'g'), test);
  }
  const outcome = readAgreement(edit(text), 'yaml', { catalog, participants: isParticipantId });
  if (!outcome.ok) throw new Error(`${file}: ${JSON.stringify(outcome.problems)}`);
  return outcome.agreement;
}

export function versioned(agreement: Agreement, version = 1, status: Agreement['status'] = agreement.status): VersionedAgreement {
  return { ...agreement, version, status };
}

/** Inserts one agreement version as `PUT /v1/agreements/{id}` stores it. */
export async function insertAgreementVersion(sql: Client, agreement: Agreement, version = 1, status: Agreement['status'] = agreement.status): Promise<void> {
  const document = JSON.stringify({ ...agreement, status });
  await sql.query(
    `INSERT INTO agreement_versions (agreement_id, version, status, provider, document, document_digest, change)
     VALUES ($1, $2, $3, $4, $5, $6, 'applied')`,
    [agreement.id, version, status, agreement.provider, document, createHash('sha256').update(document).digest('hex')],
  );
}

/** Records a consent statement as `POST /v1/consents` stores it: keyed hashes, never the number. */
export async function insertConsent(
  sql: Client,
  subject: { nhsNumber?: string; niNumber?: string },
  kind: string,
  scope: { purpose?: string; recipient?: string; agreementId?: string } = {},
  effectiveFrom = new Date(Date.now() - 60_000),
): Promise<string> {
  const keys = subjectKeys(subject, SUBJECT_KEY_SECRET);
  const id = randomUUID();
  await sql.query(
    `INSERT INTO consent_statements (id, nhs_key, ni_key, kind, scope_purpose, scope_recipient, scope_agreement_id, effective_from)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, keys.nhsNumber ?? null, keys.niNumber ?? null, kind, scope.purpose ?? null, scope.recipient ?? null, scope.agreementId ?? null, effectiveFrom],
  );
  return id;
}

/** An event of `type` from `participant` about the person given, as a partner would publish it. */
export function eventRecord(
  participant: string,
  type: string,
  subject: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
  id: string = randomUUID(),
): { id: string; message: Message; data: Record<string, unknown> } {
  const example = exampleEventData(type);
  const data = { ...example, ...overrides, subject: { ...(example.subject as object), ...subject } };
  for (const [key, value] of Object.entries(data.subject)) if (value === undefined) delete (data.subject as Record<string, unknown>)[key];
  return { id, message: encodeEvent({ id, source: participant, type, data }), data };
}

/** `^accord\.events\.(a|b)$`: only this test's topics, whatever else is on the shared Kafka. */
export function topicPatternFor(participants: readonly string[]): string {
  return `^(${participants.map((participant) => eventsTopic(participant).replace(/[.]/g, '\\.')).join('|')})$`;
}

/** True once the group has committed past `offset` on the partition: the record's batch was fully handled. */
export async function committedPast(admin: Admin, groupId: string, topic: string, partition: number, offset: string): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const entry = committed?.partitions.find((item) => item.partition === partition);
  return entry !== undefined && entry.offset !== '-1' && BigInt(entry.offset) > BigInt(offset);
}

export interface TestBroker {
  /** The broker, in this process (its settings as below), started once the topics exist. */
  broker: RunningApp;
  database: TestDatabase;
  /** This file's database, `search_path` set to the hub's schema. */
  sql: Client;
  /** An operator Kafka admin. */
  admin: Admin;
  close(): Promise<void>;
}

/**
 * The broker as the integration tests run it: `topics` (and accord.dlq) created, this
 * file's own database with `agreements` in force, a group of its own consuming only the
 * events topics of `consumes`, quick topic refresh and retries. `databaseUrl` lets a test
 * put a proxy between the broker and Postgres; `environment` adds or changes settings.
 */
export async function startTestBroker(options: {
  name: string;
  topics: ITopicConfig[];
  consumes: readonly string[];
  agreements: readonly Agreement[];
  groupId?: string;
  databaseUrl?: (url: string) => string | Promise<string>;
  environment?: Record<string, string>;
}): Promise<TestBroker> {
  const admin = testKafka(`${options.name}-admin`).admin();
  await admin.connect();
  await ensureTopics(admin, [...options.topics, { topic: DLQ_TOPIC, numPartitions: 3 }]);
  const database = await createTestDatabase(options.name.replace(/-/g, '_'));
  const broker = await startTestApp({
    service: 'sharing-broker',
    environmentClass: SharingBrokerEnvironment,
    environment: {
      DATABASE_URL: options.databaseUrl ? await options.databaseUrl(database.url) : database.url,
      ACCORD_SUBJECT_KEY_SECRET: SUBJECT_KEY_SECRET,
      ACCORD_PSEUDONYMISATION_SECRET: PSEUDONYMISATION_SECRET,
      BROKER_GROUP_ID: options.groupId ?? `accord-sharing-broker-test-${randomUUID()}`,
      BROKER_TOPIC_PATTERN: topicPatternFor(options.consumes),
      BROKER_TOPIC_REFRESH_MS: '500',
      BROKER_MAX_WAIT_MS: '100',
      BROKER_RETRY_MAX_MS: '1000',
      ...options.environment,
    },
    module: AppModule.forRoot,
  });
  const sql = new PgClient({ connectionString: database.url });
  await sql.connect();
  await sql.query('SET search_path TO accord');
  for (const agreement of options.agreements) await insertAgreementVersion(sql, agreement);
  return {
    broker,
    database,
    sql,
    admin,
    async close() {
      await broker.close();
      await sql.end();
      await database.drop();
      await admin.disconnect();
    },
  };
}
