import type { MigrationInterface, QueryRunner } from 'typeorm';
import { recordTableSql } from '@accord/domain-service';

/** The records behind the service's event types (docs/domain.md, "Event types"); each row names its data controller. */
export class RevenuesBenefitsRecords1764400000002 implements MigrationInterface {
  name = 'RevenuesBenefitsRecords1764400000002';

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of recordTableSql('housing_benefit_assessments', `
        claim_reference text NOT NULL,
        tenure text NOT NULL,
        eligible_rent numeric NOT NULL,
        weekly_award numeric NOT NULL,
        effective_from date NOT NULL`)) await runner.query(statement);
    for (const statement of recordTableSql('council_tax_reductions', `
        account_reference text NOT NULL,
        weekly_reduction numeric NOT NULL,
        household_size integer NOT NULL,
        effective_from date NOT NULL`)) await runner.query(statement);
    for (const statement of recordTableSql('discretionary_housing_payments', `
        reason text NOT NULL,
        weekly_amount numeric NOT NULL,
        weeks integer NOT NULL,
        awarded_at timestamptz NOT NULL`)) await runner.query(statement);
    for (const statement of recordTableSql('council_tax_discounts', `
        account_reference text NOT NULL,
        discount text NOT NULL,
        effective_from date NOT NULL`)) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE council_tax_discounts');
    await runner.query('DROP TABLE discretionary_housing_payments');
    await runner.query('DROP TABLE council_tax_reductions');
    await runner.query('DROP TABLE housing_benefit_assessments');
  }
}
