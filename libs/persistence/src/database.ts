import { Client } from 'pg';
import { DataSource, type DataSourceOptions, type EntityManager, type MixedList, type EntitySchema } from 'typeorm';

export interface DatabaseOptions {
  url: string;
  /** Postgres schema the owner's tables and migration history live in. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  /** Name used in pg_stat_activity, to tell the apps apart. */
  applicationName?: string;
  poolSize?: number;
  /**
   * Plan each prepared statement once per connection (Postgres's `plan_cache_mode =
   * force_generic_plan`) instead of at every execution. Postgres otherwise keeps planning
   * a statement afresh with its parameters when their values might change the plan; for a
   * statement whose plan they cannot change (lookups by a list of keys) that is planning
   * work on every execution. For an app whose statements are all of that kind.
   */
  genericPlans?: boolean;
}

/**
 * The one DataSource options object: the Nest module, the migration CLI and the tests
 * all build theirs here, so they cannot drift. Schema changes are migrations only.
 */
export function dataSourceOptions(options: DatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // TypeORM's error log prints query parameters, which can be personal data: errors surface as exceptions instead.
    logging: false,
    applicationName: options.applicationName,
    // Raw SQL in migrations and queries resolves unqualified names in the owner's schema.
    // No JIT: the hub runs short queries, and Postgres compiles any whose *estimated* cost
    // passes jit_above_cost — e.g. the broker's lookup of a large group's event ids in a
    // table not analysed yet — at 100–300 ms a time (measured), longer than the query.
    // Read committed by default whatever the server's default is: the audit writer relies on
    // each statement seeing what was committed before it (see appendDecisions), and
    // transactions then need no SET TRANSACTION round trip of their own.
    extra: {
      max: options.poolSize ?? 10,
      options:
        `-c search_path=${options.schema},public -c jit=off -c default_transaction_isolation=read\\ committed` +
        (options.genericPlans ? ' -c plan_cache_mode=force_generic_plan' : ''),
    },
  };
}

/** `postgres://…/accord` → the database name and a URL for the maintenance database. */
export function splitDatabaseUrl(url: string): { database: string; maintenanceUrl: string } {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
  parsed.pathname = '/postgres';
  return { database, maintenanceUrl: parsed.toString() };
}

const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Creates the database if it does not exist (first run of `npm start`, a test's own database). */
export async function ensureDatabase(url: string): Promise<void> {
  const { database, maintenanceUrl } = splitDatabaseUrl(url);
  if (!SAFE_IDENTIFIER.test(database)) throw new Error('database name must match [a-z_][a-z0-9_]*');
  const client = new Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount === 0) {
      await client.query(`CREATE DATABASE "${database}"`).catch((error: { code?: string }) => {
        // Another process created it between our check and our create.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

// One lock for every migration run in the cluster: apps that share a schema start together.
const MIGRATION_LOCK_KEY = 0x616363; // "acc"

/** Runs pending migrations under an advisory lock so concurrent starters take turns. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const schema = (dataSource.options as { schema?: string }).schema;
    if (schema && !SAFE_IDENTIFIER.test(schema)) throw new Error('schema name must match [a-z_][a-z0-9_]*');
    if (schema) await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** Creates the database if needed, connects, and migrates: what every app does at start. */
export async function openDatabase(options: DataSourceOptions & { url?: string }): Promise<DataSource> {
  if (options.url) await ensureDatabase(options.url);
  const dataSource = await new DataSource(options).initialize();
  try {
    await runMigrations(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/** node-postgres's client, as TypeORM's query runner holds it: a named statement is prepared once per connection. */
interface PreparingClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs one of the statements the broker sends on every batch as a named prepared
 * statement: Postgres parses it once per connection and, once it has seen a few calls,
 * keeps a plan, where an unnamed statement is parsed and planned on each call (a third of
 * the decision append's cost in Postgres, measured). On the manager's own connection
 * inside a transaction, on a pooled one otherwise. `name` must be unique to `text`.
 */
export async function preparedQuery<T>(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const client = (await runner.connect()) as PreparingClient;
    const { rows } = await client.query({ name, text, values });
    return rows as T[];
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}
