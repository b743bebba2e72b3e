import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `inbox_receipts` (one row per inbox record seen, the de-duplication key) and
 * `work_items`; each domain service adds it to its own migrations.
 */
export function inboxMigration(timestamp: number): new () => MigrationInterface {
  const name = `Inbox${timestamp}`;
  return class implements MigrationInterface {
    name = name;
    async up(runner: QueryRunner): Promise<void> {
      // Recipients de-duplicate on (ce_id, ce_accordagreement); the participant is part of the
      // key because one agreement may name several councils served by the same instance.
      await runner.query(`
        CREATE TABLE inbox_receipts (
          participant text NOT NULL,
          event_id text NOT NULL,
          agreement text NOT NULL,
          event_type text,
          outcome text NOT NULL,
          received_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (participant, event_id, agreement)
        )`);
      await runner.query(`
        CREATE TABLE work_items (
          id uuid PRIMARY KEY,
          seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
          participant text NOT NULL,
          kind text NOT NULL,
          summary text NOT NULL,
          details jsonb NOT NULL,
          event_id text NOT NULL,
          event_type text NOT NULL,
          source text NOT NULL,
          event_time text,
          agreement text NOT NULL,
          purpose text NOT NULL,
          decision_id text NOT NULL,
          record jsonb NOT NULL,
          received_at timestamptz NOT NULL DEFAULT now()
        )`);
      await runner.query('CREATE INDEX work_items_by_participant ON work_items (participant, seq DESC)');
    }
    async down(runner: QueryRunner): Promise<void> {
      await runner.query('DROP TABLE work_items');
      await runner.query('DROP TABLE inbox_receipts');
    }
  };
}
