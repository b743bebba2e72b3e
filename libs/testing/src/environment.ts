import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { Client } from 'pg';

export const REPOSITORY_ROOT = resolve(__dirname, '../../..');
export const TEST_KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
/** The development PKI the test broker trusts: hub identities, reference participants, and the test participants issued into it. */
export const TEST_KAFKA_TLS_DIR = process.env.KAFKA_TLS_DIR ?? resolve(REPOSITORY_ROOT, process.env.ACCORD_RUN_DIR ?? '.run', 'pki');
export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function postgresReachable(url = TEST_POSTGRES_URL): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts the development Kafka broker unless one already answers (infra/kafka/kafka.sh is idempotent). */
export function ensureKafka(): void {
  execFileSync('bash', [resolve(REPOSITORY_ROOT, 'infra/kafka/kafka.sh'), 'start'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  });
}
