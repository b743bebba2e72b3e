import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The partner delivery's tables (hub-api's own migrations): which participants receive
 * over HTTPS and how (pull, or a webhook with its signing secret), the inbox records held
 * for them until acknowledged or delivered, each one's cursor, each webhook's state, and
 * the records a webhook refused for the whole retry period.
 */
export class PartnerDelivery1764900000000 implements MigrationInterface {
  name = 'PartnerDelivery1764900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE delivery_subscriptions (
        participant text PRIMARY KEY,
        mode text NOT NULL CHECK (mode IN ('pull', 'webhook')),
        url text,
        secret text,
        previous_secret text,
        previous_secret_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((mode = 'webhook') = (url IS NOT NULL AND secret IS NOT NULL))
      )`);
    // Where each webhook endpoint stands: its head record's attempts, and since when it fails.
    await runner.query(`
      CREATE TABLE delivery_webhook_state (
        participant text PRIMARY KEY,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        failing_since timestamptz,
        last_error text,
        last_delivered_at timestamptz
      )`);
    // Records a webhook endpoint refused for the whole retry period: held for ops to redrive.
    await runner.query(`
      CREATE TABLE delivery_dead_letters (
        id bigserial PRIMARY KEY,
        participant text NOT NULL,
        event_id text NOT NULL,
        agreement text NOT NULL,
        message_key text NOT NULL,
        headers jsonb NOT NULL,
        value text NOT NULL,
        reason text NOT NULL,
        attempts integer NOT NULL,
        failing_since timestamptz NOT NULL,
        dead_lettered_at timestamptz NOT NULL DEFAULT now(),
        redriven_at timestamptz
      )`);
    await runner.query('CREATE INDEX delivery_dead_letters_participant ON delivery_dead_letters (participant, id)');
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
    await runner.query('DROP TABLE delivery_dead_letters');
    await runner.query('DROP TABLE delivery_webhook_state');
    await runner.query('DROP TABLE delivery_subscriptions');
  }
}
