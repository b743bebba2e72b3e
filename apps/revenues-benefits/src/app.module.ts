import { Module, type DynamicModule } from '@nestjs/common';
import { outboxMigration } from '@accord/kafka';
import { listSetting } from '@accord/platform';
import { DOMAIN_SERVICE_ENTITIES, DomainServiceModule, domainServiceCoreModules, hubAuthentication, participantKafka, inboxMigration, type DomainServiceOptions } from '@accord/domain-service';
import type { RevenuesBenefitsEnvironment } from './environment';
import { CouncilTaxDiscountEntity } from './council-tax-discounts/council-tax-discount.entity';
import { CouncilTaxDiscountsModule } from './council-tax-discounts/council-tax-discounts.module';
import { CouncilTaxReductionEntity } from './council-tax-reductions/council-tax-reduction.entity';
import { CouncilTaxReductionsModule } from './council-tax-reductions/council-tax-reductions.module';
import { DiscretionaryHousingPaymentEntity } from './discretionary-housing-payments/discretionary-housing-payment.entity';
import { DiscretionaryHousingPaymentsModule } from './discretionary-housing-payments/discretionary-housing-payments.module';
import { HousingBenefitAssessmentEntity } from './housing-benefit-assessments/housing-benefit-assessment.entity';
import { HousingBenefitAssessmentsModule } from './housing-benefit-assessments/housing-benefit-assessments.module';
import { REVENUES_BENEFITS_INBOX } from './inbox/inbox-handlers';
import { RevenuesBenefitsRecords1764400000002 } from './migrations/1764400000002-records';

/** The service's own schema; its records, outbox and inbox tables come with their migrations. */
export const SCHEMA = 'rb';
/** The outbox relay's advisory-lock namespace ("rb"), distinct from the other services'. */
const OUTBOX_LOCK_NAMESPACE = 0x7262;

export const ENTITIES = [
  HousingBenefitAssessmentEntity,
  CouncilTaxReductionEntity,
  DiscretionaryHousingPaymentEntity,
  CouncilTaxDiscountEntity,
  ...DOMAIN_SERVICE_ENTITIES,
];
export const MIGRATIONS = [outboxMigration(1764400000000), inboxMigration(1764400000001), RevenuesBenefitsRecords1764400000002];

@Module({})
export class AppModule {
  /** `overrides.kafka`: the clients the outbox publishes with (tests cut their network). */
  static forRoot(environment: RevenuesBenefitsEnvironment, overrides: Pick<DomainServiceOptions, 'kafka'> = {}): DynamicModule {
    // Several councils share one instance; each is its own data controller, with its own Kafka identity.
    const participants = [...new Set(listSetting(environment.RB_PARTICIPANTS))];
    return {
      module: AppModule,
      imports: [
        ...domainServiceCoreModules('revenues-benefits', environment, { schema: SCHEMA, entities: ENTITIES, migrations: MIGRATIONS }, participants[0]!),
        DomainServiceModule.forRoot({
          service: 'revenues-benefits',
          participants,
          ...participantKafka(environment),
          ...hubAuthentication(environment),
          lockNamespace: OUTBOX_LOCK_NAMESPACE,
          outboxRetentionHours: environment.OUTBOX_RETENTION_HOURS,
          logLevel: environment.LOG_LEVEL,
          inboxHandlers: REVENUES_BENEFITS_INBOX,
          ...overrides,
        }),
        HousingBenefitAssessmentsModule,
        CouncilTaxReductionsModule,
        DiscretionaryHousingPaymentsModule,
        CouncilTaxDiscountsModule,
      ],
    };
  }
}
