import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One audit chain per events-topic partition (issue 19, docs/audit-chains.md): broker
 * instances append to the partitions they own without waiting for each other.
 *
 * - `audit_chain_root`: where the single chain ended (its seq, the boundary, and hash):
 *   rows up to the boundary keep the single chain's rule; every partition chain's first
 *   row links to this hash. Written once, here.
 * - `audit_chain_heads`: each partition chain's last row, locked by its writer.
 * - `decisions_seq`: seqs after the boundary. A seq drawn and not appended (an append
 *   that failed, or lost a race for its chain) leaves a gap, which verification allows.
 * - `audit_cut`: the highest seq a checkpoint has cut at. Every append share-locks it and
 *   only appends seqs above it; the sealer moves it, so that after a cut no row at or
 *   below it can still commit (what lets verification resume at a checkpoint).
 * - `audit_checkpoints` gains a v2 checkpoint's root and heads. A v2 checkpoint is taken
 *   at a cut, so its seq (its newest head's) orders it among the rows as a v1 one's does.
 */
export class AuditPartitionChains1764339500000 implements MigrationInterface {
  name = 'AuditPartitionChains1764339500000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE TABLE audit_chain_root (id smallint PRIMARY KEY CHECK (id = 1), boundary_seq bigint NOT NULL, hash text NOT NULL)');
    await runner.query('INSERT INTO audit_chain_root (id, boundary_seq, hash) SELECT 1, seq, hash FROM audit_chain_head WHERE id = 1');
    await runner.query(`
      CREATE TABLE audit_chain_heads (
        topic text NOT NULL,
        kafka_partition integer NOT NULL,
        seq bigint NOT NULL,
        hash text NOT NULL,
        PRIMARY KEY (topic, kafka_partition)
      )`);
    await runner.query('DROP TABLE audit_chain_head');
    const [{ boundary }] = await runner.query('SELECT boundary_seq AS boundary FROM audit_chain_root');
    await runner.query(`CREATE SEQUENCE decisions_seq MINVALUE 1 START WITH ${Number(boundary) + 1}`);
    await runner.query('CREATE TABLE audit_cut (id smallint PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL)');
    await runner.query('INSERT INTO audit_cut (id, seq) SELECT 1, boundary_seq FROM audit_chain_root');
    await runner.query('ALTER TABLE audit_checkpoints ADD COLUMN root_seq bigint, ADD COLUMN root_hash text, ADD COLUMN heads jsonb');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE audit_checkpoints DROP COLUMN root_seq, DROP COLUMN root_hash, DROP COLUMN heads');
    await runner.query('DROP TABLE audit_cut');
    await runner.query('DROP SEQUENCE decisions_seq');
    await runner.query('CREATE TABLE audit_chain_head (id smallint PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL)');
    await runner.query('INSERT INTO audit_chain_head (id, seq, hash) SELECT 1, boundary_seq, hash FROM audit_chain_root');
    await runner.query('DROP TABLE audit_chain_heads');
    await runner.query('DROP TABLE audit_chain_root');
  }
}
