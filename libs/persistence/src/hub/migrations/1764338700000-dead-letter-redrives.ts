import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Kafka topics are append-only, so which `accord.dlq` records ops already re-published is
 * kept here: one row per redriven DLQ record (its partition and offset). The DLQ view
 * shows pending against redriven from it, and a second redrive of a record does nothing.
 */
export class DeadLetterRedrives1764338700000 implements MigrationInterface {
  name = 'DeadLetterRedrives1764338700000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE dead_letter_redrives (
        dlq_partition integer NOT NULL,
        dlq_offset bigint NOT NULL,
        target_topic text NOT NULL,
        redrive_count integer NOT NULL CHECK (redrive_count > 0),
        redriven_at timestamptz NOT NULL DEFAULT now(),
        redriven_by text NOT NULL,
        PRIMARY KEY (dlq_partition, dlq_offset)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE dead_letter_redrives');
  }
}
