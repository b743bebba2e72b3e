import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The consent registry's head (`consent-head.ts`): one row whose seq every consent
 * statement moves, so that decision writes and withdrawals' notice scans are ordered
 * (docs/architecture.md, "Guarantees", 6). Starts at the number of statements recorded
 * so far.
 */
export class ConsentHead1764339300000 implements MigrationInterface {
  name = 'ConsentHead1764339300000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE TABLE consent_head (id smallint PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL)');
    await runner.query('INSERT INTO consent_head (id, seq) SELECT 1, count(*) FROM consent_statements');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE consent_head');
  }
}
