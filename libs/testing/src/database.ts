import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { TEST_POSTGRES_URL } from './environment';

export interface TestDatabase {
  /** `postgres://…/<name>` for the app under test (DATABASE_URL). */
  url: string;
  name: string;
  /** Drops the database, disconnecting anything still attached. */
  drop(): Promise<void>;
}

async function withMaintenanceClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A database of the test file's own, so test files run in parallel and leave nothing
 * behind. Call `drop()` in afterAll.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const safeLabel = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
  const name = `accord_test_${safeLabel}_${randomBytes(4).toString('hex')}`;
  await withMaintenanceClient((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withMaintenanceClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
