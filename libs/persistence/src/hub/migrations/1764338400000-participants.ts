import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Participants1764338400000 implements MigrationInterface {
  name = 'Participants1764338400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE participants (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]+\\.[a-z0-9-]+$'),
        organisation text NOT NULL,
        system text NOT NULL,
        display_name text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE participants');
  }
}
