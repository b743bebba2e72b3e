import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { dataSourceOptions, HUB_ENTITIES, HUB_MIGRATIONS, HUB_SCHEMA, openDatabase } from '@accord/persistence';
import { documentDigest, type ConsentRow, type Scenario } from './scenario';

/** Only databases whose name says they are the benchmark's are ever created or dropped here. */
const BENCH_DATABASE = /^accord_bench[a-z0-9_]*$/;

export function databaseUrl(maintenanceUrl: string, name: string): string {
  const url = new URL(maintenanceUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function assertBenchDatabase(name: string): void {
  if (!BENCH_DATABASE.test(name)) throw new Error(`refusing to touch database ${name}: benchmark databases are named accord_bench*`);
}

export async function databaseExists(maintenanceUrl: string, name: string): Promise<boolean> {
  return withClient(maintenanceUrl, async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

export async function dropDatabase(maintenanceUrl: string, name: string): Promise<void> {
  assertBenchDatabase(name);
  await withClient(maintenanceUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** A fresh, migrated hub database (the schema the broker and hub-api use). */
export async function createHubDatabase(maintenanceUrl: string, name: string): Promise<{ url: string; dataSource: DataSource }> {
  assertBenchDatabase(name);
  await dropDatabase(maintenanceUrl, name);
  await withClient(maintenanceUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = databaseUrl(maintenanceUrl, name);
  return { url, dataSource: await openHubDatabase(url) };
}

/** Opens and migrates; the migration runner holds one connection while migrating with another, so at least 2. */
export async function openHubDatabase(url: string, poolSize = 4): Promise<DataSource> {
  return openDatabase(
    dataSourceOptions({ url, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS, applicationName: 'accord-bench', poolSize: Math.max(2, poolSize) }),
  );
}

/** Registers the run's participants and applies its agreements (version 1, active), as `npm start` would through hub-api. */
export async function seedGovernance(dataSource: DataSource, scenario: Scenario): Promise<void> {
  for (const participant of scenario.participants) {
    await dataSource.query(
      `INSERT INTO participants (id, organisation, system, display_name) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
      [participant.id, participant.organisation, participant.system, participant.displayName],
    );
  }
  for (const agreement of scenario.agreements) {
    await dataSource.query(
      `INSERT INTO agreement_versions (agreement_id, version, status, provider, document, document_digest, change, applied_by)
       VALUES ($1, 1, $2, $3, $4, $5, 'applied', 'benchmark')`,
      [agreement.id, agreement.status, agreement.provider, JSON.stringify(agreement), documentDigest(agreement)],
    );
  }
}

/** Inserts consent statements in large multi-row statements; effective since yesterday. */
export async function insertConsentStatements(dataSource: DataSource, rows: readonly ConsentRow[], effectiveFrom = new Date(Date.now() - 86_400_000)): Promise<void> {
  for (let start = 0; start < rows.length; start += 5000) {
    const chunk = rows.slice(start, start + 5000);
    await dataSource.query(
      `INSERT INTO consent_statements (id, nhs_key, ni_key, kind, scope_purpose, scope_recipient, scope_agreement_id, effective_from, recorded_by, evidence)
       SELECT id, nhs_key, ni_key, kind, scope_purpose, scope_recipient, scope_agreement_id, $8, 'benchmark', 'generated'
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
           AS input(id, nhs_key, ni_key, kind, scope_purpose, scope_recipient, scope_agreement_id)`,
      [
        chunk.map((row) => row.id),
        chunk.map((row) => row.nhsKey),
        chunk.map((row) => row.niKey),
        chunk.map((row) => row.kind),
        chunk.map((row) => row.scopePurpose),
        chunk.map((row) => row.scopeRecipient),
        chunk.map((row) => row.scopeAgreementId),
        effectiveFrom,
      ],
    );
  }
}
