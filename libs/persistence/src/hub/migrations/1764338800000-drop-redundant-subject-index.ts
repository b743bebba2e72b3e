import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `decisions_subject (subject_key, decided_at)` duplicated `decisions_subject_seq
 * (subject_key, seq)`: every subject query filters by subject key and reads in seq order,
 * which the second serves (a person has tens of rows, so a time range is a filter over
 * them). Every decision the broker appends paid for both; it now pays for one.
 */
export class DropRedundantSubjectIndex1764338800000 implements MigrationInterface {
  name = 'DropRedundantSubjectIndex1764338800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX IF EXISTS decisions_subject');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX decisions_subject ON decisions (subject_key, decided_at) WHERE subject_key IS NOT NULL');
  }
}
