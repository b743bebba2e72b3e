import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { RESTRICTIVE_CONSENT_KINDS } from '@accord/contracts';
import { consentState, subjectKeys } from '@accord/governance';
import { createTestDatabase, type TestDatabase } from '@accord/testing';
import {
  advanceConsentHead,
  agreementsStamp,
  CONSENT_FOR_KEYS,
  consentForKeys,
  consentStatementsFor,
  dataSourceOptions,
  HUB_ENTITIES,
  HUB_MIGRATIONS,
  HUB_SCHEMA,
  loadLatestAgreements,
  openDatabase,
} from '@accord/persistence';

const SECRET = 'governance-state-test-secret-0123456789';

describe('governance state read from the control-plane tables', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('governance_state');
    dataSource = await openDatabase(
      dataSourceOptions({ url: database.url, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS }),
    );
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database.drop();
  });

  async function addVersion(id: string, version: number, status: string): Promise<void> {
    await dataSource.query(
      `INSERT INTO agreement_versions (agreement_id, version, status, provider, document, document_digest, change)
       VALUES ($1, $2, $3, 'southampton.adult-social-care', $4, 'digest', 'applied')`,
      [id, version, status, JSON.stringify({ id, status: 'active', title: `v${version}`, rules: [] })],
    );
  }

  it('gives the latest version of each agreement with the status of that version, and a stamp that moves on change', async () => {
    const before = await agreementsStamp(dataSource.manager);
    await addVersion('care-homes', 1, 'active');
    await addVersion('care-homes', 2, 'suspended');
    await addVersion('discharge', 1, 'active');
    const after = await agreementsStamp(dataSource.manager);

    const latest = await loadLatestAgreements(dataSource.manager);
    expect(latest.map((agreement) => [agreement.id, agreement.version, agreement.status, agreement.title])).toEqual([
      ['care-homes', 2, 'suspended', 'v2'],
      ['discharge', 1, 'active', 'v1'],
    ]);
    expect(after).not.toEqual(before);
    expect(await agreementsStamp(dataSource.manager)).toEqual(after);
  });

  it('finds each person’s statements by keyed hash in one query, and the engine matches them to that person only', async () => {
    const alice = { nhsNumber: '943 476 5919' };
    const bob = { niNumber: 'ab123456c' };
    const carol = { nhsNumber: '9876543210', niNumber: 'AB123456C' };
    const insert = async (subject: { nhsNumber?: string; niNumber?: string }, kind: string) => {
      const keys = subjectKeys(subject, SECRET);
      const id = randomUUID();
      await dataSource.query(
        `INSERT INTO consent_statements (id, nhs_key, ni_key, kind, effective_from) VALUES ($1, $2, $3, $4, now() - interval '1 minute')`,
        [id, keys.nhsNumber ?? null, keys.niNumber ?? null, kind],
      );
      return id;
    };
    const aliceObjects = await insert({ nhsNumber: '9434765919' }, 'object');
    const bobOptsOut = await insert({ niNumber: 'AB 12 34 56 C' }, 'national-opt-out');

    const [forAlice, forBob, forCarol, forNobody] = await consentStatementsFor(dataSource.manager, [alice, bob, carol, {}], SECRET);
    expect(forAlice.map((statement) => statement.id)).toEqual([aliceObjects]);
    expect(forBob.map((statement) => statement.id)).toEqual([bobOptsOut]);
    // Carol shares Bob's NI number, so Bob's opt-out is about her too (docs/contract.md, "Consent": any identifier).
    expect(forCarol.map((statement) => statement.id)).toEqual([bobOptsOut]);
    expect(forNobody).toEqual([]);

    const query = { purpose: 'p', recipient: 'r.s', agreementId: 'a', now: new Date() };
    expect(consentState(forAlice, { ...query, subject: alice }).winner?.kind).toBe('object');
    expect(consentState(forCarol, { ...query, subject: carol }).nationallyOptedOut).toBe(true);
    expect(JSON.stringify(await dataSource.query('SELECT * FROM consent_statements'))).not.toContain('9434765919');
  });

  it('reads the consent head with the statements, from one snapshot: a statement recorded later moved the head past it', async () => {
    const dana = { nhsNumber: '9434765870' };
    const keys = [subjectKeys(dana, SECRET)];
    const before = await consentForKeys(dataSource.manager, [dana], keys);
    expect(before.statements).toEqual([[]]);
    // Recording a statement moves the head in the statement's own transaction (consent-head.ts).
    const id = randomUUID();
    await dataSource.transaction(async (manager) => {
      await advanceConsentHead(manager);
      await manager.query(
        `INSERT INTO consent_statements (id, nhs_key, kind, effective_from) VALUES ($1, $2, 'object', now() - interval '1 minute')`,
        [id, keys[0]!.nhsNumber],
      );
    });
    const after = await consentForKeys(dataSource.manager, [dana], keys);
    expect(after.statements[0]!.map((statement) => statement.id)).toEqual([id]);
    expect(after.consentSeq).toBe(before.consentSeq + 1);
    // No identifiers to look up still gives the head.
    expect((await consentForKeys(dataSource.manager, [{}], [{}])).consentSeq).toBe(after.consentSeq);
  });

  it('reads a batch’s consent by index lookups, whatever the number of statements: it costs the batch, not the table', async () => {
    // 20,000 statements and as many links, as a partnership gathers over the years.
    await dataSource.query(
      `INSERT INTO consent_statements (id, nhs_key, ni_key, kind, effective_from)
       SELECT gen_random_uuid(), CASE WHEN g % 3 <> 0 THEN 'plan-nhs-' || g END, CASE WHEN g % 3 = 0 THEN 'plan-ni-' || g END,
              (ARRAY['grant', 'withdraw', 'object', 'national-opt-out'])[1 + g % 4], now()
         FROM generate_series(1, 20000) AS g`,
    );
    await dataSource.query(`INSERT INTO subject_key_links (nhs_key, ni_key, first_seen_seq) SELECT 'plan-nhs-' || g, 'plan-ni-' || g, g FROM generate_series(1, 20000) AS g`);
    await dataSource.query('ANALYZE consent_statements, subject_key_links');
    try {
      const [{ 'QUERY PLAN': plan }] = await dataSource.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${CONSENT_FOR_KEYS}`, [
        ['plan-nhs-1', 'plan-nhs-2', 'plan-nhs-4', 'plan-nhs-5', 'plan-nhs-7'],
        ['plan-ni-3', 'plan-ni-6', 'plan-ni-9'],
        RESTRICTIVE_CONSENT_KINDS,
      ]);
      // The rows each table's scans went through: returned, or read and filtered out.
      const touched = new Map<string, number>();
      type PlanNode = { 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; 'Rows Removed by Filter'?: number; 'Rows Removed by Index Recheck'?: number; Plans?: PlanNode[] };
      const walk = (node: PlanNode) => {
        const relation = node['Relation Name'];
        if (relation) {
          const rows = (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * node['Actual Loops'];
          touched.set(relation, (touched.get(relation) ?? 0) + rows);
        }
        for (const child of node.Plans ?? []) walk(child);
      };
      walk(plan[0].Plan);
      // Eight people's statements and links: a handful of rows of each table, not 20,000.
      expect(touched.get('consent_statements')).toBeGreaterThan(0);
      expect(touched.get('consent_statements')).toBeLessThan(100);
      expect(touched.get('subject_key_links')).toBeLessThan(100);
    } finally {
      await dataSource.query(`DELETE FROM consent_statements WHERE nhs_key LIKE 'plan-%' OR ni_key LIKE 'plan-%'`);
      await dataSource.query(`DELETE FROM subject_key_links WHERE nhs_key LIKE 'plan-%'`);
    }
  });
});
