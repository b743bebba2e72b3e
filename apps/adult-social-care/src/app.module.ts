import { Module, type DynamicModule } from '@nestjs/common';
import { outboxMigration } from '@accord/kafka';
import { DOMAIN_SERVICE_ENTITIES, DomainServiceModule, domainServiceCoreModules, hubAuthentication, participantKafka, inboxMigration, type DomainServiceOptions } from '@accord/domain-service';
import type { AdultSocialCareEnvironment } from './environment';
import { AssessmentEntity } from './assessments/assessment.entity';
import { AssessmentsModule } from './assessments/assessments.module';
import { ADULT_SOCIAL_CARE_INBOX } from './inbox/inbox-handlers';
import { AdultSocialCareRecords1764400000002 } from './migrations/1764400000002-records';
import { ReviewEntity } from './reviews/review.entity';
import { ReviewsModule } from './reviews/reviews.module';
import { SafeguardingConcernEntity } from './safeguarding-concerns/safeguarding-concern.entity';
import { SafeguardingConcernsModule } from './safeguarding-concerns/safeguarding-concerns.module';
import { ServiceEntity } from './services/service.entity';
import { ServicesModule } from './services/services.module';

/** The service's own schema; its records, outbox and inbox tables come with their migrations. */
export const SCHEMA = 'asc';
/** The outbox relay's advisory-lock namespace ("asc"), distinct from the other services'. */
const OUTBOX_LOCK_NAMESPACE = 0x617363;

export const ENTITIES = [AssessmentEntity, ServiceEntity, SafeguardingConcernEntity, ReviewEntity, ...DOMAIN_SERVICE_ENTITIES];
export const MIGRATIONS = [outboxMigration(1764400000000), inboxMigration(1764400000001), AdultSocialCareRecords1764400000002];

@Module({})
export class AppModule {
  /** `overrides.kafka`: the clients the outbox publishes with (tests cut their network). */
  static forRoot(environment: AdultSocialCareEnvironment, overrides: Pick<DomainServiceOptions, 'kafka'> = {}): DynamicModule {
    const participants = [environment.ASC_PARTICIPANT];
    return {
      module: AppModule,
      imports: [
        ...domainServiceCoreModules('adult-social-care', environment, { schema: SCHEMA, entities: ENTITIES, migrations: MIGRATIONS }, participants[0]!),
        DomainServiceModule.forRoot({
          service: 'adult-social-care',
          participants,
          ...participantKafka(environment),
          ...hubAuthentication(environment),
          lockNamespace: OUTBOX_LOCK_NAMESPACE,
          outboxRetentionHours: environment.OUTBOX_RETENTION_HOURS,
          logLevel: environment.LOG_LEVEL,
          inboxHandlers: ADULT_SOCIAL_CARE_INBOX,
          ...overrides,
        }),
        AssessmentsModule,
        ServicesModule,
        SafeguardingConcernsModule,
        ReviewsModule,
      ],
    };
  }
}
