import type { DataSource } from 'typeorm';
import { chain, generateDevelopmentKeyPair, GENESIS_HASH, signCheckpoint, type ChainedDecision, type UnchainedDecision } from '@accord/audit-chain';
import {
  appendDecisions,
  cutAuditLog,
  dataSourceOptions,
  HUB_ENTITIES,
  HUB_MIGRATIONS,
  HUB_SCHEMA,
  insertCheckpoint,
  openDatabase,
  readDecisionsAfter,
} from '@accord/persistence';
import { createTestDatabase, exampleDecision, type TestDatabase } from '@accord/testing';
import { verifyAuditLog } from '../src/audit/audit-verification';

/*
 * A hub that ran before partition chains (docs/audit-chains.md) has one chain, written
 * under the one-row `audit_chain_head`, with v1 checkpoints. The migration keeps it as
 * the single-chain prefix up to the root; decisions after it go to partition chains that
 * start at the root's hash; verification reads both and catches tampering on either side.
 */

const KEYS = generateDevelopmentKeyPair();
const [ASC, RB] = ['accord.events.southampton.adult-social-care', 'accord.events.southampton.revenues-benefits'];
const LEGACY_ROWS = 10;

const decision = (topic: string, partition: number, offset: number): UnchainedDecision =>
  exampleDecision({ topic, partition, offset: String(offset), decidedAt: '2026-04-01T09:30:00.000Z' });

const COLUMNS = [
  'seq', 'decision_id', 'event_id', 'event_type', 'source', 'recipient', 'agreement_id', 'agreement_version', 'purpose', 'lawful_basis',
  'outcome', 'reasons', 'fields_released', 'fields_withheld', 'consent_refs', 'subject_key', 'payload_digest', 'topic',
  'kafka_partition', 'kafka_offset', 'decided_at', 'prev_hash', 'hash',
];

/** The rows as the single-chain writer stored them (it is gone: its rows are written here as it wrote them). */
async function insertLegacyRows(dataSource: DataSource, rows: ChainedDecision[]): Promise<void> {
  for (const row of rows) {
    await dataSource.query(`INSERT INTO decisions (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`, [
      row.seq, row.decisionId, row.eventId, row.eventType, row.source, row.recipient, row.agreementId, row.agreementVersion, row.purpose,
      JSON.stringify(row.lawfulBasis), row.outcome, row.reasons, row.fieldsReleased, row.fieldsWithheld, row.consentRefs, row.subjectKey,
      row.payloadDigest, row.topic, row.partition, row.offset, row.decidedAt, row.prevHash, row.hash,
    ]);
  }
  const last = rows[rows.length - 1]!;
  await dataSource.query('UPDATE audit_chain_head SET seq = $1, hash = $2 WHERE id = 1', [last.seq, last.hash]);
}

describe('an audit log of one chain upgraded to partition chains', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let legacy: ChainedDecision[];
  let after: ChainedDecision[];

  const open = (migrations: typeof HUB_MIGRATIONS) =>
    openDatabase(dataSourceOptions({ url: database.url, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations, poolSize: 4 }));

  /** Verification with `statements` applied as a database owner would, past the append-only guard, then undone. */
  async function verifyTamperedWith(...statements: Array<[string, unknown[]]>) {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('SET LOCAL session_replication_role = replica');
      for (const [sql, parameters] of statements) await runner.query(sql, parameters);
      return await verifyAuditLog(runner.manager, { publicKeys: [KEYS.publicKey] });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase('audit_upgrade');
    const before = await open(HUB_MIGRATIONS.slice(0, -1));
    try {
      legacy = chain(
        Array.from({ length: LEGACY_ROWS }, (_, i) => decision(i % 2 === 0 ? ASC : RB, i % 3, i)),
        null,
      );
      await insertLegacyRows(before, legacy);
      const sealed = signCheckpoint({ seq: 6, hash: legacy[5]!.hash, signedAt: '2026-04-01T10:00:00.000Z' }, KEYS.privateKey);
      await before.query('INSERT INTO audit_checkpoints (seq, hash, signed_at, signature, key_id) VALUES ($1, $2, $3, $4, $5)', [
        sealed.seq, sealed.hash, sealed.signedAt, sealed.signature, sealed.keyId,
      ]);
    } finally {
      await before.destroy();
    }

    dataSource = await open(HUB_MIGRATIONS);
    after = await dataSource.transaction((manager) => appendDecisions(manager, [decision(ASC, 0, 100), decision(RB, 1, 101), decision(ASC, 0, 102)]));
    // A v2 checkpoint at a cut, as the sealer takes it, then more rows after it.
    const cut = await cutAuditLog(dataSource.manager);
    await insertCheckpoint(dataSource.manager, signCheckpoint({ root: cut.root, heads: cut.heads, signedAt: '2026-04-01T11:00:00.000Z' }, KEYS.privateKey));
    after.push(...(await dataSource.transaction((manager) => appendDecisions(manager, [decision(RB, 1, 103), decision(ASC, 2, 104)]))));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('keeps the single chain as the prefix up to the root, and starts every partition chain at the root', async () => {
    const [root] = await dataSource.query('SELECT boundary_seq::int AS seq, hash FROM audit_chain_root');
    expect(root).toEqual({ seq: LEGACY_ROWS, hash: legacy.at(-1)!.hash });
    expect(after.map((row) => row.seq)).toEqual([11, 12, 13, 14, 15]);
    // The first row of each partition chain links to the root, the next ones to their chain's previous row.
    expect(after.map((row) => row.prevHash)).toEqual([root.hash, root.hash, after[0]!.hash, after[1]!.hash, root.hash]);
    expect(await readDecisionsAfter(dataSource.manager, 0, LEGACY_ROWS, LEGACY_ROWS)).toEqual(legacy);
    expect(legacy[0]!.prevHash).toBe(GENESIS_HASH);
  });

  it('verifies the whole log, both checkpoints included', async () => {
    expect(await verifyAuditLog(dataSource.manager, { publicKeys: [KEYS.publicKey] })).toMatchObject({
      ok: true,
      checked: LEGACY_ROWS + after.length,
      checkpointsChecked: 2,
      fromSeq: 1,
      throughSeq: 15,
    });
  });

  it('verifies the single chain in ranges, two at a time off a transaction, as one range does: intact or tampered with', async () => {
    const verify = async (chunkSize?: number) => {
      const { verifiedAt: _, ...report } = await verifyAuditLog(dataSource.manager, { publicKeys: [KEYS.publicKey], ...(chunkSize ? { chunkSize } : {}) });
      return report;
    };
    // Committed, as the ranges are read on other connections, and undone after each case.
    const owner = (...statements: string[]) =>
      dataSource.transaction(async (manager) => {
        await manager.query('SET LOCAL session_replication_role = replica');
        for (const statement of statements) await manager.query(statement);
      });
    const cases = [
      [],
      ["UPDATE decisions SET purpose = 'edited' WHERE seq = 3"],
      ['DELETE FROM decisions WHERE seq = 4'],
      [`UPDATE decisions SET hash = '${'5'.repeat(64)}' WHERE seq = 4`],
      ["UPDATE decisions SET purpose = 'edited' WHERE seq = 6"],
      ['DELETE FROM decisions WHERE seq = 9'],
    ];
    await dataSource.query('CREATE TABLE decisions_kept AS SELECT * FROM decisions');
    try {
      for (const tampering of cases) {
        try {
          await owner(...tampering);
          const whole = await verify();
          expect({ tampering, ok: whole.ok }).toEqual({ tampering, ok: tampering.length === 0 });
          if (tampering.length > 0) expect(whole.firstBrokenSeq).toBeLessThanOrEqual(LEGACY_ROWS);
          for (const chunkSize of [1, 2, 3, 4, 7]) {
            expect({ tampering, chunkSize, ...(await verify(chunkSize)) }).toEqual({ tampering, chunkSize, ...whole });
          }
        } finally {
          await owner('DELETE FROM decisions', 'INSERT INTO decisions SELECT * FROM decisions_kept');
        }
      }
    } finally {
      await dataSource.query('DROP TABLE decisions_kept');
    }
  });

  it('names an edited row on either side of the root, the root row itself, and an edited root', async () => {
    for (const seq of [3, LEGACY_ROWS, 12, 14]) {
      const report = await verifyTamperedWith([`UPDATE decisions SET purpose = 'edited' WHERE seq = $1`, [seq]]);
      expect({ seq, ok: report.ok, firstBrokenSeq: report.firstBrokenSeq }).toEqual({ seq, ok: false, firstBrokenSeq: seq });
    }
    const root = await verifyTamperedWith([`UPDATE audit_chain_root SET hash = $1`, ['7'.repeat(64)]]);
    expect(root).toMatchObject({ ok: false, firstBrokenSeq: LEGACY_ROWS });
  });

  it('names a deleted partition row by its chain successor (itself when a checkpoint sealed it as a head), and a row added beyond a chain head', async () => {
    const deleted = await verifyTamperedWith(['DELETE FROM decisions WHERE seq = $1', [11]]);
    expect(deleted).toMatchObject({ ok: false, firstBrokenSeq: 13, checked: LEGACY_ROWS + 1 });
    const sealedHead = await verifyTamperedWith(['DELETE FROM decisions WHERE seq = $1', [12]]);
    expect(sealedHead).toMatchObject({ ok: false, firstBrokenSeq: 12 });
    const added = await verifyTamperedWith([
      `INSERT INTO decisions (${COLUMNS.join(', ')}) SELECT 99, gen_random_uuid(), ${COLUMNS.slice(2).join(', ')} FROM decisions WHERE seq = 15`,
      [],
    ]);
    expect(added).toMatchObject({ ok: false, firstBrokenSeq: 99 });
  });
});
