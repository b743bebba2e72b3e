import type { MigrationInterface, QueryRunner } from 'typeorm';
import { recordTableSql } from '@accord/domain-service';

/** The records behind the service's event types (docs/domain.md, "Event types"); each row names its data controller. */
export class PublicHealthRecords1764400000002 implements MigrationInterface {
  name = 'PublicHealthRecords1764400000002';

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of recordTableSql('immunisations', `
        vaccine_code text NOT NULL,
        target_disease text NOT NULL,
        dose_number integer NOT NULL,
        administered_at timestamptz NOT NULL,
        lot_number text,
        site text,
        route text,
        performer text`)) await runner.query(statement);
    for (const statement of recordTableSql('health_checks', `
        systolic integer NOT NULL,
        diastolic integer NOT NULL,
        cholesterol_ratio numeric,
        bmi numeric NOT NULL,
        smoking_status text NOT NULL,
        qrisk_score numeric,
        completed_at timestamptz NOT NULL`)) await runner.query(statement);
    for (const statement of recordTableSql('notifiable_diseases', `
        disease text NOT NULL,
        onset_date date,
        notified_at timestamptz NOT NULL,
        notifier text NOT NULL,
        occupation text,
        setting text`)) await runner.query(statement);
    for (const statement of recordTableSql('substance_misuse_referrals', `
        referral_source text NOT NULL,
        problem_substances text[] NOT NULL,
        injecting_status text NOT NULL,
        referred_at timestamptz NOT NULL,
        consent_to_ndtms boolean NOT NULL`)) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE substance_misuse_referrals');
    await runner.query('DROP TABLE notifiable_diseases');
    await runner.query('DROP TABLE health_checks');
    await runner.query('DROP TABLE immunisations');
  }
}
