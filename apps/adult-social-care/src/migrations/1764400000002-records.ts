import type { MigrationInterface, QueryRunner } from 'typeorm';
import { recordTableSql } from '@accord/domain-service';

/** The records behind the service's event types (docs/domain.md, "Event types"); each row names its data controller. */
export class AdultSocialCareRecords1764400000002 implements MigrationInterface {
  name = 'AdultSocialCareRecords1764400000002';

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of recordTableSql('assessments', `
        assessment_type text NOT NULL,
        eligible_needs_identified boolean NOT NULL,
        primary_support_reason text,
        has_unpaid_carer boolean NOT NULL,
        completed_at timestamptz NOT NULL,
        team text`)) await runner.query(statement);
    for (const statement of recordTableSql('services', `
        service_type text NOT NULL,
        delivery_mechanism text NOT NULL,
        provider_cqc_location_id text,
        planned_units_per_week numeric,
        weekly_cost numeric,
        start_date date NOT NULL,
        end_date date,
        end_reason text,
        ended_event_id uuid UNIQUE`)) await runner.query(statement);
    for (const statement of recordTableSql('safeguarding_concerns', `
        concern_id text NOT NULL,
        types_of_risk text[] NOT NULL,
        location_type text NOT NULL,
        source_of_risk text NOT NULL,
        s42_enquiry_started boolean NOT NULL,
        raised_at timestamptz NOT NULL`)) await runner.query(statement);
    for (const statement of recordTableSql('reviews', `
        review_reason text NOT NULL,
        outcomes_achieved boolean NOT NULL,
        completed_at timestamptz NOT NULL`)) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE reviews');
    await runner.query('DROP TABLE safeguarding_concerns');
    await runner.query('DROP TABLE services');
    await runner.query('DROP TABLE assessments');
  }
}
