import type { DataSource } from 'typeorm';
import { generateDevelopmentKeyPair, hashRecord, signCheckpoint, type ChainedDecision, type SealedHead } from '@accord/audit-chain';
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
import { verifyAuditLog, type AuditVerificationReport } from '../src/audit/audit-verification';

/*
 * Verification reads the partition chains in ranges, two at a time on separate
 * connections, each range by its own verifier starting from every chain's last stored row
 * before it, and joins their verdicts. Whatever was done to the rows, the report must be
 * exactly the one a single verifier reading every row in order gives (a range larger than
 * the log). The rows interleave three chains; v1 checkpoints seal rows 6 and 20, a v2
 * checkpoint the cut at 13. Tampering is committed, as the ranges are read on other
 * connections, and undone after each case.
 */

type Statements = Array<string | [string, unknown[]]>;

const KEYS = generateDevelopmentKeyPair();
const ROWS = 40;
const CHAINS = 3;
const CHECKPOINTS = [6, 13, 20];
const CUT = 13;

describe('verifying the audit log in ranges verified at once', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let rows: ChainedDecision[];

  /** As a database owner would: past the append-only triggers. */
  const owner = (...statements: Statements) =>
    dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL session_replication_role = replica');
      for (const statement of statements) {
        if (typeof statement === 'string') await manager.query(statement);
        else await manager.query(statement[0], statement[1]);
      }
    });

  const verify = async (chunkSize: number): Promise<Omit<AuditVerificationReport, 'verifiedAt'>> => {
    const { verifiedAt: _, ...report } = await verifyAuditLog(dataSource.manager, { publicKeys: [KEYS.publicKey], chunkSize });
    return report;
  };

  beforeAll(async () => {
    database = await createTestDatabase('audit_ranges');
    dataSource = await openDatabase(
      dataSourceOptions({ url: database.url, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS, poolSize: 6 }),
    );
    rows = [];
    for (let start = 0; start < ROWS; start += 7) {
      const batch = Array.from({ length: Math.min(7, ROWS - start) }, (_, i) =>
        exampleDecision({ partition: (start + i) % CHAINS, offset: String(start + i), purpose: i % 3 === 0 ? null : `purpose "${i}"` }),
      );
      rows.push(...(await dataSource.transaction((manager) => appendDecisions(manager, batch))));
    }
    const { root } = await cutAuditLog(dataSource.manager);
    for (const seq of CHECKPOINTS) {
      const signedAt = '2026-04-01T12:00:00.000Z';
      const seal = seq === CUT ? { root, heads: [...lastRowOfEachChain(rows.slice(0, CUT)).values()], signedAt } : { seq, hash: rows[seq - 1]!.hash, signedAt };
      await insertCheckpoint(dataSource.manager, signCheckpoint(seal, KEYS.privateKey));
    }
    for (const table of ['decisions', 'audit_checkpoints', 'audit_chain_heads']) {
      await dataSource.query(`CREATE TABLE ${table}_original AS SELECT * FROM ${table}`);
    }
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });
  afterEach(async () => {
    await owner(
      ...['decisions', 'audit_checkpoints', 'audit_chain_heads'].flatMap((table) => [`DELETE FROM ${table}`, `INSERT INTO ${table} SELECT * FROM ${table}_original`]),
    );
  });

  it('verifies the intact chain in ranges, every row and checkpoint checked once', async () => {
    for (const chunkSize of [1, 3, 4, 7, 1_000]) {
      expect(await verify(chunkSize)).toMatchObject({
        ok: true,
        checked: ROWS,
        checkpointsChecked: CHECKPOINTS.length,
        lastCheckpoint: { seq: CHECKPOINTS.at(-1) },
        fromSeq: 1,
        throughSeq: ROWS,
      });
    }
  });

  /** A rewrite of rows `from`..end with every hash recomputed: only the signed checkpoints catch it. */
  const rewriteFrom = (from: number): Array<[string, unknown[]]> => {
    const statements: Array<[string, unknown[]]> = [];
    const previous = new Map([...lastRowOfEachChain(rows.slice(0, from - 1))].map(([partition, head]) => [partition, head.hash]));
    for (const row of rows.slice(from - 1)) {
      const edited = { ...row, prevHash: previous.get(row.partition)!, ...(row.seq === from ? { outcome: 'withheld' as const } : {}) };
      edited.hash = hashRecord(edited);
      statements.push(['UPDATE decisions SET outcome = $1, prev_hash = $2, hash = $3 WHERE seq = $4', [edited.outcome, edited.prevHash, edited.hash, row.seq]]);
      previous.set(row.partition, edited.hash);
    }
    for (const [partition, hash] of previous) statements.push(['UPDATE audit_chain_heads SET hash = $1 WHERE kafka_partition = $2', [hash, partition]]);
    return statements;
  };

  // Ranges of 3 end at 3, 6, 9, 12, …; of 4 at 4, 8, 12, …; checkpoints seal 6, 13 and 20.
  it.each<[string, Statements | (() => Statements)]>([
    ['an edit to the last row of a range', ["UPDATE decisions SET purpose = 'x' WHERE seq = 3"]],
    ['an edit to the first row of a range', ["UPDATE decisions SET purpose = 'x' WHERE seq = 4"]],
    ['an edit to a sealed row at a range end', ["UPDATE decisions SET purpose = 'x' WHERE seq = 6"]],
    ['another valid-looking hash on the row a range starts after', [`UPDATE decisions SET hash = '${'5'.repeat(64)}' WHERE seq = 3`]],
    ['a hash that is not one on the row a range starts after', ["UPDATE decisions SET hash = 'not a hash' WHERE seq = 9"]],
    ['the row a range starts after deleted', ['DELETE FROM decisions WHERE seq = 3']],
    ['the first row of a range deleted', ['DELETE FROM decisions WHERE seq = 4']],
    ['a sealed row deleted', ['DELETE FROM decisions WHERE seq = 6']],
    ['rows across a range end and a checkpoint deleted', ['DELETE FROM decisions WHERE seq BETWEEN 5 AND 8']],
    ['rows swapped across a range end', ['UPDATE decisions SET seq = -seq WHERE seq IN (3, 4)', 'UPDATE decisions SET seq = CASE WHEN seq = -3 THEN 4 ELSE 3 END WHERE seq < 0']],
    ['a row renumbered past the end', ['UPDATE decisions SET seq = 1000 WHERE seq = 12']],
    ['every hash recomputed after an edit', () => rewriteFrom(8)],
    ['a checkpoint signature broken', ["UPDATE audit_checkpoints SET signed_at = signed_at + interval '1 second' WHERE seq = 13"]],
    ['a checkpoint moved onto another row', ['UPDATE audit_checkpoints SET seq = 12 WHERE seq = 13']],
    ['rows cut from the end, the head moved back, a checkpoint left beyond it', [
      'DELETE FROM decisions WHERE seq > 18',
      'UPDATE audit_checkpoints SET seq = 20 WHERE seq = 20',
      ['UPDATE audit_chain_heads SET seq = 18, hash = $1', [`${'0'.repeat(63)}1`]],
    ]],
    ['two edits in different ranges', ["UPDATE decisions SET purpose = 'x' WHERE seq IN (11, 27)"]],
    ['a row moved to another chain', ['UPDATE decisions SET kafka_partition = 2 WHERE seq = 8']],
    ["a chain's head moved back, leaving its last rows beyond it", () => [['UPDATE audit_chain_heads SET seq = $1, hash = $2 WHERE kafka_partition = 1', [rows[31]!.seq, rows[31]!.hash]]]],
    ['the sealed cut signed again over other heads', ["UPDATE audit_checkpoints SET heads = jsonb_set(heads, '{0,hash}', to_jsonb(repeat('6', 64))) WHERE seq = 13"]],
  ])('reports %s exactly as one verifier over every row does', async (_case, statements) => {
    await owner(...(typeof statements === 'function' ? statements() : statements));
    const whole = await verify(1_000);
    expect(whole.ok).toBe(false);
    for (const chunkSize of [1, 3, 4, 7]) {
      expect({ chunkSize, ...(await verify(chunkSize)) }).toEqual({ chunkSize, ...whole });
    }
  });

  it('undoes each case: the restored chain reads back as written', async () => {
    expect(await readDecisionsAfter(dataSource.manager, 0, ROWS, ROWS)).toEqual(rows);
  });
});

/** Each chain's (here: each partition's) last row among `rows`, as a sealed head. */
function lastRowOfEachChain(rows: readonly ChainedDecision[]): Map<number, SealedHead> {
  return new Map(rows.map((row) => [row.partition, { seq: row.seq, hash: row.hash, topic: row.topic, partition: row.partition }]));
}
