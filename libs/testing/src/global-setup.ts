import 'reflect-metadata';
import { ensureKafka, postgresReachable, TEST_POSTGRES_URL } from './environment';
import { removeTestIdentities } from './kafka';

/**
 * Integration and end-to-end tests run against the real Kafka broker and Postgres. This
 * makes sure both are there before any test file starts; it never mocks either.
 */
export default async function globalSetup(): Promise<void> {
  if (!(await postgresReachable())) {
    throw new Error(`Postgres is not reachable at ${new URL(TEST_POSTGRES_URL).host}; start it (see docs/development.md) and retry`);
  }
  ensureKafka();
  await removeTestIdentities();
}
