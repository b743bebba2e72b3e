import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The partner delivery's tables (hub-api's own migrations): which participants receive
 * over HTTPS, the inbox records held for them until acknowledged, and each one's cursor.
 */
export class PartnerDelivery1764900000000 implements MigrationInterface {
  name = 'PartnerDelivery1764900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE delivery_subscriptions (
        participant text PRIMARY KEY,
        mode text NOT NULL CHECK (mode IN ('pull')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One row per inbox record: what the participant's Kafka consumer would read, in order.
    await runner.query(`
      CREATE TABLE delivery_records (
        seq bigserial PRIMARY KEY,
        participant text NOT NULL,
        event_id text NOT NULL,
        agreement text NOT NULL,
        message_key text NOT NULL,
        headers jsonb NOT NULL,
        value text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (participant, event_id, agreement)
      )`);
    await runner.query('CREATE INDEX delivery_records_feed ON delivery_records (participant, seq)');
    await runner.query('CREATE INDEX delivery_records_received ON delivery_records (received_at)');
    await runner.query(`
      CREATE TABLE delivery_cursors (
        participant text PRIMARY KEY,
        acked_seq bigint NOT NULL,
        acked_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE delivery_cursors');
    await runner.query('DROP TABLE delivery_records');
    await runner.query('DROP TABLE delivery_subscriptions');
  }
}
