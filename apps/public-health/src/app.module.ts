import { Module, type DynamicModule } from '@nestjs/common';
import { outboxMigration } from '@accord/kafka';
import { DOMAIN_SERVICE_ENTITIES, DomainServiceModule, domainServiceCoreModules, hubAuthentication, participantKafka, inboxMigration, type DomainServiceOptions } from '@accord/domain-service';
import type { PublicHealthEnvironment } from './environment';
import { HealthCheckEntity } from './health-checks/health-check.entity';
import { HealthChecksModule } from './health-checks/health-checks.module';
import { ImmunisationEntity } from './immunisations/immunisation.entity';
import { ImmunisationsModule } from './immunisations/immunisations.module';
import { PUBLIC_HEALTH_INBOX } from './inbox/inbox-handlers';
import { PublicHealthRecords1764400000002 } from './migrations/1764400000002-records';
import { NotifiableDiseaseEntity } from './notifiable-diseases/notifiable-disease.entity';
import { NotifiableDiseasesModule } from './notifiable-diseases/notifiable-diseases.module';
import { SubstanceMisuseReferralEntity } from './substance-misuse-referrals/substance-misuse-referral.entity';
import { SubstanceMisuseReferralsModule } from './substance-misuse-referrals/substance-misuse-referrals.module';

/** The service's own schema; its records, outbox and inbox tables come with their migrations. */
export const SCHEMA = 'ph';
/** The outbox relay's advisory-lock namespace ("ph"), distinct from the other services'. */
const OUTBOX_LOCK_NAMESPACE = 0x7068;

export const ENTITIES = [ImmunisationEntity, HealthCheckEntity, NotifiableDiseaseEntity, SubstanceMisuseReferralEntity, ...DOMAIN_SERVICE_ENTITIES];
export const MIGRATIONS = [outboxMigration(1764400000000), inboxMigration(1764400000001), PublicHealthRecords1764400000002];

@Module({})
export class AppModule {
  /** `overrides.kafka`: the clients the outbox publishes with (tests cut their network). */
  static forRoot(environment: PublicHealthEnvironment, overrides: Pick<DomainServiceOptions, 'kafka'> = {}): DynamicModule {
    const participants = [environment.PH_PARTICIPANT];
    return {
      module: AppModule,
      imports: [
        ...domainServiceCoreModules('public-health', environment, { schema: SCHEMA, entities: ENTITIES, migrations: MIGRATIONS }, participants[0]!),
        DomainServiceModule.forRoot({
          service: 'public-health',
          participants,
          ...participantKafka(environment),
          ...hubAuthentication(environment),
          lockNamespace: OUTBOX_LOCK_NAMESPACE,
          outboxRetentionHours: environment.OUTBOX_RETENTION_HOURS,
          logLevel: environment.LOG_LEVEL,
          inboxHandlers: PUBLIC_HEALTH_INBOX,
          ...overrides,
        }),
        ImmunisationsModule,
        HealthChecksModule,
        NotifiableDiseasesModule,
        SubstanceMisuseReferralsModule,
      ],
    };
  }
}
